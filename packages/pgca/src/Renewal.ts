/**
 * Renewals: a new card ordered to replace one in use (the old card is retired once the new one is
 * active), and the record of new certificates on the same card once the card agent wrote them
 * (`AgentRenewal`).
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Actor, Change } from "@comedec/actor";
import { Card } from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name RuleBroken (TS2742 otherwise)
import { Access, type Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as Ordering from "./Ordering.js";
import * as Personalisation from "./Personalisation.js";
import type { CardView } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Fulfilment from "./Fulfilment.js";
import * as Writes from "./Writes.js";

/** Decides the order of a card replacing one in use (active or PIN-blocked), and gives its write. */
export const renewalWrite = Effect.fnUntraced(function* (
  grant: Access.Grant<"card.order">,
  view: CardView,
  options: { readonly request?: string; readonly reason: string },
) {
  if (view.state.status !== "active" && view.state.status !== "pin-blocked") {
    return yield* new Card.CardIllegalTransition({
      command: "Renew",
      state: view.state.status,
      allowedFrom: ["active", "pin-blocked"],
      rule: "Only a card in use is renewed: the new card replaces it once active.",
    });
  }
  return yield* Ordering.orderWrite(grant, view.state.holder, { ...options, replaces: view.state.id });
});

/** Orders a new card replacing this one. */
export const renew = Effect.fn("Renewal.renew")(function* (grant: Access.Grant<"card.order">, id: string, reason: string) {
  yield* Access.require(grant, "card.order");
  const view = yield* Reach.loadCard(grant, id);
  const write = yield* renewalWrite(grant, view, { reason });
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});

/**
 * Records a card's new certificates, once they are on the card: the old ones revoked as superseded
 * in the same commit (and the holder's validated request fulfilled), the CRL published after.
 */
export const completeRenewal = Effect.fnUntraced(function* (actor: Actor.Actor, view: CardView, certificates: Card.Certificates, reason: string) {
  const write = yield* Writes.card(view, { _tag: "RenewCertificates", certificates, reason }, actor);
  const revocation = yield* Personalisation.revocationOf(view.state, "superseded");
  yield* Writes.commit(actor, [write], yield* Fulfilment.ofValidated(view.state, "certificate-renewal", reason, actor), [revocation]);
  yield* Personalisation.publishRevocations([revocation]);
  return Writes.viewOf(write);
});
