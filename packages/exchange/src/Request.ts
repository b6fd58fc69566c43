/**
 * A verification request (DOMAIN.md §7): a requester (a prefecture for an identity card, a notary,
 * another commune's officer) asks the commune that holds an act to confirm the data it was given
 * about the persons named in it. The commune answers; the platform only routes.
 */
import { CalendarDate, InseeCode } from "@comedec/commune";
import { Schema } from "effect";

const Text = (most: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(most));

/** The kinds of civil-status act. */
export const ActType = Schema.Literals(["birth", "marriage", "death"]);
export type ActType = typeof ActType.Type;

/** A person named in an act, as declared to the requester (or as the act records them). */
export const Person = Schema.Struct({
  birthName: Text(100),
  usedName: Schema.optionalKey(Text(100)),
  givenNames: Schema.Array(Text(100)).check(Schema.isMinLength(1), Schema.isMaxLength(10)),
  sex: Schema.optionalKey(Schema.Literals(["F", "M"])),
  birthDate: Schema.optionalKey(CalendarDate.CalendarDate),
  birthPlace: Schema.optionalKey(Text(200)),
});
export type Person = typeof Person.Type;

/** What a response may correct about a person. */
export const PersonField = Schema.Literals(["birthName", "usedName", "givenNames", "sex", "birthDate", "birthPlace"]);
export type PersonField = typeof PersonField.Type;
export const personFields: ReadonlyArray<PersonField> = PersonField.literals;

/** Who asks. */
export const Requester = Schema.Struct({
  kind: Schema.Literals(["prefecture", "notary", "commune", "ants"]),
  name: Text(200),
});

/** A request to the commune holding an act. */
export const VerificationRequest = Schema.Struct({
  id: Text(64),
  commune: InseeCode.InseeCode,
  requester: Requester,
  actType: ActType,
  actDate: CalendarDate.CalendarDate,
  /** The act's number in the commune's register. */
  actReference: Text(50),
  persons: Schema.Array(Person).check(Schema.isMinLength(1), Schema.isMaxLength(4)),
  /** A request on a fictitious act, to test a site's connection before it goes live. */
  specimen: Schema.Boolean,
  /** When the platform issued it (ISO instant): a response cannot be signed before. */
  issuedAt: Schema.String,
});
export type VerificationRequest = typeof VerificationRequest.Type;
