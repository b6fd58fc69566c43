/**
 * Card operations carried out by the card agent at the workstation (ADR 0016): a hand-over or a
 * certificate renewal whose key pairs are generated on the card there. The platform keeps each
 * one from its start to its confirmation, so that a card pulled out halfway is taken up again by
 * the next attempt: the operation's id is the `keyOperation` of the agent's tickets (the agent
 * reuses the key pairs it journalled for it), the certificates issued for its CSRs are kept with
 * it (a retry with the same keys gets them again), and the card is published — or its
 * certificates replaced — only once the card proves, with its authentication key, that it holds
 * the certified keys. The inputs and refusals of its endpoints are here, for the HTTP contract.
 */
import { type Actor, type Change, Problem } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import * as Card from "./Card.js";
import * as Secrets from "./Secrets.js";
import { KeyAlgorithm } from "./SmartCard.js";

/** What an operation does to its card: hand it over (publish it), or give it new key pairs and certificates. */
export const Purpose = Schema.Literals(["hand-over", "certificate-renewal"]);
/** What an operation does to its card. */
export type Purpose = typeof Purpose.Type;

/**
 * Where an operation stands: `started` (tickets issued, the agent makes the keys), `certified`
 * (certificates issued for the card's CSRs, waiting for the card's proof), `completed` (the card
 * published or renewed), `abandoned` (replaced by a new start; its certificates revoked).
 */
export const Status = Schema.Literals(["started", "certified", "completed", "abandoned"]);
/** Where an operation stands. */
export type Status = typeof Status.Type;

/** A certificate issued for one of the operation's keys: what the card records, the DER, and the key it certifies. */
export interface IssuedKey {
  readonly ref: Card.CertificateRef;
  readonly der: Uint8Array;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
}

/** One operation on a card, as the platform keeps it. */
export interface KeyOperation {
  readonly id: string;
  readonly card: string;
  readonly purpose: Purpose;
  readonly status: Status;
  readonly algorithm: KeyAlgorithm;
  /** Who started it (or last resumed it). */
  readonly startedBy: string;
  readonly reason: string;
  /** A hand-over: the document presented and where; checked again against the directory at its confirmation. */
  readonly handOver?: Pick<Card.HandOver, "document" | "place">;
  readonly certificates?: Readonly<Record<Card.KeyUsage, IssuedKey>>;
  /** The text the card's authentication key signs to confirm it holds the certified keys. */
  readonly toSign?: string;
  /** How many changes it went through (its stream's version in the audit trail). */
  readonly version: number;
  /** When it last changed, as the store recorded it. */
  readonly changedAt?: Date;
}

/** What a change of an operation records in the audit trail. */
export type KeyOperationEvent = "KeyOperationStarted" | "KeyOperationResumed" | "KeyOperationCertified" | "KeyOperationCompleted" | "KeyOperationAbandoned";

/**
 * The operations kept by the platform. Each change is written with the version it was based on
 * and recorded in the audit trail (stream `key-operation:<id>`, without the document's number) in
 * the same transaction; a card has at most one open operation (`started` or `certified`).
 */
export class KeyOperations extends Context.Service<
  KeyOperations,
  {
    /** Records a new operation; `ConcurrentModification` when the card has an open one already. */
    readonly start: (
      operation: Omit<KeyOperation, "status" | "version" | "changedAt">,
      actor: Actor.Actor,
    ) => Effect.Effect<KeyOperation, Change.ConcurrentModification>;
    /** The card's open operation, if any. */
    readonly open: (card: string) => Effect.Effect<KeyOperation | undefined>;
    /** Writes an operation's new content, based on `expected.version`, recording `event`. */
    readonly change: (
      expected: KeyOperation,
      next: Omit<KeyOperation, "id" | "card" | "purpose" | "version" | "changedAt">,
      event: KeyOperationEvent,
      actor: Actor.Actor,
    ) => Effect.Effect<KeyOperation, Change.ConcurrentModification>;
  }
>()("@comedec/card/KeyOperations") {}

// --- inputs ------------------------------------------------------------------------------------

/** The agent's sealing key, from its answer to the page's pairing: SubjectPublicKeyInfo of an X25519 key, base64url. */
export const AgentSealingKey = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{40,200}$/, { message: "the agent's sealing key, base64url (POST /v1/pairing of the agent)" }),
);

/** A certificate request (PKCS#10, DER) the card signed, base64 or base64url. */
export const CsrDer = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]+={0,2}$/, { message: "a CSR in DER, base64" }), Schema.isMaxLength(16_384));

