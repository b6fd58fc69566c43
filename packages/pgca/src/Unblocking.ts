/**
 * The PIN of a card, as the platform sees it now that PINs are typed at the card agent only (ADR
 * 0016): the block the card reported there recorded, and the unblock authorised once the holder is
 * authenticated face to face or by their secret answers — the PUK then given to seal for that
 * agent, which sets the new PIN the holder types, under the card's PIN rules.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Actor, Change } from "@comedec/actor";
import { Card, CardSecrets, type KeyOperations } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import type { CardView } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Fulfilment from "./Fulfilment.js";
import * as SecretAnswers from "./SecretAnswers.js";
import * as Writes from "./Writes.js";

/** How the holder of an unblock was authenticated, and why: what an unblock takes besides the new PIN. */
export type UnblockAuthorisation = Omit<KeyOperations.UnblockTicketInput, "agentKey">;

/** The unblock's command, decided for the actor: the card's state and the actor's party. */
const unblockCommand = (input: UnblockAuthorisation): Card.Command => ({
  _tag: "Unblock",
  holderAuthentication: input.holderAuthentication,
  reason: input.reason,
});

/** Records the unblock, and fulfils the holder's validated unblock request. */
const commitUnblock = Effect.fnUntraced(function* (grant: Access.Grant<"card.operate">, view: CardView, input: UnblockAuthorisation) {
  const write = yield* Writes.card(view, unblockCommand(input), grant.actor);
  yield* Writes.commit(grant.actor, [write], yield* Fulfilment.ofValidated(view.state, "unblock", input.reason, grant.actor));
  return Writes.viewOf(write);
});

/**
 * Authorises the unblock of a PIN-blocked card at the agent: the card's checks (its state and party, the holder's secret answers when they are not face to face), the unblock
 * recorded, and the PUK given to seal for the agent at once — the holder types the new PIN there,
 * and the card checks it against its PIN rules.
 */
export const authoriseAtAgent = Effect.fn("Unblocking.authoriseAtAgent")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  input: UnblockAuthorisation,
) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  yield* Writes.card(view, unblockCommand(input), grant.actor);
  // The holder's own way is the unblock at a distance (`SelfUnblocking`), with questions they set
  // themselves: here, at an operator's desk, a session in the holder's name gets no PUK sealed.
  if (grant.actor.id === view.state.holder) {
    return yield* new Card.CardPartyNotAllowed({
      command: "Unblock",
      party: "holder",
      allowed: ["site-operator"],
      rule: "a holder unblocks their own card at a distance only, with the secret questions they set themselves",
    });
  }
  if (input.holderAuthentication === "secret-answers") yield* SecretAnswers.check(view.state.holder, input.answers, grant.actor);
  const puk = (yield* (yield* CardSecrets).puk(id)) ?? "";
  const card = yield* commitUnblock(grant, view, input);
  return { card, serial: view.state.serial as string, puk };
});

/**
 * Records that a card locked its PIN, as whoever saw it reports it — the card agent's page at the
 * workstation, where the card answered `pin-locked`: the card blocks itself, and the platform
 * learns it from the holder or an operator of the site now that PINs are checked there.
 */
export const recordBlock = Effect.fn("Unblocking.recordBlock")(function* (grant: Access.Grant<"card.operate">, id: string, reason: string) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  const write = yield* Writes.card(view, { _tag: "BlockPin", reason }, grant.actor);
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});
