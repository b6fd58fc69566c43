/**
 * The card platform over HTTP, for editors' software: the `CardPlatform` port of `@comedec/pgca`
 * implemented against the deployed API with one actor's bearer token. Refusals come back as the
 * same tagged errors the local platform raises (problem codes mapped back through the shared
 * table), so code written against the port runs on either — the contract suite checks both.
 */
import { Change } from "@comedec/actor";
import { AgentNotFound } from "@comedec/agent";
import {
  CardAbsent,
  Card,
  CardNotFound,
  CertificateRefused,
  DeviceFailure,
  KeyNotFound,
  PinFinalTry,
  PinIncorrect,
  PinLocked,
  PinRejected,
  PinRequired,
  Request,
  RequestNotFound,
} from "@comedec/card";
import { CommuneNotFound, Onboarding } from "@comedec/commune";
import {
  ActivationCodeInvalid,
  CardPlatform,
  CardPlatformUnavailable,
  type CardPlatformShape,
  type CardView,
  DualControlRequired,
  FirstCardsMissing,
  HandOverDocumentMismatch,
  HolderNotActive,
  problems,
  type RequestView,
  SecretAnswersRefused,
  type SiteFilter,
} from "@comedec/pgca";
import { Transport } from "@comedec/api-client";
import { Access } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";

/** Where the API is and who calls it. */
export type ClientOptions = Transport.ClientOptions;

// Every tagged error the API can answer with, by tag, to rebuild it from a problem.
const errors: Record<string, new (fields: never) => Error> = {
  CardNotFound,
  RequestNotFound,
  AgentNotFound,
  CertificateRefused,
  ActivationCodeInvalid,
  HandOverDocumentMismatch,
  HolderNotActive,
  SecretAnswersRefused,
  FirstCardsMissing,
  DualControlRequired,
  CardIllegalTransition: Card.CardIllegalTransition,
  CardPartyNotAllowed: Card.CardPartyNotAllowed,
  SerialMismatch: Card.SerialMismatch,
  PinIncorrect,
  PinLocked,
  PinFinalTry,
  PinRequired,
  PinRejected,
  CardAbsent,
  KeyNotFound,
  DeviceFailure,
  PrerequisiteMissing: Onboarding.PrerequisiteMissing,
  CommuneNotFound,
  Forbidden: Access.Forbidden,
  ConcurrentModification: Change.ConcurrentModification,
};
// The codes the API gives to errors of other modules (its Problem table).
const tagOfCode = new Map<string, string>([
  ...Object.entries(problems).map(([tag, problem]) => [problem.code, tag] as const),
  ["agent-not-found", "AgentNotFound"],
  ["milestone-prerequisite-missing", "PrerequisiteMissing"],
  ["commune-not-found", "CommuneNotFound"],
  ...Transport.sharedCodes,
]);

const decodeCard = Schema.decodeUnknownEffect(Card.State);
const decodeRequest = Schema.decodeUnknownEffect(Request.State);

const viewOf =
  <S>(decode: (input: unknown) => Effect.Effect<S, Schema.SchemaError>) =>
  (body: unknown) => {
    const { version, ...state } = body as { version: number } & Record<string, unknown>;
    return Effect.map(
      Effect.mapError(decode(state), (error) => new CardPlatformUnavailable({ reason: `unexpected record: ${error.message}` })),
      (decoded) => ({ state: decoded, version }),
    );
  };
const toCard = viewOf(decodeCard);
const toRequest = viewOf(decodeRequest);

const siteQuery = (filter: SiteFilter, extra: Record<string, string> = {}) => {
  const parameters = new URLSearchParams(extra);
  for (const [key, value] of Object.entries(filter)) parameters.set(key, String(value));
  const text = parameters.toString();
  return text.length === 0 ? "" : `?${text}`;
};