/** Start a hand-over at the agent: the activation code and the document, face to face; no PIN (typed at the agent). */
export const HandOverInput = Schema.Struct({
  activationCode: Secrets.TypedCode,
  handOver: Schema.Struct({ document: Card.HandOver.fields.document, place: Card.HandOver.fields.place }),
  agentKey: AgentSealingKey,
  algorithm: Schema.optionalKey(KeyAlgorithm),
  reason: Card.Reason,
});
/** Start a hand-over at the agent. */
export type HandOverInput = typeof HandOverInput.Type;

/** Resume a hand-over whose code was used: the agent's sealing key for the new tickets. */
export const ResumptionInput = Schema.Struct({ agentKey: AgentSealingKey, reason: Card.Reason });

/** The two CSRs the card signed at the agent (`POST /v1/keys`). */
export const CertificateRequestsInput = Schema.Struct({ csrs: Schema.Struct({ authentication: CsrDer, signature: CsrDer }) });

/**
 * The card's proof, as the agent's `POST /v1/login` under the operation's proof ticket answers it:
 * `signature`, by the card's authentication key over the operation's `toSign`, and `certificate`,
 * the authentication certificate read back from the card (both base64) — the one issued for it.
 */
export const ConfirmationInput = Schema.Struct({
  proof: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]+={0,2}$/), Schema.isMaxLength(2048)),
  certificate: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]+={0,2}$/), Schema.isMaxLength(16_384)),
});

/** Start a renewal of the certificates at the agent: new key pairs on the card. */
export const CertificateRenewalInput = Schema.Struct({ algorithm: Schema.optionalKey(KeyAlgorithm), reason: Card.Reason });

/** Unblock a PIN-blocked card at the agent: the holder authenticated, the PUK sealed for the agent, the new PIN typed there. */
export const UnblockTicketInput = Schema.Struct({
  holderAuthentication: Card.HolderAuthentication,
  answers: Schema.optionalKey(Secrets.GivenAnswers),
  agentKey: AgentSealingKey,
  reason: Card.Reason,
});
/** Unblock a PIN-blocked card at the agent. */
export type UnblockTicketInput = typeof UnblockTicketInput.Type;

/** A holder's own unblock at a distance (ADR 0018): the answers to their own secret questions, and the agent's sealing key. */
export const SelfUnblockAnswers = Schema.Struct({ answers: Secrets.GivenAnswers, agentKey: AgentSealingKey });

// --- refusals ----------------------------------------------------------------------------------

/**
 * A holder's unblock at a distance is not open for this card (ADR 0018): unknown serial, a card
 * not in force, a holder not active, no secret questions, questions set by someone else than the
 * holder, or a binding forged, expired or made for another card. One refusal whose `reason` says
 * which; it never names the holder, so a serial typed at random tells nobody whose card it is.
 */
export class SelfUnblockRefused extends Schema.TaggedError<SelfUnblockRefused>()(
  "SelfUnblockRefused",
  { reason: Schema.String },
  Problem.annotation(403, "self-unblock-refused", "This card cannot be unblocked at a distance by its holder"),
) {}

/** No open operation of that purpose on the card: start one. */
export class KeyOperationNotFound extends Schema.TaggedError<KeyOperationNotFound>()(
  "KeyOperationNotFound",
  { card: Schema.String, purpose: Purpose },
  Problem.annotation(404, "key-operation-not-found", "No operation of the card agent under way on this card"),
) {}

/** The card has an operation under way: resume it (or finish it) rather than start another. */
export class KeyOperationUnderWay extends Schema.TaggedError<KeyOperationUnderWay>()(
  "KeyOperationUnderWay",
  { card: Schema.String, operation: Schema.String, purpose: Purpose },
  Problem.annotation(409, "key-operation-under-way", "An operation of the card agent is under way on this card"),
) {}

/** The step asked for does not follow where the operation stands (a confirmation before the certificates, a resumption of a hand-over whose code was never used). */
export class KeyOperationOutOfStep extends Schema.TaggedError<KeyOperationOutOfStep>()(
  "KeyOperationOutOfStep",
  { card: Schema.String, operation: Schema.String, reason: Schema.String },
  Problem.annotation(409, "key-operation-out-of-step", "This step does not follow where the operation stands"),
) {}

/** The card's proof does not verify with the certificate issued for its authentication key. */
export class KeyOperationProofRefused extends Schema.TaggedError<KeyOperationProofRefused>()(
  "KeyOperationProofRefused",
  { card: Schema.String, operation: Schema.String },
  Problem.annotation(422, "key-operation-proof-refused", "The card did not prove it holds the certified keys"),
) {}
