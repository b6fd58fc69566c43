/**
 * The exchange for an agent's software, against the deployed API:
 *
 * - `login`: a challenge signed with the card's authentication key (through the smart-card port)
 *   opens a session for the card's holder;
 * - `make(session)`: the commune's pending requests, a signed response sent, the specimen file and
 *   the connection test's standing;
 * - `signResponse`: the response's canonical bytes signed with the card's signature key, as a
 *   CAdES-BES message carrying the card's certificate and the issuing CA's.
 *
 * Every call is derived from the HTTP contract through `Caller` (path, query, body and answer by
 * the endpoint's Schemas), so refusals come back as the tagged errors the endpoint declares
 * (`ResponseRejected` with its rule, `LoginRefused`…) or the API's implicit ones (`Unauthenticated`,
 * `Forbidden`, `RateLimited`…); anything else is `ExchangeUnavailable`.
 */
import { Caller } from "@comedec/api-client";
import { type CardFailure, SmartCards } from "@comedec/card";
import { Response, type Specimen } from "@comedec/exchange";
import { Contract, type Endpoint } from "@comedec/http-contract";
import { Cades } from "@comedec/signed-message";
import { Clock, Effect, Schema } from "effect";

const { Sessions, Exchange, Pki } = Contract;

/** The API could not be reached, or answered something the contract does not describe. */
export class ExchangeUnavailable extends Schema.TaggedError<ExchangeUnavailable>()("ExchangeUnavailable", { reason: Schema.String }) {}

/** Where the API is. */
export interface ApiOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof globalThis.fetch;
}

/** What a call of an endpoint may fail with: its declared refusals, the implicit ones, or `ExchangeUnavailable`. */
export type CallError<E extends Endpoint.Any> = Caller.CallError<E, ExchangeUnavailable>;

/** What logging in may fail with: the login's refusals, or the card's failures. */
export type LoginError = CallError<typeof Sessions.challenge> | CallError<typeof Sessions.open> | CardFailure;

/** Every refusal or failure of the client's calls and signatures, for a program that makes several. */
export type ExchangeError =
  | LoginError
  | CallError<typeof Pki.issuingCertificate>
  | CallError<typeof Exchange.pending>
  | CallError<typeof Exchange.respond>
  | CallError<typeof Exchange.uploadSpecimenFile>
  | CallError<typeof Exchange.connectionTest>;

/** A card session: its token, until when, and whom it is for. */
export type Session = typeof Sessions.CardSession.Type;

/** What the connection test says. */
export type TestStanding = Contract.Exchange.TestStanding;

/** What the platform says of a response it accepted. */
export type Accepted = Contract.Exchange.ResponseAccepted;

/** What the platform says of a specimen file it kept. */
export type SpecimenFileAccepted = typeof Exchange.SpecimenFileAccepted.Type;

/** A request waiting for the commune's response. */
export type PendingRequest = Endpoint.SuccessOf<typeof Exchange.pending>["items"][number];

// The commune's code as the path takes it; the API checks it, a malformed one coming back as `InvalidRequest`.
type CommuneCode = Endpoint.ParamsOf<typeof Exchange.pending>["code"];

const callerOf = (api: ApiOptions, token?: string) =>
  Caller.make({ ...api, ...(token === undefined ? {} : { token }) }, (reason) => new ExchangeUnavailable({ reason }));

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Opens a card session: the card's holder logs in with its authentication key (the PIN opens the card). */
export const login = (api: ApiOptions, card: { readonly serial: string; readonly pin: string }): Effect.Effect<Session, LoginError, SmartCards> =>
  Effect.gen(function* () {
    const { call } = callerOf(api);
    const challenge = yield* call(Sessions.challenge, {});
    const cards = yield* SmartCards;
    const certificate = yield* cards.readCertificate(card.serial, "authentication");
    yield* cards.login(card.serial, card.pin);
    const signature = yield* cards.sign(card.serial, "authentication", new TextEncoder().encode(challenge.toSign));
    return yield* call(Sessions.open, { body: { challenge: challenge.id, certificate: base64(certificate), signature: base64(signature) } });
  });

/** The issuing CA's certificate (DER), which signed messages carry. */
export const issuingCertificate = (api: ApiOptions): Effect.Effect<Uint8Array, CallError<typeof Pki.issuingCertificate>> =>
  callerOf(api).call(Pki.issuingCertificate, {});

/** Signs a response with the card's signature key (its PIN is asked for every signature), as CAdES-BES. */
export const signResponse = (
  response: Response.Response,
  card: { readonly serial: string; readonly pin: string },
  chain: ReadonlyArray<Uint8Array>,
): Effect.Effect<Uint8Array, CardFailure, SmartCards> =>
  Effect.gen(function* () {
    const cards = yield* SmartCards;
    const certificate = yield* cards.readCertificate(card.serial, "signature");
    const signingTime = new Date(yield* Clock.currentTimeMillis);
    return yield* Cades.sign(Response.toBytes(response), {
      certificate,
      chain,
      signingTime,
      sign: (toBeSigned) => cards.sign(card.serial, "signature", toBeSigned, card.pin),
    });
  });

/** The calls of one session (or a bearer token) on a commune. */
export const make = (api: ApiOptions, token: string) => {
  const { call } = callerOf(api, token);
  return {
    /** The commune's requests waiting for a response, oldest first. */
    pending: (commune: string, limit = 100): Effect.Effect<ReadonlyArray<PendingRequest>, CallError<typeof Exchange.pending>> =>
      Effect.map(call(Exchange.pending, { params: { code: commune as CommuneCode }, query: { limit } }), (page) => page.items),
    /** Sends a signed response; the platform verifies it before keeping it. */
    respond: (commune: string, request: string, signed: Uint8Array): Effect.Effect<Accepted, CallError<typeof Exchange.respond>> =>
      call(Exchange.respond, { params: { code: commune as CommuneCode, id: request }, body: { signed: base64(signed) } }),
    /** Sends the mairie's specimen file (at least 7 days before the training). */
    uploadSpecimenFile: (commune: string, file: Specimen.SpecimenFile): Effect.Effect<SpecimenFileAccepted, CallError<typeof Exchange.uploadSpecimenFile>> =>
      call(Exchange.uploadSpecimenFile, { params: { code: commune as CommuneCode }, body: file }),
    /** Where the commune's connection test stands. */
    connectionTest: (commune: string): Effect.Effect<TestStanding, CallError<typeof Exchange.connectionTest>> =>
      call(Exchange.connectionTest, { params: { code: commune as CommuneCode } }),
  };
};
