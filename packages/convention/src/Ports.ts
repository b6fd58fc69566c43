/**
 * The port through which conventions are kept: streams with optimistic concurrency, written with
 * their events in one transaction by the adapter.
 */
import type { Actor, Change } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import type * as Convention from "./Convention.js";
import { Problem } from "@comedec/actor";

/** No convention has this id. */
export class ConventionNotFound extends Schema.TaggedError<ConventionNotFound>()(
  "ConventionNotFound",
  { convention: Schema.String },
  Problem.annotation(404, "convention-not-found", "Unknown convention"),
) {}

/** A convention as loaded, with the version to decide against. */
export interface ConventionSnapshot {
  readonly state: Convention.State;
  readonly version: number;
}

/** What ANTS's queue asks for: statuses, an area, from after a position, so many at most. */
export interface QueueQuery {
  /** Every status when absent. */
  readonly statuses?: ReadonlyArray<Convention.Status>;
  readonly departement?: string;
  readonly commune?: string;
  /** The position after which the page starts (the previous page's last). */
  readonly after?: number;
  readonly limit: number;
}

/** A convention of the queue: its snapshot, its position in order of submission, when and for which commune. */
export interface QueuedSnapshot extends ConventionSnapshot {
  readonly position: number;
  readonly submittedAt: string;
  readonly communeName: string;
}

/** Where conventions live. */
export class ConventionStore extends Context.Service<
  ConventionStore,
  {
    readonly load: (id: string) => Effect.Effect<ConventionSnapshot, ConventionNotFound>;
    readonly listByCommune: (commune: string) => Effect.Effect<ReadonlyArray<ConventionSnapshot>>;
    /** The conventions matching the query, oldest submission first; `next` is the position to start the next page after. */
    readonly queue: (query: QueueQuery) => Effect.Effect<{ readonly items: ReadonlyArray<QueuedSnapshot>; readonly next: number | undefined }>;
    /** Appends events decided against `expectedVersion` (0 for a new convention) with the new state. */
    readonly append: (change: {
      readonly expectedVersion: number;
      readonly state: Convention.State;
      readonly events: ReadonlyArray<Convention.Event>;
      readonly actor: Actor.Actor;
    }) => Effect.Effect<ConventionSnapshot, Change.ConcurrentModification>;
  }
>()("@comedec/convention/ConventionStore") {}
