/**
 * The card operations the agent carries out at the workstation, through the smart-card port
 * (`SmartCards` of `@comedec/card`), whatever the driver: list the cards, sign a login challenge
 * with the authentication key, sign data with the signature key (a PIN for this very use, RGS
 * `pin.before-use`), change the PIN, generate both key pairs with their CSRs signed by the card
 * (reused on a retry of the same operation), write the two certificates back, and unblock with the
 * PUK. The PIN and the PUK are arguments here: they come from the terminal or the page on this
 * machine, and go nowhere but the card.
 */
import { type Card, type CardFailure, type CardInfo, type KeyAlgorithm, SmartCards } from "@comedec/card";
import { Rules } from "@comedec/rgs";
import { Effect } from "effect";
import { createPublicKey, randomBytes, verify } from "node:crypto";
import * as Csr from "./Csr.js";
import type * as Journal from "./Journal.js";
import { CardNotChosen, CertificateMismatch } from "./Refusals.js";

const usages: ReadonlyArray<Card.KeyUsage> = ["authentication", "signature"];

/** The cards present in the readers. */
export const listCards: Effect.Effect<ReadonlyArray<CardInfo>, CardFailure, SmartCards> = SmartCards.use((cards) => cards.list);

/** The card named, or the only one present. */
export const chooseCard = Effect.fn("CardAgent.chooseCard")(function* (serial: string | undefined) {
  if (serial !== undefined) return serial;
  const present = yield* listCards;
  const only = present.length === 1 ? present[0] : undefined;
  if (only === undefined) return yield* new CardNotChosen({ present: present.length });
  return only.serial;
});

/** Runs `use` in the holder's session on the card, closed whatever happens. */
const loggedIn = <A, E, R>(serial: string, pin: string, use: Effect.Effect<A, E, R>, options?: { readonly evenIfFinalTry?: boolean }) =>
  SmartCards.use((cards) => Effect.andThen(cards.login(serial, pin, options), use).pipe(Effect.ensuring(Effect.ignore(cards.logout(serial)))));

/** A login: the challenge's text signed with the authentication key, and that key's certificate (both DER). */
export const signChallenge = Effect.fn("CardAgent.signChallenge")(function* (request: {
  readonly serial: string;
  readonly pin: string;
  readonly text: string;
  /** The holder confirmed the last try the card allows (otherwise refused with `PinFinalTry` before it is spent). */
  readonly finalTry?: boolean;
}) {
  const cards = yield* SmartCards;
  return yield* loggedIn(
    request.serial,
    request.pin,
    Effect.all({
      signature: cards.sign(request.serial, "authentication", new TextEncoder().encode(request.text)),
      certificate: cards.readCertificate(request.serial, "authentication"),
    }),
    { evenIfFinalTry: request.finalTry === true },
  );
});

/**
 * A signature with the signature key. RGS `pin.before-use`: that key needs the PIN typed for this
 * very signature — a session opened earlier does not count — so without one it is refused with
 * `RuleBroken` before the card is touched.
 */
export const signData = Effect.fn("CardAgent.signData")(function* (request: {
  readonly serial: string;
  readonly data: Uint8Array;
  readonly pin?: string | undefined;
}) {
  const pin = request.pin === undefined || request.pin === "" ? undefined : request.pin;
  yield* Rules.enforce(Rules.rules.pinBeforeUse, { usage: "signature", pinGiven: pin !== undefined, loggedIn: false });
  const cards = yield* SmartCards;
  return yield* cards.sign(request.serial, "signature", request.data, pin);
});

/** Changes the card's PIN (the card checks the old one and the rules of the new one). */
export const changePin = Effect.fn("CardAgent.changePin")(function* (request: { readonly serial: string; readonly pin: string; readonly newPin: string }) {
  const cards = yield* SmartCards;
  yield* cards.changePin(request.serial, request.pin, request.newPin);
});

/** Sets a new PIN with the unblock secret (the PUK): also the first PIN of a card being published. */
export const unblock = Effect.fn("CardAgent.unblock")(function* (request: { readonly serial: string; readonly secret: string; readonly newPin: string }) {
  const cards = yield* SmartCards;
  yield* cards.unblock(request.serial, request.secret, request.newPin);
});

