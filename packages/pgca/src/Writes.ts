/**
 * The writes a use case of the card platform commits: a card's or a request's command decided by
 * the domain for an actor, evolved, and kept with the version it was decided on, so the store
 * refuses it when the record moved in between (optimistic concurrency). One commit takes every
 * record an operation changed, in one transaction.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Actor, Change } from "@comedec/actor";
import { Card, CardStore, type CertificateRevocation, Request, type Write } from "@comedec/card";
import { CalendarDate } from "@comedec/commune";
import { Clock, Effect, Result } from "effect";
import type { CardView, RequestView } from "./Platform.js";

/** A card's new state and events, with the version they were decided on. */
export type CardWrite = Write<Card.State, Card.Event>;
/** A request's new state and events, with the version they were decided on. */
export type RequestWrite = Write<Request.State, Request.Event>;

/** The current instant, from the clock. */
export const now: Effect.Effect<Date> = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis));

/** Today's date, from the clock. */
export const today: Effect.Effect<CalendarDate.CalendarDate> = Effect.map(now, CalendarDate.ofInstant);

/** A new record id. */
export const newId = (): string => globalThis.crypto.randomUUID();

const decided = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

/** Decides a card command for an actor (`undefined` before the order) and gives the write it makes. */
export const card = Effect.fnUntraced(function* (view: CardView | undefined, command: Card.Command, actor: Actor.Actor) {
  const events = yield* decided(Card.decide(view?.state, command, { actor, today: yield* today }));
  const write: CardWrite = {
    expectedVersion: view?.version ?? 0,
    state: events.reduce<Card.State | undefined>(Card.evolve, view?.state) as Card.State,
    events,
  };
  return write;
});

/** Decides a request command for an actor (`undefined` before the submission) and gives the write it makes. */
export const request = Effect.fnUntraced(function* (view: RequestView | undefined, command: Request.Command, actor: Actor.Actor) {
  const events = yield* decided(Request.decide(view?.state, command, { actor, today: yield* today }));
  const write: RequestWrite = {
    expectedVersion: view?.version ?? 0,
    state: events.reduce<Request.State | undefined>(Request.evolve, view?.state) as Request.State,
    events,
  };
  return write;
});

/** The card as a write leaves it. */
export const viewOf = (write: CardWrite): CardView => ({ state: write.state, version: write.expectedVersion + write.events.length });

/**
 * Commits the writes of one operation in one transaction, recorded in the log as the actor's, with
 * the certificates they withdraw revoked in the PKI's register in the same transaction.
 */
export const commit = (
  actor: Actor.Actor,
  cards: ReadonlyArray<CardWrite>,
  requests: ReadonlyArray<RequestWrite> = [],
  revocations: ReadonlyArray<CertificateRevocation> = [],
) => CardStore.use((store) => store.commit({ cards, requests, actor, ...(revocations.length === 0 ? {} : { revocations }) }));