/** The card platform over HTTP, for the actor whose token is given. */
export const make = (options: ClientOptions): CardPlatformShape => {
  const call = Transport.make(options, { errors, tagOfCode, unavailable: (reason) => new CardPlatformUnavailable({ reason }) });

  const id = (value: string) => encodeURIComponent(value);
  const card = (method: string, path: string, body?: unknown): Effect.Effect<CardView, any> => Effect.flatMap(call(method, path, body), toCard);
  const request = (method: string, path: string, body?: unknown): Effect.Effect<RequestView, any> => Effect.flatMap(call(method, path, body), toRequest);
  const cards = (path: string) => Effect.flatMap(call("GET", path), (body) => Effect.forEach((body as { items: ReadonlyArray<unknown> }).items, toCard));

  return {
    order: (input) => card("POST", "/cards", input),
    startProduction: (cardId, reason) => card("POST", `/cards/${id(cardId)}/production`, { reason }),
    ship: (cardId, reason) => card("POST", `/cards/${id(cardId)}/shipment`, { reason }),
    receive: (cardId, serial, reason) => card("POST", `/cards/${id(cardId)}/receipt`, { serial, reason }),
    triggerConnection: (commune, reason) =>
      Effect.map(call("POST", `/communes/${id(commune)}/connection`, { reason }), (body) => body as { codesSent: number }),
    publish: (cardId, input) => card("POST", `/cards/${id(cardId)}/publication`, input),
    verifyPin: (cardId, pin) => Effect.map(call("POST", `/cards/${id(cardId)}/pin-verification`, { pin }), () => ({ verified: true as const })),
    unblock: (cardId, input) => card("POST", `/cards/${id(cardId)}/unblock`, input),
    setSecretQuestions: (holder, questions) =>
      Effect.map(call("PUT", `/holders/${id(holder)}/secret-questions`, { questions }), (body) => body as { questions: number }),
    secretQuestions: (holder) =>
      Effect.map(call("GET", `/holders/${id(holder)}/secret-questions`), (body) => (body as { questions: ReadonlyArray<string> }).questions),
    renewCertificates: (cardId, input) => card("POST", `/cards/${id(cardId)}/certificate-renewal`, input),
    revoke: (cardId, input) => card("POST", `/cards/${id(cardId)}/revocation`, input),
    renew: (cardId, reason) => card("POST", `/cards/${id(cardId)}/renewal`, { reason }),
    approvePersonalisation: (cardId, reason) => card("POST", `/cards/${id(cardId)}/personalisation-approval`, { reason }),
    submitRequest: (input) => request("POST", "/card-requests", input),
    validateRequest: (requestId, reason) => request("POST", `/card-requests/${id(requestId)}/validation`, { reason }),
    rejectRequest: (requestId, reason) => request("POST", `/card-requests/${id(requestId)}/rejection`, { reason }),
    cancelRequest: (requestId, reason) => request("POST", `/card-requests/${id(requestId)}/cancellation`, { reason }),
    card: (cardId) => card("GET", `/cards/${id(cardId)}`),
    request: (requestId) => request("GET", `/card-requests/${id(requestId)}`),
    holders: (filter) =>
      Effect.flatMap(call("GET", `/holders${siteQuery(filter)}`), (body) =>
        Effect.forEach((body as { items: ReadonlyArray<{ holder: string; cards: ReadonlyArray<unknown> }> }).items, (entry) =>
          Effect.map(Effect.forEach(entry.cards, toCard), (held) => ({ holder: entry.holder, cards: held })),
        ),
      ),
    requests: (filter, status) =>
      Effect.flatMap(call("GET", `/card-requests${siteQuery(filter, status === undefined ? {} : { status })}`), (body) =>
        Effect.forEach((body as { items: ReadonlyArray<unknown> }).items, toRequest),
      ),
    expiring: (filter, days) => cards(`/cards${siteQuery(filter, { expiringWithinDays: String(days) })}`),
  };
};

/** The `CardPlatform` port over HTTP. */
export const layer = (options: ClientOptions): Layer.Layer<CardPlatform> => Layer.succeed(CardPlatform, CardPlatform.of(make(options)));
