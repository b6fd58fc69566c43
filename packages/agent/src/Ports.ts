/**
 * The ports of the agents directory. `AgentStore` is what a persistence adapter implements;
 * `AgentCards` is what the card platform implements (deactivating an agent suspends their cards).
 * The directory's use cases themselves are the `AgentDirectory` port of `@comedec/agaec`.
 */
import type { Actor, Change } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import type * as Agent from "./Agent.js";
import { Problem } from "@comedec/actor";

/** No agent with this id (or not visible to the actor). */
export class AgentNotFound extends Schema.TaggedError<AgentNotFound>()(
  "AgentNotFound",
  { agent: Schema.String },
  Problem.annotation(404, "agent-not-found", "Unknown agent"),
) {}

/** The same person already has an active record at this site. */
export class DuplicatePerson extends Schema.TaggedError<DuplicatePerson>()(
  "DuplicatePerson",
  { existing: Schema.String, site: Schema.String },
  Problem.annotation(409, "duplicate-person", "This person already has an active record at this site"),
) {}

/** A record and its version. */
export interface Snapshot {
  readonly state: Agent.State;
  readonly version: number;
}

/** What a search filters on; `after` is the cursor of the previous page. */
export interface AgentQuery {
  readonly name?: string;
  readonly site?: Agent.AgentSite;
  /** Every site of a département (prefecture scope). */
  readonly departement?: string;
  readonly profile?: Agent.Profile["_tag"];
  readonly status?: Agent.Status;
  readonly after?: string;
  readonly limit: number;
}

/** A page of results and the cursor of the next one. */
export interface AgentPage {
  readonly items: ReadonlyArray<Snapshot>;
  readonly next: string | undefined;
}

/** A write to one record, checked against the version it was based on. */
export interface AgentChange {
  readonly expectedVersion: number;
  readonly state: Agent.State;
  readonly events: ReadonlyArray<Agent.Event>;
  readonly actor: Actor.Actor;
}

/** Agent records and their streams in the event log. */
export class AgentStore extends Context.Service<
  AgentStore,
  {
    readonly load: (id: string) => Effect.Effect<Snapshot, AgentNotFound>;
    /**
     * Writes one change; a second active record of the same person at the site fails with
     * DuplicatePerson. A deletion revokes, in the same transaction, every certificate the PKI's
     * register holds for the agent (cessation of operation), so no certificate of a deleted agent
     * stays good even if the cards' own revocation never runs. A deactivation or a deletion closes
     * the agent's open card sessions in the same transaction: they end at once.
     */
    readonly append: (change: AgentChange) => Effect.Effect<Snapshot, Change.ConcurrentModification | DuplicatePerson>;
    /** Writes new records all together, or none. */
    readonly appendAll: (changes: ReadonlyArray<AgentChange>) => Effect.Effect<number, DuplicatePerson>;
    readonly search: (query: AgentQuery) => Effect.Effect<AgentPage>;
    /** The active records among these persons (by `Identity.personKey`) at this site: key → agent id. */
    readonly activeAmong: (site: Agent.AgentSite, personKeys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, string>>;
    /** How many records (any status but deleted) a site has. */
    readonly countAt: (site: Agent.AgentSite) => Effect.Effect<number>;
  }
>()("@comedec/agent/AgentStore") {}

/**
 * The card platform, as the directory needs it: deactivating an agent suspends their cards (their
 * certificates on hold), reactivating one resumes them (out of hold), deleting one revokes them.
 */
export class AgentCards extends Context.Service<
  AgentCards,
  {
    readonly suspendAll: (agent: string, reason: string, by: Actor.Actor) => Effect.Effect<{ readonly suspended: number }>;
    readonly resumeAll: (agent: string, reason: string, by: Actor.Actor) => Effect.Effect<{ readonly resumed: number }>;
    readonly revokeAll: (agent: string, reason: string, by: Actor.Actor) => Effect.Effect<{ readonly revoked: number }>;
    /**
     * The agent's cards not yet revoked that are operators' cards (as recorded at publication, or
     * by the agent's rights now): deleting the agent would revoke them with one person only.
     */
    readonly operatorCards: (agent: string) => Effect.Effect<ReadonlyArray<string>>;
  }
>()("@comedec/agent/AgentCards") {}

/** The place of birth is not a commune of the reference list. */
export class UnknownPlaceOfBirth extends Schema.TaggedError<UnknownPlaceOfBirth>()(
  "UnknownPlaceOfBirth",
  { commune: Schema.String },
  Problem.annotation(422, "unknown-place-of-birth", "The place of birth is not a known commune"),
) {}
