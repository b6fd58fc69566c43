/**
 * The smart-card port: what the platform and an editor's software do with an agent's card,
 * whatever the driver (PKCS#11 on the vendor's middleware, or the deterministic simulator). Cards
 * are addressed by serial number; keys never leave the card, only public keys, certificates and
 * signatures do. Every failure belongs to one tagged family, so a caller can tell a wrong PIN
 * (with the tries left) from a locked card, a missing card or a broken reader.
 */
import { Context, Effect, Schema } from "effect";
import type { KeyUsage } from "./Card.js";
import { Problem } from "@comedec/actor";

/** Key algorithms a card generates. RSA-2048 only while the policy allows it (RGS B1: until 2030). */
export const KeyAlgorithm = Schema.Literals(["P-256", "RSA-3072", "RSA-2048"]);
/** Key algorithms a card generates. */
export type KeyAlgorithm = typeof KeyAlgorithm.Type;

/** What a card says about its PIN (PKCS#11 token flags). */
export interface PinState {
  readonly initialised: boolean;
  /** Tries left before the PIN locks, when the card tells it (SoftHSM does not). */
  readonly triesLeft: number | undefined;
  readonly countLow: boolean;
  readonly finalTry: boolean;
  readonly locked: boolean;
}

/** A card in a reader. */
export interface CardInfo {
  readonly slot: number;
  readonly serial: string;
  readonly label: string;
  readonly pin: PinState;
}

/** The PIN (or the PUK, `secret: "puk"`) is wrong; `triesLeft` when the card tells. */
export class PinIncorrect extends Schema.TaggedError<PinIncorrect>()(
  "PinIncorrect",
  {
    serial: Schema.String,
    secret: Schema.Literals(["pin", "puk"]),
    triesLeft: Schema.optionalKey(Schema.Int),
  },
  Problem.annotation<{ readonly secret: string; readonly triesLeft?: number }>(422, "pin-incorrect", "Wrong PIN", (fields) =>
    fields.triesLeft === undefined ? "wrong PIN" : `wrong ${fields.secret.toUpperCase()}: ${fields.triesLeft} tries left`,
  ),
) {}

/** The PIN (or PUK) is locked: only an unblock (or nothing, for the PUK) frees it. */
export class PinLocked extends Schema.TaggedError<PinLocked>()(
  "PinLocked",
  { serial: Schema.String, secret: Schema.Literals(["pin", "puk"]) },
  Problem.annotation(423, "pin-locked", "The PIN is locked"),
) {}

/** One more wrong PIN would lock the card: the login was not attempted (pass `evenIfFinalTry` to go ahead). */
export class PinFinalTry extends Schema.TaggedError<PinFinalTry>()(
  "PinFinalTry",
  { serial: Schema.String },
  Problem.annotation(409, "pin-final-try", "One more wrong PIN would lock the card"),
) {}

/** The operation needs the PIN: the signature key asks for it at every use. */
export class PinRequired extends Schema.TaggedError<PinRequired>()(
  "PinRequired",
  { serial: Schema.String },
  Problem.annotation(401, "pin-required", "The card needs the PIN"),
) {}

/** The new PIN breaks the PIN rules (length, digits). */
export class PinRejected extends Schema.TaggedError<PinRejected>()(
  "PinRejected",
  {
    serial: Schema.String,
    reason: Schema.String,
    /** The RGS rule it breaks, named like every refusal of the policy (`Rules.rules.pinFormat`). */
    rule: Schema.Literal("pin.format").pipe(Schema.withConstructorDefault(Effect.succeed("pin.format" as const))),
  },
  Problem.annotation(422, "pin-rejected", "The PIN does not follow the PIN rules"),
) {}

/** No card with this serial is in a reader. */
export class CardAbsent extends Schema.TaggedError<CardAbsent>()(
  "CardAbsent",
  { serial: Schema.String },
  Problem.annotation(409, "card-absent", "The card is not in a reader"),
) {}

/** The card holds no key (or certificate) for this usage. */
export class KeyNotFound extends Schema.TaggedError<KeyNotFound>()(
  "KeyNotFound",
  { serial: Schema.String, usage: Schema.String },
  Problem.annotation(409, "card-key-not-found", "The card holds no such key"),
) {}

/** The reader, the middleware or the card failed. */
export class DeviceFailure extends Schema.TaggedError<DeviceFailure>()(
  "DeviceFailure",
  { reason: Schema.String },
  Problem.annotation(502, "card-device-failure", "The card or its reader failed"),
) {}

/** Every failure of a card driver. */
export type CardFailure = PinIncorrect | PinLocked | PinFinalTry | PinRequired | PinRejected | CardAbsent | KeyNotFound | DeviceFailure;

/** What one key on the card gives out: its public key (SubjectPublicKeyInfo, DER). */
export interface GeneratedKey {
  readonly usage: KeyUsage;
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: Uint8Array;
}

