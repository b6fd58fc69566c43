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
import type { UnblockInput } from "./Platform.js";
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

/** Unblocks a PIN-blocked card with its PUK and a new PIN. */
export const unblock = Effect.fn("Unblocking.unblock")(function* (grant: Access.Grant<"card.operate">, id: string, input: UnblockInput) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  const command: Card.Command = { _tag: "Unblock", holderAuthentication: input.holderAuthentication, reason: input.reason };
  yield* Writes.card(view, command, grant.actor);
  const serial = view.state.serial as string;
  yield* Personalisation.checkNewPin(serial, input.newPin);
  if (input.holderAuthentication === "secret-answers") yield* SecretAnswers.check(view.state.holder, input.answers, grant.actor);
  yield* (yield* SmartCards).unblock(serial, (yield* (yield* CardSecrets).puk(id)) ?? "", input.newPin);
  const write = yield* Writes.card(view, command, grant.actor);
  yield* Writes.commit(grant.actor, [write], yield* Fulfilment.ofValidated(view.state, "unblock", input.reason, grant.actor));
  return Writes.viewOf(write);
});
