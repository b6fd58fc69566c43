/**
 * The card platform's use cases as one port, acting for one actor: what the API and an editor's
 * software call. `Local.layer` provides it over the ports of `@comedec/card`; `@comedec/pgca-client`
 * provides it over HTTP; both pass one contract suite. The input Schemas here validate the API's
 * bodies and type the client's calls alike.
 */
import type { Change } from "@comedec/actor";
import type { AgentNotFound } from "@comedec/agent";
import { Card, type CardFailure, type CardNotFound, type CertificateRefused, KeyAlgorithm, type Request, type RequestNotFound, Secrets } from "@comedec/card";
import type { CommuneNotFound, Onboarding } from "@comedec/commune";
import type { Access } from "@comedec/rgs";
import { Context, type Effect, Schema } from "effect";
import { Problem } from "@comedec/actor";

/** A PIN as typed (the PIN rules are checked by the use case, so the refusal names the rule). */
export const Pin = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(16));

/** Order a card for a holder of the directory. */
export const OrderInput = Schema.Struct({
  holder: Schema.String.check(Schema.isMaxLength(64)),
  firstCard: Schema.optionalKey(Card.FirstCard),
  reason: Card.Reason,
});
/** Order a card. */
export type OrderInput = typeof OrderInput.Type;

/** Hand over and activate a received card. */
export const PublishInput = Schema.Struct({
  activationCode: Secrets.TypedCode,
  pin: Pin,
  handOver: Schema.Struct({ document: Card.HandOver.fields.document, place: Card.HandOver.fields.place }),
  algorithm: Schema.optionalKey(KeyAlgorithm),
  reason: Card.Reason,
});
/** Hand over and activate a received card. */
export type PublishInput = typeof PublishInput.Type;

/** Unblock a PIN-blocked card: the holder is authenticated face to face or by their secret answers. */
export const UnblockInput = Schema.Struct({
  holderAuthentication: Card.HolderAuthentication,
  answers: Schema.optionalKey(Secrets.GivenAnswers),
  newPin: Pin,
  reason: Card.Reason,
});
/** Unblock a PIN-blocked card. */
export type UnblockInput = typeof UnblockInput.Type;

/** Revoke a card; `answers` when an operator acts on the holder's call. */
export const RevokeInput = Schema.Struct({ revocationReason: Card.RevocationReason, answers: Schema.optionalKey(Secrets.GivenAnswers), reason: Card.Reason });
/** Revoke a card. */
export type RevokeInput = typeof RevokeInput.Type;

/** New key pairs and certificates on an active card (the holder types the PIN). */
export const RenewCertificatesInput = Schema.Struct({ pin: Pin, algorithm: Schema.optionalKey(KeyAlgorithm), reason: Card.Reason });
/** Renew a card's certificates. */
export type RenewCertificatesInput = typeof RenewCertificatesInput.Type;

/** A holder's request. */
export const RequestInput = Schema.Struct({
  kind: Schema.Literals(["new-card", "card-renewal", "certificate-renewal", "revocation", "unblock"]),
  card: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
  revocationReason: Schema.optionalKey(Card.RevocationReason),
  reason: Card.Reason,
});
/** A holder's request. */
export type RequestInput = typeof RequestInput.Type;

/** The activation code is unknown, used, expired or burned, or wrong (`attemptsLeft` then says how many tries remain). */
export class ActivationCodeInvalid extends Schema.TaggedError<ActivationCodeInvalid>()(
  "ActivationCodeInvalid",
  {
    card: Schema.String,
    reason: Schema.String,
    attemptsLeft: Schema.Int,
  },
  Problem.annotation(422, "activation-code-invalid", "The activation code is not valid"),
) {}

/** The document presented at hand-over is not the one checked at registration. */
export class HandOverDocumentMismatch extends Schema.TaggedError<HandOverDocumentMismatch>()(
  "HandOverDocumentMismatch",
  { card: Schema.String },
  Problem.annotation(422, "hand-over-document-mismatch", "The document presented is not the one checked at registration"),
) {}

/** The holder is not active in the directory (or not of the card's site). */
export class HolderNotActive extends Schema.TaggedError<HolderNotActive>()(
  "HolderNotActive",
  { holder: Schema.String, reason: Schema.String },
  Problem.annotation(422, "holder-not-active", "The holder is not active in the directory"),
) {}

