/**
 * A validated request is fulfilled by the operation that carries it out: the unblock, the
 * certificates renewed (a new card's request is fulfilled when the card is handed over). The
 * operation commits the request's write with its own.
 */
import type { Actor } from "@comedec/actor";
import { type Card, CardStore, type Request } from "@comedec/card";
import { Effect } from "effect";
import * as Writes from "./Writes.js";

/** The writes fulfilling the validated requests of a kind for a card. */
export const ofValidated = Effect.fnUntraced(function* (card: Card.State, kind: Request.Kind, reason: string, actor: Actor.Actor) {
  const waiting = (yield* (yield* CardStore).requests({ holder: card.holder }, { status: "validated", limit: 50 })).filter(
    (request) => request.state.kind === kind && request.state.card === card.id,
  );
  return yield* Effect.forEach(waiting, (request) => Writes.request(request, { _tag: "Fulfil", reason }, actor));
});
