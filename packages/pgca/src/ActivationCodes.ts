/**
 * The activation code of a card: issued when the card ships (a commune's first cards: when ANTS
 * triggers the connection), printed once in a letter to its holder (`ActivationLetters`), typed
 * at the hand-over. Stored as a slow hash with a few tries, and in clear only sealed until its
 * letter is produced; a wrong code costs a try, which the store counts and records in the log.
 */
import type { Actor } from "@comedec/actor";
import { type Card, CardNotifications, CardSecrets, Secrets } from "@comedec/card";
import { CalendarDate } from "@comedec/commune";
import { Effect } from "effect";
import * as Hashing from "./Hashing.js";
import { ActivationCodeInvalid } from "./Platform.js";
import { now } from "./Writes.js";

/** How a card is named in a notification: its serial and which of a commune's first cards it is. */
export const cardLabel = (card: Card.State): string =>
  `Carte ${card.serial ?? card.id} (${card.firstCard === "responsable-carte" ? "responsable carte" : card.firstCard === "delegue" ? "délégué" : "agent"})`;

/** Issues a card's activation code, kept for its letter; the site learns that a letter will reach the holder, never the code. */
export const issue = Effect.fnUntraced(function* (card: Card.State, actor: Actor.Actor) {
  const code = Hashing.newActivationCode();
  const salt = Hashing.newSalt();
  const expiresAt = new Date((yield* now).getTime() + Secrets.codeValidityDays * 86_400_000);
  yield* (yield* CardSecrets).putCode(
    card.id,
    { hash: yield* Hashing.hash(code, salt), salt, expiresAt, forLetter: Secrets.formatCode(code) },
    Secrets.codeAttempts,
    actor,
  );
  yield* (yield* CardNotifications).send({
    site: card.site,
    // The holder, whose letter it announces, and the operators who will hand the card over.
    recipients: { agents: [card.holder], operators: true },
    kind: "activation-code",
    subject: "COMEDEC — code d'activation d'une carte agent émis",
    body: [
      `${cardLabel(card)}.`,
      "Un code d'activation a été émis. L'ANTS l'envoie au titulaire, à son nom, par une lettre postée à la mairie ; il n'est communiqué par aucun autre moyen.",
      `Le titulaire le présente avec une pièce d'identité lors de la remise de la carte, avant le ${CalendarDate.ofInstant(expiresAt)}.`,
    ].join("\n"),
  });
});

/**
 * Checks a typed activation code; a wrong one costs a try. The store judges each try under the
 * code's row lock, so parallel wrong codes cost one try each and no more than the code allows; the
 * slow hash of the typed code is made before, so the lock is held only to compare and count.
 */
export const check = Effect.fnUntraced(function* (card: string, typed: string, actor: Actor.Actor) {
  const secrets = yield* CardSecrets;
  const refuse = (reason: string, attemptsLeft: number) => new ActivationCodeInvalid({ card, reason, attemptsLeft });
  const normalised = Secrets.normaliseCode(typed);
  const read = yield* secrets.code(card);
  const early = read === undefined || read.used || read.attemptsLeft <= 0 ? undefined : { salt: read.salt, digest: yield* Hashing.hash(normalised, read.salt) };
  const tried = yield* secrets.tryCode(
    card,
    Effect.fnUntraced(function* (stored) {
      if (stored === undefined) return yield* refuse("no activation code was sent for this card", 0);
      // Used since the read: a publication racing this one, which `codeUsed` settles as a conflict (one use wins).
      if (stored.used && read?.used !== false) return yield* refuse("the activation code was already used", 0);
      if (stored.attemptsLeft <= 0) return yield* refuse("too many wrong codes: a new code must be sent", 0);
      if (stored.expiresAt.getTime() <= (yield* now).getTime()) return yield* refuse("the activation code has expired", stored.attemptsLeft);
      return yield* Hashing.matchesPrepared(early, normalised, stored.salt, stored.hash);
    }),
    actor,
  );
  if (!tried.matched) {
    return yield* refuse(tried.attemptsLeft === 0 ? "wrong code; it is now burned and a new code must be sent" : "wrong code", tried.attemptsLeft);
  }
});
