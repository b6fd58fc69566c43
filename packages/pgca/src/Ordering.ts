/**
 * Ordering a card for a holder of the directory: the holder must be active, a commune's first two
 * cards are the prefecture's to order (or ANTS's), and the grant must reach the holder's site.
 * Orders made by a validated request or a renewal go through the same decision.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import type { Card } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import type { OrderInput } from "./Platform.js";
import * as OperatorCards from "./OperatorCards.js";
import * as Reach from "./Reach.js";
import * as Writes from "./Writes.js";

/** What an order carries besides its holder. */
export interface OrderOptions {
  readonly firstCard?: Card.FirstCard;
  readonly request?: string;
  readonly replaces?: string;
  readonly reason: string;
}

/** Decides the order of a card for a holder and gives its write (the grant is checked by the caller). */
export const orderWrite = Effect.fnUntraced(function* (grant: Access.Grant<"card.order">, holderId: string, options: OrderOptions) {
  const holder = yield* Reach.activeHolder(holderId);
  if (options.firstCard !== undefined) {
    if (holder.site._tag !== "commune") return yield* Reach.forbidden(grant, holder.site, "only a commune has first cards");
    if (grant.actor.role === "commune-operator") return yield* Reach.forbidden(grant, holder.site, "the prefecture orders a commune's first two cards");
  }
  yield* Reach.card(grant, Reach.draft(holderId, holder.site, options.firstCard));
  return yield* Writes.card(
    undefined,
    {
      _tag: "Order",
      id: Writes.newId(),
      holder: holderId,
      site: holder.site,
      orderedBy: grant.actor.id,
      // The holder's status now is kept with the card: stripping their rights later hides nothing.
      operatorCard: OperatorCards.isOperatorCard(Reach.draft(holderId, holder.site, options.firstCard), holder),
      reason: options.reason,
      ...(options.firstCard === undefined ? {} : { firstCard: options.firstCard }),
      ...(options.request === undefined ? {} : { request: options.request }),
      ...(options.replaces === undefined ? {} : { replaces: options.replaces }),
    },
    grant.actor,
  );
});

/** Orders a card for a holder of the directory. */
export const order = Effect.fn("Ordering.order")(function* (grant: Access.Grant<"card.order">, input: OrderInput) {
  yield* Access.require(grant, "card.order");
  const write = yield* orderWrite(grant, input.holder, input);
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});
