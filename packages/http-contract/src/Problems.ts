/**
 * The refusals every endpoint may answer whatever its use case: a request that does not validate,
 * a body too large, too many requests, no such route, an internal error, a server stopping, the
 * database away (`Availability.DatabaseUnavailable`, classified by the persistence adapter) — and,
 * by what an endpoint requires, the policy's `Unauthenticated` and `Forbidden`. They are tagged
 * errors annotated with their problem like the domain's, so the API, the document and the clients
 * treat every refusal alike.
 */
import { Availability, Problem } from "@comedec/actor";
import { Access, Tokens } from "@comedec/rgs";
import { Schema } from "effect";
import { type Any, type ErrorSchema, hasBody } from "./Endpoint.js";

/** The request's params, query or body do not validate against the endpoint's Schemas. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()(
  "InvalidRequest",
  { reason: Schema.String },
  Problem.annotation(400, "invalid-request", "The request does not validate"),
) {}

/** The body is not JSON. */
export class MalformedJson extends Schema.TaggedError<MalformedJson>()(
  "MalformedJson",
  {},
  Problem.annotation(400, "malformed-json", "The body is not valid JSON"),
) {}

/** The body is over the endpoint's limit. */
export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()(
  "BodyTooLarge",
  { limit: Schema.Int },
  Problem.annotation<{ readonly limit: number }>(413, "body-too-large", "The body is too large", (fields) => `at most ${fields.limit} bytes`),
) {}

/** Too many requests of a kind from one client address. */
export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { kind: Schema.String, retryAfterSeconds: Schema.Int },
  Problem.annotation<{ readonly kind: string; readonly retryAfterSeconds: number }>(
    429,
    "rate-limited",
    "Too many requests",
    (fields) => `too many ${fields.kind} requests from this client: retry in ${fields.retryAfterSeconds} s`,
  ),
) {}

/** No such route. */
export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", {}, Problem.annotation(404, "not-found", "No such resource")) {}

/** Anything unexpected; the cause goes to the log, never to the client. */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {}, Problem.annotation(500, "internal-error", "Internal error")) {}

/** The server is stopping: the request was interrupted before it finished. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()(
  "ShuttingDown",
  {},
  Problem.annotation(503, "shutting-down", "The server is shutting down; retry"),
) {}

/** Any of the refusals every endpoint may answer besides its own. */
export type Implicit =
  | InvalidRequest
  | MalformedJson
  | BodyTooLarge
  | RateLimited
  | InternalError
  | ShuttingDown
  | Availability.DatabaseUnavailable
  | Tokens.Unauthenticated
  | Access.Forbidden;

/** The refusals an endpoint answers besides its own: by its body, its authorization and its rate limit. */
export const implicitErrors = (endpoint: Any): ReadonlyArray<ErrorSchema> => [
  InvalidRequest,
  ...(hasBody(endpoint) ? [MalformedJson, BodyTooLarge] : []),
  ...(endpoint.authorization._tag === "public" ? [] : [Tokens.Unauthenticated]),
  ...(endpoint.authorization._tag === "permission" ? [Access.Forbidden] : []),
  ...(endpoint.rateLimit === "none" ? [] : [RateLimited]),
  InternalError,
  ShuttingDown,
  Availability.DatabaseUnavailable,
];

/** Every refusal an endpoint may answer: its own, then the implicit ones. */
export const errorsOf = (endpoint: Any): ReadonlyArray<ErrorSchema> => {
  const seen = new Set<string>();
  return [...endpoint.errors, ...implicitErrors(endpoint)].filter((schema) => {
    const code = Problem.of(schema)?.code ?? "";
    if (seen.has(code)) return false;
    seen.add(code);
    return true;
  });
};

/** The problem an error schema is declared with; an endpoint may only declare annotated errors. */
export const definitionOf = (schema: ErrorSchema): Problem.Definition => {
  const definition = Problem.of(schema);
  if (definition === undefined) throw new Error(`an error declared by an endpoint has no problem annotation: ${String(schema.ast)}`);
  return definition;
};
