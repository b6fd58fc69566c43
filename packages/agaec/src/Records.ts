/**
 * An agent record as the directory's use cases change it: loaded only when the grant reaches its
 * site, at the version the caller read (a newer one is refused, not overwritten), decided by
 * `Agent.decide`, evolved and appended with the version it was decided on.
 */
import { Change } from "@comedec/actor";
import { Agent, AgentStore, type Snapshot } from "@comedec/agent";
import { CalendarDate } from "@comedec/commune";
import { Access, Rules } from "@comedec/rgs";
import { Clock, Effect, Result } from "effect";

/** Today's date, from the clock. */
export const today: Effect.Effect<CalendarDate.CalendarDate> = Effect.map(Clock.currentTimeMillis, (millis) => CalendarDate.ofInstant(new Date(millis)));

/** A new record id. */
export const newId = (): string => globalThis.crypto.randomUUID();

/** A domain decision as an effect. */
export const decided = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

/** Loads a record the grant reaches. */
export const reached = Effect.fnUntraced(function* (grant: Access.Grant<"agent.read" | "agent.manage">, id: string) {
  const snapshot = yield* (yield* AgentStore).load(id);
  yield* Access.covers(grant, Access.siteTarget(snapshot.state.site));
  return snapshot;
});

/** Loads a record the grant reaches, refusing it when it moved past the version the caller read. */
export const load = Effect.fnUntraced(function* (grant: Access.Grant<"agent.read" | "agent.manage">, id: string, expectedVersion?: number) {
  const snapshot = yield* reached(grant, id);
  if (expectedVersion !== undefined && expectedVersion !== snapshot.version) {
    return yield* new Change.ConcurrentModification({ stream: `agent:${id}`, expectedVersion });
  }
  return snapshot;
});

/**
 * The refusals of the domain a command on a record already registered cannot meet: only a
 * modification checks a document, a profile or rights (`Agent.decide`). What deciding a change of
 * contact, a deactivation or a deletion may refuse is the record's state alone.
 */
export const modificationRefusals = [
  "IdentityMismatch",
  "DocumentNotAcceptable",
  "DocumentCheckRequired",
  "ProfileNotAllowed",
  "OwnRightsChange",
  "ImpossibleBirthDate",
  // The policy's no-self-grant, checked only on a change of rights.
  "RuleBroken",
] as const;

/** Decides a command on a record the grant reaches and appends its events. */
export const run = Effect.fnUntraced(function* (grant: Access.Grant<"agent.manage">, id: string, command: Agent.Command, expectedVersion?: number) {
  const snapshot = yield* load(grant, id, expectedVersion);
  // Nobody grants themselves privileges (before the domain decides, so the refusal names the rule).
  if (command._tag === "Modify" && command.rights !== undefined) {
    const before = new Set(snapshot.state.rights);
    const rightsChanged = command.rights.length !== before.size || command.rights.some((right) => !before.has(right));
    yield* Rules.enforce(Rules.rules.noSelfGrant, { actor: grant.actor.id, subject: id, rightsChanged });
  }
  const events = yield* decided(Agent.decide(snapshot.state, command, { actor: grant.actor, today: yield* today }));
  const state = events.reduce<Agent.State | undefined>(Agent.evolve, snapshot.state) as Agent.State;
  const saved: Snapshot = yield* (yield* AgentStore).append({ expectedVersion: snapshot.version, state, events, actor: grant.actor });
  return saved;
});