/** The secret answers do not match, are missing, or the holder's questions are locked. */
export class SecretAnswersRefused extends Schema.TaggedError<SecretAnswersRefused>()(
  "SecretAnswersRefused",
  {
    holder: Schema.String,
    reason: Schema.String,
    locked: Schema.Boolean,
  },
  Problem.annotation(403, "secret-answers-refused", "The holder could not be authenticated by their secret answers"),
) {}

/** The first cards of a commune are not ordered yet (the connection cannot be triggered). */
export class FirstCardsMissing extends Schema.TaggedError<FirstCardsMissing>()(
  "FirstCardsMissing",
  {
    commune: Schema.String,
    missing: Schema.Array(Schema.String),
  },
  Problem.annotation<{ readonly missing: ReadonlyArray<string> }>(
    409,
    "first-cards-missing",
    "The commune's first two cards are not ordered",
    (fields) => `not ordered yet: ${fields.missing.join(", ")}`,
  ),
) {}

/** The operation needs a second trusted person (RGS rule roles.dual-control); `reason` says how to get one. */
export class DualControlRequired extends Schema.TaggedError<DualControlRequired>()(
  "DualControlRequired",
  {
    card: Schema.String,
    rule: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(403, "dual-control-required", "A second trusted person must confirm this operation"),
) {}

/** The card platform could not be reached or answered something unexpected (remote clients only). */
export class CardPlatformUnavailable extends Schema.TaggedError<CardPlatformUnavailable>()("CardPlatformUnavailable", { reason: Schema.String }) {}

/** Every refusal of the card platform. */
export type PlatformError =
  | Card.CardError
  | CardNotFound
  | RequestNotFound
  | AgentNotFound
  | CertificateRefused
  | CardFailure
  | ActivationCodeInvalid
  | HandOverDocumentMismatch
  | HolderNotActive
  | SecretAnswersRefused
  | FirstCardsMissing
  | DualControlRequired
  | Change.ConcurrentModification
  | Access.Forbidden
  | Onboarding.OnboardingError
  | CommuneNotFound
  | CardPlatformUnavailable;

/** A card and its version. */
export interface CardView {
  readonly state: Card.State;
  readonly version: number;
}

/** A request and its version. */
export interface RequestView {
  readonly state: Request.State;
  readonly version: number;
}

/** A holder and their cards. */
export interface HolderCards {
  readonly holder: string;
  readonly cards: ReadonlyArray<CardView>;
}

/** Which site a listing covers (its own site for a site operator when absent). */
export type SiteFilter = { readonly commune: string } | { readonly prefecture: string } | { readonly departement: string } | Record<string, never>;

/** The card platform's use cases for one actor. */
export interface CardPlatformShape {
  readonly order: (input: OrderInput) => Effect.Effect<CardView, PlatformError>;
  /** ANTS: the manufacturer produces the card (its serial is known from then on). */
  readonly startProduction: (card: string, reason: string) => Effect.Effect<CardView, PlatformError>;
  /** ANTS: the card leaves for its site; its activation code goes to the site (first cards: when the connection is triggered). */
  readonly ship: (card: string, reason: string) => Effect.Effect<CardView, PlatformError>;
  readonly receive: (card: string, serial: string, reason: string) => Effect.Effect<CardView, PlatformError>;
  /** ANTS: card readers shipped, then the first two cards' activation codes sent to the mairie; records the milestone. */
  readonly triggerConnection: (commune: string, reason: string) => Effect.Effect<{ readonly codesSent: number }, PlatformError>;
  /** Hand-over face to face and activation: activation code, PIN chosen, two key pairs, two certificates. */
  readonly publish: (card: string, input: PublishInput) => Effect.Effect<CardView, PlatformError>;
  /** Checks a PIN on the (virtual) card; the third wrong PIN blocks it. */
  readonly verifyPin: (card: string, pin: string) => Effect.Effect<{ readonly verified: true }, PlatformError>;
  readonly unblock: (card: string, input: UnblockInput) => Effect.Effect<CardView, PlatformError>;
  /** Sets (replaces) a holder's secret questions and answers; at least four. */
  readonly setSecretQuestions: (holder: string, questions: Secrets.SecretQuestions) => Effect.Effect<{ readonly questions: number }, PlatformError>;
  /** The questions to ask a holder at a distance (never the answers). */
  readonly secretQuestions: (holder: string) => Effect.Effect<ReadonlyArray<string>, PlatformError>;
  readonly renewCertificates: (card: string, input: RenewCertificatesInput) => Effect.Effect<CardView, PlatformError>;
  readonly revoke: (card: string, input: RevokeInput) => Effect.Effect<CardView, PlatformError>;
  /** At the prefecture, a second operator approves the personalisation of a received card before another publishes it. */
  readonly approvePersonalisation: (card: string, reason: string) => Effect.Effect<CardView, PlatformError>;
  /** Orders a new card replacing this one; the old one is retired once the new one is active. */
  readonly renew: (card: string, reason: string) => Effect.Effect<CardView, PlatformError>;
  readonly submitRequest: (input: RequestInput) => Effect.Effect<RequestView, PlatformError>;
  /** Validates a request and carries it out (orders the card, revokes, …). */
  readonly validateRequest: (request: string, reason: string) => Effect.Effect<RequestView, PlatformError>;
  readonly rejectRequest: (request: string, reason: string) => Effect.Effect<RequestView, PlatformError>;
  readonly cancelRequest: (request: string, reason: string) => Effect.Effect<RequestView, PlatformError>;
  readonly card: (card: string) => Effect.Effect<CardView, PlatformError>;
  readonly request: (request: string) => Effect.Effect<RequestView, PlatformError>;
  /** The holders of a site and their cards. */
  readonly holders: (site: SiteFilter) => Effect.Effect<ReadonlyArray<HolderCards>, PlatformError>;
  readonly requests: (site: SiteFilter, status?: Request.Status) => Effect.Effect<ReadonlyArray<RequestView>, PlatformError>;
  /** Cards in force whose certificates end within `days` days. */
  readonly expiring: (site: SiteFilter, days: number) => Effect.Effect<ReadonlyArray<CardView>, PlatformError>;
}

/** The card platform's use cases for one actor. */
export class CardPlatform extends Context.Service<CardPlatform, CardPlatformShape>()("@comedec/pgca/CardPlatform") {}

/** How each refusal reads over HTTP: one stable code per tag, shared by the API and the client. */
export const problems = {
  CardNotFound: { status: 404, code: "card-not-found", title: "Unknown card" },
  RequestNotFound: { status: 404, code: "card-request-not-found", title: "Unknown card request" },
  CardIllegalTransition: { status: 409, code: "card-illegal-transition", title: "Not allowed in the card's (or request's) state" },
  CardPartyNotAllowed: { status: 403, code: "card-party-not-allowed", title: "This party may not fire this transition" },
  SerialMismatch: { status: 422, code: "card-serial-mismatch", title: "The card's serial is not the one shipped" },
  ActivationCodeInvalid: { status: 422, code: "activation-code-invalid", title: "The activation code is not valid" },
  HandOverDocumentMismatch: { status: 422, code: "hand-over-document-mismatch", title: "The document presented is not the one checked at registration" },
  HolderNotActive: { status: 422, code: "holder-not-active", title: "The holder is not active in the directory" },
  SecretAnswersRefused: { status: 403, code: "secret-answers-refused", title: "The holder could not be authenticated by their secret answers" },
  DualControlRequired: { status: 403, code: "dual-control-required", title: "A second trusted person must confirm this operation" },
  FirstCardsMissing: { status: 409, code: "first-cards-missing", title: "The commune's first two cards are not ordered" },
  CertificateRefused: { status: 422, code: "certificate-refused", title: "The certificate request was refused" },
  PinIncorrect: { status: 422, code: "pin-incorrect", title: "Wrong PIN" },
  PinLocked: { status: 423, code: "pin-locked", title: "The PIN is locked" },
  PinFinalTry: { status: 409, code: "pin-final-try", title: "One more wrong PIN would lock the card" },
  PinRequired: { status: 401, code: "pin-required", title: "The card needs the PIN" },
  PinRejected: { status: 422, code: "pin-rejected", title: "The PIN does not follow the PIN rules" },
  CardAbsent: { status: 409, code: "card-absent", title: "The card is not in a reader" },
  KeyNotFound: { status: 409, code: "card-key-not-found", title: "The card holds no such key" },
  DeviceFailure: { status: 502, code: "card-device-failure", title: "The card or its reader failed" },
} as const satisfies Record<string, { readonly status: number; readonly code: string; readonly title: string }>;