/** A smart-card driver. */
export interface SmartCardsShape {
  /** The cards present in the readers. */
  readonly list: Effect.Effect<ReadonlyArray<CardInfo>, CardFailure>;
  readonly pinState: (serial: string) => Effect.Effect<PinState, CardFailure>;
  /** Opens the holder's session. Refuses a login that could lock the card unless `evenIfFinalTry`. */
  readonly login: (serial: string, pin: string, options?: { readonly evenIfFinalTry?: boolean }) => Effect.Effect<void, CardFailure>;
  readonly logout: (serial: string) => Effect.Effect<void, CardFailure>;
  readonly changePin: (serial: string, oldPin: string, newPin: string) => Effect.Effect<void, CardFailure>;
  /** Sets a new PIN with the PUK (security officer): resets the counter; also sets the first PIN at activation. */
  readonly unblock: (serial: string, puk: string, newPin: string) => Effect.Effect<void, CardFailure>;
  /** Generates a key pair for a usage on the card, replacing any previous one (needs a login). */
  readonly generateKeyPair: (serial: string, usage: KeyUsage, algorithm: KeyAlgorithm) => Effect.Effect<GeneratedKey, CardFailure>;
  readonly writeCertificate: (serial: string, usage: KeyUsage, der: Uint8Array) => Effect.Effect<void, CardFailure>;
  readonly readCertificate: (serial: string, usage: KeyUsage) => Effect.Effect<Uint8Array, CardFailure>;
  /**
   * Signs SHA-256 of `data` with a key of the card: ECDSA as DER `ECDSA-Sig-Value`, RSA as
   * PKCS#1 v1.5. The authentication key needs a login; the signature key needs `pin` every time.
   */
  readonly sign: (serial: string, usage: KeyUsage, data: Uint8Array, pin?: string) => Effect.Effect<Uint8Array, CardFailure>;
}

/** The smart-card driver the platform or an editor's software uses. */
export class SmartCards extends Context.Service<SmartCards, SmartCardsShape>()("@comedec/card/SmartCards") {}

/** The card manufacturer: produces a blank card for an order (PIN not set, PUK given). */
export class CardManufacturer extends Context.Service<
  CardManufacturer,
  {
    readonly manufacture: (order: {
      readonly card: string;
      readonly puk: string;
      readonly label: string;
    }) => Effect.Effect<{ readonly serial: string }, CardFailure>;
  }
>()("@comedec/card/CardManufacturer") {}

/** The PIN rules of the card (RGS 3*: a PIN before every use; the issuer sets the format). */
export const pinRules = { minimumLength: 6, maximumLength: 12, digitsOnly: true, tries: 3, pukTries: 10 } as const;

/** Why a PIN is refused, or undefined when it follows the rules. */
export const pinProblem = (pin: string): string | undefined => {
  if (pin.length < pinRules.minimumLength || pin.length > pinRules.maximumLength)
    return `a PIN has ${pinRules.minimumLength} to ${pinRules.maximumLength} digits`;
  if (!/^\d+$/.test(pin)) return "a PIN has digits only";
  if (/^(\d)\1+$/.test(pin)) return "a PIN is not one digit repeated";
  if ("01234567890123456789".includes(pin) || "98765432109876543210".includes(pin)) return "a PIN is not a run of consecutive digits";
  return undefined;
};

/** The curves of a service's keys on a token: P-384 for a root CA, P-256 for the rest. */
export type ServiceKeyCurve = "P-256" | "P-384";

/** A key pair on a token, opened: its public key, and signatures made on the token. */
export interface TokenKey {
  readonly curve: ServiceKeyCurve;
  /** The SubjectPublicKeyInfo (DER). */
  readonly publicKey: Uint8Array;
  /**
   * Signs a digest on the token (ECDSA, as DER `ECDSA-Sig-Value`): one synchronous call of the
   * module, so that the CA's builders stay synchronous; a token failing here is a defect.
   */
  readonly signDigest: (digest: Uint8Array) => Uint8Array;
}

/**
 * The service keys of an HSM, through the same driver as the cards: the CA's and the audit
 * trail's keys, generated on a token found by its label (sensitive, never extractable) and used
 * under the token's user PIN. Certificates are kept beside their keys, under the same label.
 */
export interface KeyTokensShape {
  /** Logs in to the token with its user PIN (a wrong one is `PinIncorrect`); again is harmless. */
  readonly login: (token: string, pin: string) => Effect.Effect<void, CardFailure>;
  /** The key ceremony's step: the security officer sets the token's user PIN. */
  readonly initialisePin: (token: string, securityOfficerPin: string, pin: string) => Effect.Effect<void, CardFailure>;
  /** The key pair of a label, when the token holds one (needs a login). */
  readonly findKey: (token: string, label: string) => Effect.Effect<TokenKey | undefined, CardFailure>;
  /** Generates a key pair under a label on the token, non-extractable (needs a login; a label is never reused). */
  readonly generateKey: (token: string, label: string, curve: ServiceKeyCurve) => Effect.Effect<TokenKey, CardFailure>;
  /** The certificate kept under a label, when there is one. */
  readonly readCertificate: (token: string, label: string) => Effect.Effect<Uint8Array | undefined, CardFailure>;
  /** Keeps a certificate under a label (needs a login). */
  readonly writeCertificate: (token: string, label: string, der: Uint8Array) => Effect.Effect<void, CardFailure>;
}

/** The HSM's service keys (the PKCS#11 driver provides it; the embedded mode uses sealed software keys instead). */
export class KeyTokens extends Context.Service<KeyTokens, KeyTokensShape>()("@comedec/card/KeyTokens") {}
