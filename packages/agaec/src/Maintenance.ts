/**
 * Keeping a record up to date: contact details, identity (with a new document check), profile and
 * rights; deactivation, which suspends the agent's cards (their certificates on hold) and ends
 * their sessions; reactivation, which resumes them (with the identity document checked again after
 * a long deactivation, `Agent.longDeactivationDays`); deletion, which erases the personal data and
 * revokes the cards. Each acts on a record the grant reaches, at the version the caller read.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import { type Agent, AgentCards, UnknownPlaceOfBirth } from "@comedec/agent";
import { Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";
import type { Modification } from "./Directory.js";
import * as Records from "./Records.js";
import { unknownPlaceOfBirth } from "./Registration.js";

// What a change of contact, a deactivation or a deletion cannot meet: the rules of a modification,
// and a duplicate (the person's key is unchanged, or the record leaves the active ones). Defects if met.
const impossible = [...Records.modificationRefusals, "DuplicatePerson"] as const;

/** Changes an agent's contact details. */
export const changeContact = Effect.fn("Maintenance.changeContact")(function* (
  grant: Access.Grant<"agent.manage">,
  id: string,
  contact: Agent.Contact,
  expectedVersion?: number,
) {
  yield* Access.require(grant, "agent.manage");
  return yield* Records.run(grant, id, { _tag: "ChangeContact", contact }, expectedVersion).pipe(Effect.catchTag(impossible, Effect.die));
});

/** Changes an agent's identity, profile or rights. */
export const modify = Effect.fn("Maintenance.modify")(function* (
  grant: Access.Grant<"agent.manage">,
  id: string,
  changes: Modification,
  expectedVersion?: number,
) {
  yield* Access.require(grant, "agent.manage");
  if (changes.identity !== undefined) {
    const unknown = yield* unknownPlaceOfBirth([changes.identity]);
    if (unknown !== undefined) return yield* new UnknownPlaceOfBirth({ commune: unknown });
  }
  return yield* Records.run(grant, id, { _tag: "Modify", ...changes }, expectedVersion);
});

/** Deactivates the profile and suspends the agent's cards. */
export const deactivate = Effect.fn("Maintenance.deactivate")(function* (
  grant: Access.Grant<"agent.manage">,
  id: string,
  reason: string,
  expectedVersion?: number,
) {
  yield* Access.require(grant, "agent.manage");
  const saved = yield* Records.run(grant, id, { _tag: "Deactivate", reason }, expectedVersion).pipe(Effect.catchTag(impossible, Effect.die));
  yield* (yield* AgentCards).suspendAll(id, reason, grant.actor);
  return saved;
});

// What a reactivation cannot meet: a profile or rights check, or the no-self-grant rule, which only a modification runs.
const notOnReactivation = ["ProfileNotAllowed", "OwnRightsChange", "RuleBroken"] as const;

/**
 * Reactivates a deactivated profile and resumes the agent's suspended cards, whose certificates
 * leave the hold. After a long deactivation the identity document must be checked again, face to
 * face (`document`), or the reactivation is refused (`DocumentCheckRequired`).
 */
export const reactivate = Effect.fn("Maintenance.reactivate")(function* (
  grant: Access.Grant<"agent.manage">,
  id: string,
  input: Agent.ReactivationInput,
  expectedVersion?: number,
) {
  yield* Access.require(grant, "agent.manage");
  // A reactivation gives the record its rights back: never by the agent themselves.
  yield* Rules.enforce(Rules.rules.noSelfGrant, { actor: grant.actor.id, subject: id, rightsChanged: true });
  const command = { _tag: "Reactivate", reason: input.reason, ...(input.document === undefined ? {} : { document: input.document }) } as const;
  const saved = yield* Records.run(grant, id, command, expectedVersion).pipe(Effect.catchTag(notOnReactivation, Effect.die));
  yield* (yield* AgentCards).resumeAll(id, input.reason, grant.actor);
  return saved;
});

/** Deletes the record: personal data is erased and the agent's cards revoked. */
export const remove = Effect.fn("Maintenance.remove")(function* (grant: Access.Grant<"agent.manage">, id: string, reason: string, expectedVersion?: number) {
  yield* Access.require(grant, "agent.manage");
  yield* Records.reached(grant, id);
  // Deleting revokes every card: an operator's card (as recorded at its publication) takes two
  // people, so each is revoked first through dual control (a revocation request another operator
  // validates), deactivated or not.
  const held = yield* (yield* AgentCards).operatorCards(id);
  if (held.length > 0) {
    return yield* new Rules.RuleBroken({
      rule: Rules.rules.dualControl.id,
      reason: `deleting an agent who holds an operator's card (${held.join(", ")}) needs a second trusted person: file the revocation of each card, which another operator validates, then delete`,
    });
  }
  const saved = yield* Records.run(grant, id, { _tag: "Delete", reason }, expectedVersion).pipe(Effect.catchTag(impossible, Effect.die));
  yield* (yield* AgentCards).revokeAll(id, reason, grant.actor);
  return saved;
});
