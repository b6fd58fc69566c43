/**
 * The card platform's use cases as one port, acting for one actor: what the API and an editor's
 * software call. `Local.layer` provides it over the ports of `@comedec/card`; `@comedec/pgca-client`
 * provides it over HTTP; both pass one contract suite. Its inputs and refusals are Schemas of
 * `@comedec/card` (re-exported here), which the HTTP contract reads too.
 */
import type { Change } from "@comedec/actor";
import type { AgentNotFound } from "@comedec/agent";
import type {
  ActivationCodeInvalid,
  Card,
  CardFailure,
  CardNotFound,
  CertificateRefused,
  DualControlRequired,
  FirstCardsMissing,
  HandOverDocumentMismatch,
  HolderNotActive,
  OrderInput,
  Request,
  RequestInput,
  RequestNotFound,
  RevokeInput,
  SecretAnswersRefused,
  Secrets,
} from "@comedec/card";
import type { CommuneNotFound, Onboarding } from "@comedec/commune";
import type { Access, Rules } from "@comedec/rgs";
import { Context, type Effect, Schema } from "effect";

/** The inputs and refusals of the operations, now Schemas of `@comedec/card`: still exported from here. */
export {
  ActivationCodeInvalid,
  DualControlRequired,
  FirstCardsMissing,
  HandOverDocumentMismatch,
  HolderNotActive,
  OrderInput,
  RequestInput,
  RevokeInput,
  SecretAnswersRefused,
} from "@comedec/card";

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
  | Rules.RuleBroken
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
  /** Sets (replaces) a holder's secret questions and answers; at least four. */
  readonly setSecretQuestions: (holder: string, questions: Secrets.SecretQuestions) => Effect.Effect<{ readonly questions: number }, PlatformError>;
  /** The questions to ask a holder at a distance (never the answers). */
  readonly secretQuestions: (holder: string) => Effect.Effect<ReadonlyArray<string>, PlatformError>;
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
