/**
 * The PIN of an active card: checked on the card, the third wrong one blocking it (the platform
 * records the block itself), and unblocked with the PUK once the holder is authenticated face to
 * face or by their secret answers, with a new PIN that follows the PIN rules.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import { Actor, type Change } from "@comedec/actor";
import { type Card, CardSecrets, CardStore, PinLocked, SmartCards } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Personalisation from "./Personalisation.js";
import type { CardView, UnblockInput } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Fulfilment from "./Fulfilment.js";
import * as SecretAnswers from "./SecretAnswers.js";
import * as Writes from "./Writes.js";

/** Checks a PIN on the card; the third wrong PIN blocks it, which the platform records. */
export const verifyPin = Effect.fn("Unblocking.verifyPin")(function* (grant: Access.Grant<"card.operate">, id: string, pin: string, evenIfFinalTry = false) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  if (view.state.status === "pin-blocked") return yield* new PinLocked({ serial: view.state.serial ?? id, secret: "pin" });
  // Only an active card takes PIN tries: the table of BlockPin says which states, and refuses the others by name.
  yield* Writes.card(view, { _tag: "BlockPin", reason: "vérification du code PIN" }, grant.actor);
  const serial = view.state.serial as string;
  const cards = yield* SmartCards;
  const store = yield* CardStore;
  // The log files the platform's block under the site of the operator who saw it happen.
  const platform = Actor.platformAt(grant.actor.site);
  return yield* cards.login(serial, pin, { evenIfFinalTry }).pipe(
    Effect.tap(() => cards.logout(serial)),
    Effect.as({ verified: true as const }),
    Effect.tapError((error) =>
      error._tag === "PinLocked" && error.secret === "pin"
        ? Effect.flatMap(Writes.card(view, { _tag: "BlockPin", reason: "code PIN bloqué après trois erreurs" }, platform), (write) =>
            Effect.ignore(store.commit({ cards: [write], requests: [], actor: platform })),
          )
        : Effect.void,
    ),
  );
});

/** How the holder of an unblock was authenticated, and why: what an unblock takes besides the new PIN. */
export type UnblockAuthorisation = Pick<UnblockInput, "holderAuthentication" | "answers" | "reason">;

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

/** Unblocks a PIN-blocked card with its PUK and a new PIN. */
export const unblock = Effect.fn("Unblocking.unblock")(function* (grant: Access.Grant<"card.operate">, id: string, input: UnblockInput) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  yield* Writes.card(view, unblockCommand(input), grant.actor);
  const serial = view.state.serial as string;
  yield* Personalisation.checkNewPin(serial, input.newPin);
  if (input.holderAuthentication === "secret-answers") yield* SecretAnswers.check(view.state.holder, input.answers, grant.actor);
  yield* (yield* SmartCards).unblock(serial, (yield* (yield* CardSecrets).puk(id)) ?? "", input.newPin);
  return yield* commitUnblock(grant, view, input);
});

/**
 * Authorises the unblock of a PIN-blocked card at the agent: the same checks as `unblock` (the
 * card's state and party, the holder's secret answers when they are not face to face), the unblock
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
