/**
 * An endpoint of the COMEDEC API, as data: what it is called, where it is, what it takes, what it
 * answers on success, which refusals it may answer, what the caller must be granted and how its
 * requests are rate-limited. The API registers one handler per endpoint, the OpenAPI document and
 * the typed clients are generated from the same value, and the authorisation matrix iterates it:
 * nothing about an endpoint is written twice.
 */
import type { Access } from "@comedec/rgs";
import { Schema } from "effect";

/** The HTTP methods the API uses. */
export type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * How a route's requests are counted per client address: `login` for opening a session,
 * `code-entry` for the routes that take a secret (activation codes, PINs, secret answers); `none` otherwise.
 */
export type RateLimit = "none" | "login" | "code-entry";

/** A refusal an endpoint may answer: a `Schema.TaggedError` class annotated with its problem. */
export type ErrorSchema = Schema.Top & { readonly Type: { readonly _tag: string } };

/**
 * Where a permission is exercised:
 * - `nation`: the whole country (listings narrow it to the actor's site by the grant's reach);
 * - `commune`: the commune a request field names (an optional query field absent → a listing over the nation);
 * - `resource`: the site of the record the request names, which the use case reads and checks.
 */
export type Target =
  | { readonly _tag: "nation" }
  | { readonly _tag: "commune"; readonly in: "params" | "query" | "body"; readonly field: string }
  | { readonly _tag: "resource"; readonly resource: string };

/** What a caller needs. */
export type Authorization =
  /** Nothing: the PKI's publications and the card login itself. */
  | { readonly _tag: "public" }
  /** Any authenticated actor, on what is their own (their session, their mailbox). */
  | { readonly _tag: "authenticated" }
  /** A permission of the policy on a target. */
  | { readonly _tag: "permission"; readonly permission: Access.Permission; readonly target: Target };

/** A body that is not JSON: the PKI's DER, the OCSP messages and the activation letter's PDF. */
export type MediaType =
  | "application/json"
  | "application/pkix-cert"
  | "application/pkix-crl"
  | "application/x-pem-file"
  | "application/ocsp-request"
  | "application/ocsp-response"
  | "application/pdf";

/** One endpoint of the API. */
export interface Endpoint<
  Id extends string = string,
  Params extends Schema.Top = Schema.Top,
  Query extends Schema.Top = Schema.Top,
  Body extends Schema.Top = Schema.Top,
  Success extends Schema.Top = Schema.Top,
  Errors extends ReadonlyArray<ErrorSchema> = ReadonlyArray<ErrorSchema>,
  Auth extends Authorization = Authorization,
> {
  /** A stable identifier: generated clients name their functions after it. */
  readonly operationId: Id;
  readonly method: Method;
  /** The path, with `{name}` parameters (OpenAPI's template syntax). */
  readonly path: string;
  readonly summary: string;
  /** The group of the documentation. */
  readonly tag: string;
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly success: Success;
  /** The success status. */
  readonly status: 200 | 201;
  readonly errors: Errors;
  readonly authorization: Auth;
  readonly rateLimit: RateLimit;
  /** The media type of the request body and of the success body. */
  readonly requestType: MediaType;
  readonly responseType: MediaType;
  /** The largest body accepted, in bytes, when it differs from the API's default. */
  readonly maximumBodyBytes?: number;
}

/** Any endpoint. */
export type Any = Endpoint<string, Schema.Top, Schema.Top, Schema.Top, Schema.Top, ReadonlyArray<ErrorSchema>, Authorization>;

/** The schema of an absent part (no params, no query, no body). */
export const None = Schema.Struct({});
/** The schema of an absent part. */
export type None = typeof None;

/** The success body of a route that answers bytes (DER, OCSP). */
export const Bytes = Schema.Uint8Array;

/** Defines an endpoint; absent parts default to `None`, the status to 200, the rate limit to `none`, bodies to JSON. */
export const make = <
  const Id extends string,
  Success extends Schema.Top,
  const Errors extends ReadonlyArray<ErrorSchema>,
  const Auth extends Authorization,
  Params extends Schema.Top = None,
  Query extends Schema.Top = None,
  Body extends Schema.Top = None,
>(definition: {
  readonly operationId: Id;
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: Params;
  readonly query?: Query;
  readonly body?: Body;
  readonly success: Success;
  readonly status?: 200 | 201;
  readonly errors: Errors;
  readonly authorization: Auth;
  readonly rateLimit?: RateLimit;
  readonly requestType?: MediaType;
  readonly responseType?: MediaType;
  readonly maximumBodyBytes?: number;
}): Endpoint<Id, Params, Query, Body, Success, Errors, Auth> => ({
  ...definition,
  params: (definition.params ?? None) as Params,
  query: (definition.query ?? None) as Query,
  body: (definition.body ?? None) as Body,
  status: definition.status ?? 200,
  rateLimit: definition.rateLimit ?? "none",
  requestType: definition.requestType ?? "application/json",
  responseType: definition.responseType ?? "application/json",
});

/** Whether the endpoint takes a body. */
export const hasBody = (endpoint: Any): boolean => endpoint.body !== None;

/** The permission and target of an endpoint, when it needs one. */
export const permissionOf = (endpoint: Any): { readonly permission: Access.Permission; readonly target: Target } | undefined =>
  endpoint.authorization._tag === "permission" ? endpoint.authorization : undefined;

/** The decoded params of an endpoint. */
export type ParamsOf<E extends Any> = E["params"]["Type"];
/** The decoded query of an endpoint. */
export type QueryOf<E extends Any> = E["query"]["Type"];
/** The decoded body of an endpoint. */
export type BodyOf<E extends Any> = E["body"]["Type"];
/** What an endpoint answers on success. */
export type SuccessOf<E extends Any> = E["success"]["Type"];
/** The refusals an endpoint declares. */
export type ErrorOf<E extends Any> = E["errors"][number]["Type"];

/** The path of an endpoint with its parameters filled in (encoded for a URL). */
export const pathOf = (endpoint: Any, params: Readonly<Record<string, unknown>>): string =>
  endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
