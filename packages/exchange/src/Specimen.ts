/**
 * The specimen file (DOMAIN.md §3, step 10): the fictitious acts a mairie holds for its connection
 * test, sent at least `Onboarding.specimenLeadDays` days before the training. From it the platform
 * makes specimen requests whose right answers it knows — some as declared, some with a field
 * declared wrong, one on an act the file does not hold — and the test passes when every one is
 * answered right and signed by an officer of the commune.
 *
 * `answer` is how the mairie's software decides from its register: the same rule the platform
 * expects, so a site answering from its acts passes.
 */
import { CalendarDate, type InseeCode } from "@comedec/commune";
import { Schema } from "effect";
import { ActType, Person, type PersonField, personFields, type VerificationRequest } from "./Request.js";
import type { Correction, Outcome } from "./Response.js";

/** A fictitious act the mairie holds. */
export const SpecimenAct = Schema.Struct({
  actType: ActType,
  actDate: CalendarDate.CalendarDate,
  reference: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(50)),
  persons: Schema.Array(Person).check(Schema.isMinLength(1), Schema.isMaxLength(4)),
});
export type SpecimenAct = typeof SpecimenAct.Type;

/** The file: between 2 and 50 acts, each reference once, and who trains the mairie (its editor, or nobody: the mairie itself). */
export const SpecimenFile = Schema.Struct({
  trainedBy: Schema.optionalKey(Schema.Literals(["editor", "commune"])),
  acts: Schema.Array(SpecimenAct).check(
    Schema.isMinLength(2),
    Schema.isMaxLength(50),
    Schema.makeFilter((acts) => new Set(acts.map((act) => `${act.actType}:${act.reference}`)).size === acts.length || "each act appears once"),
  ),
});
export type SpecimenFile = typeof SpecimenFile.Type;

/** A specimen request and the outcome the platform expects. */
export interface Planned {
  readonly request: VerificationRequest;
  readonly expected: Outcome;
}

const asText = (value: string | ReadonlyArray<string> | undefined): string => (value === undefined ? "" : typeof value === "string" ? value : value.join(" "));

/** A field declared wrong the way requesters get them wrong: a date a day off, a name misspelt. */
const misdeclared = (person: Person): { readonly person: Person; readonly field: PersonField } =>
  person.birthDate !== undefined
    ? { person: { ...person, birthDate: CalendarDate.addDays(person.birthDate, 1) }, field: "birthDate" }
    : { person: { ...person, birthName: `${person.birthName}E` }, field: "birthName" };

/**
 * The specimen requests of a file: each act asked about once — every other one with a field
 * declared wrong — and one act the file does not hold. `newId` names each request.
 */
export const plan = (file: SpecimenFile, commune: InseeCode.InseeCode, issuedAt: Date, newId: () => string): ReadonlyArray<Planned> => {
  const requester = { kind: "ants", name: "ANTS — test de raccordement" } as const;
  const request = (act: SpecimenAct, persons: ReadonlyArray<Person>, reference = act.reference): VerificationRequest => ({
    id: newId(),
    commune,
    requester,
    actType: act.actType,
    actDate: act.actDate,
    actReference: reference,
    persons,
    specimen: true,
    issuedAt: issuedAt.toISOString(),
  });
  const planned: Array<Planned> = file.acts.map((act, index) => {
    if (index % 2 === 0) return { request: request(act, act.persons), expected: { _tag: "verified" } };
    const [first, ...others] = act.persons as readonly [Person, ...Array<Person>];
    const wrong = misdeclared(first);
    return {
      request: request(act, [wrong.person, ...others]),
      expected: {
        _tag: "corrected",
        corrections: [{ person: 0, field: wrong.field, declared: asText(wrong.person[wrong.field]), recorded: asText(first[wrong.field]) }],
      },
    };
  });
  const held = new Set(file.acts.map((act) => act.reference));
  let missing = `${(file.acts[0] as SpecimenAct).reference}-X`;
  while (held.has(missing)) missing = `${missing}X`;
  planned.push({ request: request(file.acts[0] as SpecimenAct, (file.acts[0] as SpecimenAct).persons, missing), expected: { _tag: "not-found" } });
  return planned;
};

/**
 * How the mairie answers from its register: the act by type and reference (not found otherwise),
 * then each field the requester declared, compared with the act; the act's date as well.
 */
export const answer = (file: SpecimenFile, commune: InseeCode.InseeCode, request: VerificationRequest): Outcome => {
  if (request.commune !== commune) return { _tag: "not-held" };
  const act = file.acts.find((candidate) => candidate.actType === request.actType && candidate.reference === request.actReference);
  if (act === undefined) return { _tag: "not-found" };
  const corrections: Array<Correction> = [];
  if (request.actDate !== act.actDate) corrections.push({ person: 0, field: "actDate", declared: request.actDate, recorded: act.actDate });
  request.persons.forEach((declared, index) => {
    const recorded = act.persons[index];
    if (recorded === undefined) return;
    for (const field of personFields) {
      const said = asText(declared[field]);
      if (said !== "" && said !== asText(recorded[field])) corrections.push({ person: index, field, declared: said, recorded: asText(recorded[field]) });
    }
  });
  return corrections.length === 0 ? { _tag: "verified" } : { _tag: "corrected", corrections };
};
