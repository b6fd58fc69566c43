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
 * Refusals come back as the tagged errors the platform raises (`ResponseRejected` with its rule,
 * `LoginRefused`…); anything else is `ExchangeUnavailable`.
 */
import { Transport } from "@comedec/api-client";
import { SmartCards } from "@comedec/card";
import { AlreadyAnswered, Request, Response, Signer, SpecimenFileRefused, type Specimen, VerificationRequestNotFound } from "@comedec/exchange";
import { Access, Sessions } from "@comedec/rgs";
import { Cades } from "@comedec/signed-message";
import { Clock, Effect, Schema } from "effect";

/** The API could not be reached, or answered something this client does not know. */
export class ExchangeUnavailable extends Schema.TaggedError<ExchangeUnavailable>()("ExchangeUnavailable", { reason: Schema.String }) {}

/** Where the API is. */
export interface ApiOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof globalThis.fetch;
}

/** A card session: its token, and whom it is for. */
export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly actor: { readonly id: string; readonly name: string; readonly role: string; readonly site: { readonly _tag: string; readonly commune?: string } };
}

const refusals: Transport.Refusals<ExchangeUnavailable> = {
  errors: {
    ResponseRejected: Signer.ResponseRejected,
    VerificationRequestNotFound,
    AlreadyAnswered,
    SpecimenFileRefused,
    LoginRefused: Sessions.LoginRefused,
    Forbidden: Access.Forbidden,
  },
  tagOfCode: new Map([
    ["response-rejected", "ResponseRejected"],
    ["verification-request-not-found", "VerificationRequestNotFound"],
    ["already-answered", "AlreadyAnswered"],
    ["specimen-file-refused", "SpecimenFileRefused"],
    ["login-refused", "LoginRefused"],
    ["forbidden", "Forbidden"],
  ]),
  unavailable: (reason) => new ExchangeUnavailable({ reason }),
};

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const decodeRequests = Schema.decodeUnknownEffect(Schema.Struct({ items: Schema.Array(Request.VerificationRequest) }));

/** What the connection test says. */
export interface TestStanding {
  readonly total: number;
  readonly answered: number;
  readonly correct: number;
  readonly passed: boolean;
}

/** What the platform says of a response it accepted. */
export interface Accepted {
  readonly request: string;
  readonly outcome: string;
  readonly signer: string;
  readonly specimen?: { readonly correct: boolean; readonly expected?: Response.Outcome };
  readonly test?: TestStanding & { readonly milestone?: string };
}

/** Opens a card session: the card's holder logs in with its authentication key (the PIN opens the card). */
export const login = (api: ApiOptions, card: { readonly serial: string; readonly pin: string }) =>
  Effect.gen(function* () {
    const call = Transport.make({ ...api, token: "" }, refusals);
    const challenge = (yield* call("POST", "/sessions/challenges")) as { readonly id: string; readonly toSign: string };
    const cards = yield* SmartCards;
    const certificate = yield* cards.readCertificate(card.serial, "authentication");
    yield* cards.login(card.serial, card.pin);
    const signature = yield* cards.sign(card.serial, "authentication", new TextEncoder().encode(challenge.toSign));
    return (yield* call("POST", "/sessions", { challenge: challenge.id, certificate: base64(certificate), signature: base64(signature) })) as Session;
  });

/** The issuing CA's certificate (DER), which signed messages carry. */
export const issuingCertificate = (api: ApiOptions) =>
  Effect.tryPromise({
    try: async () => {
      const response = await (api.fetch ?? globalThis.fetch)(`${api.baseUrl.replace(/\/$/, "")}/pki/ca/issuing.crt`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    catch: (error) => new ExchangeUnavailable({ reason: `the issuing CA certificate could not be read: ${String(error)}` }),
  });

/** Signs a response with the card's signature key (its PIN is asked for every signature), as CAdES-BES. */
export const signResponse = (response: Response.Response, card: { readonly serial: string; readonly pin: string }, chain: ReadonlyArray<Uint8Array>) =>
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
  const call = Transport.make({ ...api, token }, refusals);
  return {
    /** The commune's requests waiting for a response, oldest first. */
    pending: (commune: string, limit = 100) =>
      Effect.flatMap(call("GET", `/communes/${commune}/requests?limit=${limit}`), (body) =>
        Effect.map(
          Effect.mapError(decodeRequests(body), (issue) => new ExchangeUnavailable({ reason: `unexpected requests: ${issue.message}` })),
          (decoded) => decoded.items,
        ),
      ),
    /** Sends a signed response; the platform verifies it before keeping it. */
    respond: (commune: string, request: string, signed: Uint8Array) =>
      Effect.map(call("POST", `/communes/${commune}/requests/${encodeURIComponent(request)}/response`, { signed: base64(signed) }), (body) => body as Accepted),
    /** Sends the mairie's specimen file (at least 7 days before the training). */
    uploadSpecimenFile: (commune: string, file: Specimen.SpecimenFile) =>
      Effect.map(call("POST", `/communes/${commune}/specimen-file`, file), (body) => body as { readonly requests: number; readonly dueOn: string }),
    /** Where the commune's connection test stands. */
    connectionTest: (commune: string) => Effect.map(call("GET", `/communes/${commune}/connection-test`), (body) => body as TestStanding),
  };
};
