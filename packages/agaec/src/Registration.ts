/**
 * Registering agents, one by one or a whole CSV file for one site (all rows or none). The
 * registration authority of a site is its commune operators, its prefecture for its own agents
 * and for a commune's first two, and ANTS — alone for the national site, its own administrators; a place of birth must be a commune of the reference
 * list, and a person is registered once per site.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Change (TS2742 otherwise)
import type { Change, Site } from "@comedec/actor";
import { Agent, AgentStore, type AgentChange, DuplicatePerson, Identity, ImportRejected, type RowError, UnknownPlaceOfBirth } from "@comedec/agent";
import { CommuneDirectory, type InseeCode } from "@comedec/commune";
import { Access, Rules } from "@comedec/rgs";
import { Effect, Result } from "effect";
import { read } from "./Csv.js";
import { problems } from "./Directory.js";
import * as Records from "./Records.js";

/** How many agents of a commune its prefecture registers: the holders of the first two cards. */
export const prefectureRegistrationsPerCommune = 2;

const unknownPlacesOfBirth = Effect.fnUntraced(function* (identities: ReadonlyArray<Identity.Identity>) {
  const codes = identities.flatMap((identity) => (identity.placeOfBirth._tag === "commune" ? [identity.placeOfBirth.commune] : []));
  const known = yield* (yield* CommuneDirectory).known(codes);
  return codes.filter((code) => !known.has(code));
});

/** The first place of birth among these identities that is not a commune of the reference list. */
export const unknownPlaceOfBirth = Effect.fnUntraced(function* (identities: ReadonlyArray<Identity.Identity>) {
  return (yield* unknownPlacesOfBirth(identities))[0];
});

const checkPrefectureQuota = Effect.fnUntraced(function* (grant: Access.Grant<"agent.register">, site: Agent.AgentSite, adding: number) {
  if (grant.actor.role !== "prefecture-operator" || site._tag !== "commune") return;
  const existing = yield* (yield* AgentStore).countAt(site);
  if (existing + adding > prefectureRegistrationsPerCommune) {
    return yield* new Access.Forbidden({
      permission: "agent.register",
      role: grant.actor.role,
      site: Agent.siteKey(site),
      reason: `a prefecture registers only a commune's first ${prefectureRegistrationsPerCommune} agents; the commune's registration authority registers the others`,
    });
  }
});

/** Registers an agent at a site the grant reaches. */
export const register = Effect.fn("Registration.register")(function* (grant: Access.Grant<"agent.register">, registration: Agent.Registration) {
  yield* Access.require(grant, "agent.register");
  yield* Access.covers(grant, Access.siteTarget(registration.site));
  yield* checkPrefectureQuota(grant, registration.site, 1);
  const unknown = yield* unknownPlaceOfBirth([registration.identity]);
  if (unknown !== undefined) return yield* new UnknownPlaceOfBirth({ commune: unknown });
  // RGS 3*: the document was checked face to face, by a registration authority who is named.
  yield* Rules.enforce(Rules.rules.faceToFace, { faceToFace: registration.document.check.faceToFace, checkedBy: registration.document.check.by });
  // A new record is in no state yet, and only a modification checks a change of document or of rights.
  const events = yield* Records.decided(
    Agent.decide(undefined, { _tag: "Register", id: Records.newId(), registration }, { actor: grant.actor, today: yield* Records.today }),
  ).pipe(Effect.catchTag(["AgentIllegalTransition", "DocumentCheckRequired", "OwnRightsChange"], Effect.die));
  const state = events.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
  const store = yield* AgentStore;
  const existing = (yield* store.activeAmong(registration.site, [Identity.personKey(registration.identity)])).values().next().value;
  if (existing !== undefined) return yield* new DuplicatePerson({ existing, site: Agent.siteKey(registration.site) });
  // A record of a new id has no version to conflict with.
  return yield* store.append({ expectedVersion: 0, state, events, actor: grant.actor }).pipe(Effect.catchTag("ConcurrentModification", Effect.die));
});

/** The site of the directory a grant on a commune, a département or ANTS's site names: the commune, the prefecture, the national site. */
export const siteOf = (target: Access.TargetOf<"commune" | "departement" | "national-site">): Agent.AgentSite =>
  target._tag === "commune"
    ? { _tag: "commune", commune: target.commune as InseeCode.InseeCode }
    : target._tag === "departement"
      ? { _tag: "prefecture", departement: target.departement as Site.DepartementCode }
      : { _tag: "national" };

const detailOf = (error: Agent.AgentError): string =>
  "reason" in error ? error.reason : "field" in error ? `${error.field} differs from the identity document` : problems[error._tag].title;

/** Registers every row of a CSV file for the granted site, or none: the rejected rows say why. */
export const importCsv = Effect.fn("Registration.importCsv")(function* (
  grant: Access.Grant<"agent.register", "commune" | "departement" | "national-site">,
  csv: string,
) {
  const granted = yield* Access.require(grant, "agent.register");
  // The type says one site; a grant cast from a wider one (the nation) is refused here.
  const kind = (granted.target as Access.Target)._tag;
  if (kind === "nation") {
    return yield* new Access.Forbidden({
      permission: "agent.register",
      role: granted.actor.role,
      site: kind,
      reason: `the grant is on a ${kind} target, an import is for one site: a commune, a prefecture or the national site`,
    });
  }
  const site = siteOf(granted.target);
  const actor = grant.actor;
  const parsed = read(csv, site);
  if (Result.isFailure(parsed)) return yield* new ImportRejected({ rows: [parsed.failure] });
  yield* checkPrefectureQuota(grant, site, parsed.success.length);
  const on = yield* Records.today;
  const errors: Array<RowError> = [];
  const changes: Array<AgentChange> = [];
  const valid = parsed.success.flatMap((row) => (Result.isSuccess(row) ? [row.success] : []));
  const unknownPlaces = new Set(yield* unknownPlacesOfBirth(valid.map((registration) => registration.identity)));
  const keys = valid.map((registration) => Identity.personKey(registration.identity));
  const store = yield* AgentStore;
  const active = yield* store.activeAmong(site, keys);
  const seen = new Map<string, number>();
  // One row: its error, or the change that registers it.
  const check = (registration: Agent.Registration, row: number): RowError | AgentChange => {
    const place = registration.identity.placeOfBirth;
    if (place._tag === "commune" && unknownPlaces.has(place.commune)) {
      return { row, code: problems.UnknownPlaceOfBirth.code, detail: `no commune ${place.commune} in the reference list` };
    }
    const key = Identity.personKey(registration.identity);
    const twin = seen.get(key);
    if (twin !== undefined) return { row, code: problems.DuplicatePerson.code, detail: `the same person as row ${twin}` };
    seen.set(key, row);
    const existing = active.get(key);
    if (existing !== undefined) return { row, code: problems.DuplicatePerson.code, detail: `already registered at this site as ${existing}` };
    const decision = Agent.decide(undefined, { _tag: "Register", id: Records.newId(), registration }, { actor, today: on });
    if (Result.isFailure(decision)) return { row, code: problems[decision.failure._tag].code, detail: detailOf(decision.failure) };
    const state = decision.success.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
    return { expectedVersion: 0, state, events: decision.success, actor };
  };
  for (const [index, row] of parsed.success.entries()) {
    const outcome = Result.isFailure(row) ? row.failure : check(row.success, index + 1);
    if ("code" in outcome) errors.push(outcome);
    else changes.push(outcome);
  }
  if (errors.length > 0) return yield* new ImportRejected({ rows: errors });
  const written = yield* store.appendAll(changes);
  return { written, ids: changes.map((change) => change.state.id) };
});