/** Whether the card's key of a usage is the one of this public key: it signs a fresh probe that the key verifies. */
const holds = (serial: string, usage: Card.KeyUsage, publicKey: Uint8Array, pin: string) =>
  Effect.gen(function* () {
    const cards = yield* SmartCards;
    const probe = randomBytes(32);
    const signature = yield* cards
      .sign(serial, usage, probe, usage === "signature" ? pin : undefined)
      .pipe(Effect.catchTag("KeyNotFound", () => Effect.succeed(undefined)));
    if (signature === undefined) return false;
    return verify("sha256", probe, createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" }), signature);
  });

/** A key pair ready for its certificate: its public key and its CSR signed by the card (both DER). */
export interface PreparedKey {
  readonly publicKey: Uint8Array;
  readonly csr: Uint8Array;
}

/**
 * Both key pairs of an operation (a publication, a renewal), generated on the card, with their
 * CSRs signed there. Idempotent: when the journal names keys of this operation and the card still
 * holds them, they are reused (`reused: true`) and only the CSRs are signed again.
 */
export const prepareKeys = Effect.fn("CardAgent.prepareKeys")(function* (
  request: {
    readonly serial: string;
    readonly pin: string;
    readonly operation: string;
    readonly algorithm: KeyAlgorithm;
    /** The subject each CSR names (DER `Name`), as the CA expects it; the card's serial when absent. */
    readonly subjects?: Readonly<Record<Card.KeyUsage, Uint8Array>> | undefined;
  },
  journal: Journal.Journal,
) {
  const cards = yield* SmartCards;
  const { serial, pin } = request;
  return yield* loggedIn(
    serial,
    pin,
    Effect.gen(function* () {
      const known = journal.find(serial, request.operation);
      let keys: Record<Card.KeyUsage, Uint8Array> | undefined;
      if (known !== undefined) {
        const recorded = { authentication: Buffer.from(known.authentication, "base64"), signature: Buffer.from(known.signature, "base64") };
        const still = (yield* holds(serial, "authentication", recorded.authentication, pin)) && (yield* holds(serial, "signature", recorded.signature, pin));
        if (still) keys = { authentication: new Uint8Array(recorded.authentication), signature: new Uint8Array(recorded.signature) };
      }
      const reused = keys !== undefined;
      if (keys === undefined) {
        const authentication = yield* cards.generateKeyPair(serial, "authentication", request.algorithm);
        const signature = yield* cards.generateKeyPair(serial, "signature", request.algorithm);
        keys = { authentication: authentication.publicKey, signature: signature.publicKey };
        journal.record({
          serial,
          operation: request.operation,
          algorithm: request.algorithm,
          authentication: Buffer.from(keys.authentication).toString("base64"),
          signature: Buffer.from(keys.signature).toString("base64"),
        });
      }
      const prepared = keys;
      const csrs = yield* Effect.forEach(usages, (usage) =>
        Effect.map(
          Csr.create(request.subjects === undefined ? { serial } : { subject: request.subjects[usage] }, prepared[usage], (data) =>
            cards.sign(serial, usage, data, usage === "signature" ? pin : undefined),
          ),
          (csr): PreparedKey => ({ publicKey: prepared[usage], csr }),
        ),
      );
      return { authentication: csrs[0] as PreparedKey, signature: csrs[1] as PreparedKey, reused };
    }),
  );
});

/**
 * Writes the two certificates the platform issued back to the card, each after checking that the
 * card's key of its usage is the one it certifies: a certificate for another key is refused.
 */
export const writeCertificates = Effect.fn("CardAgent.writeCertificates")(function* (request: {
  readonly serial: string;
  readonly pin: string;
  readonly certificates: Readonly<Record<Card.KeyUsage, Uint8Array>>;
}) {
  const cards = yield* SmartCards;
  const { serial, pin } = request;
  yield* loggedIn(
    serial,
    pin,
    Effect.forEach(usages, (usage) =>
      Effect.gen(function* () {
        const der = request.certificates[usage];
        const publicKey = yield* Effect.try({
          try: () => Csr.publicKeyOfCertificate(der),
          catch: () => new CertificateMismatch({ usage, reason: "not an X.509 certificate" }),
        });
        if (!(yield* holds(serial, usage, publicKey, pin))) {
          return yield* new CertificateMismatch({ usage, reason: `the card's ${usage} key is not the one this certificate certifies` });
        }
        yield* cards.writeCertificate(serial, usage, der);
      }),
    ),
  );
});
