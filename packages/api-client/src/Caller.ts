/**
 * One actor's calls to the COMEDEC API, derived from the contract: the path comes from the
 * endpoint, the query is encoded by its Schema, the success body is decoded by its success Schema,
 * and every problem is turned back into the tagged error the endpoint declares for its code (the
 * same class the local use case raises). Anything else — the network, an unknown code, a body the
 * contract does not describe — becomes the client's own "unavailable" error. Plain `fetch`, so it
 * runs in Node and in a browser alike.
 */
import { Problem } from "@comedec/actor";
import { Endpoint, Problems } from "@comedec/http-contract";
import { Effect, Schema } from "effect";

/** Where the API is and who calls it. */
export interface ClientOptions {
  /** The API's base URL, e.g. `https://comedec.example.gouv.fr`; empty for the page's own origin. */
  readonly baseUrl: string;
  /** The actor's bearer token (a card session or a machine account); none for the public endpoints. */
  readonly token?: string;
  /** A fetch implementation (tests, proxies); the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

// A Struct with fields extends the empty one too: a part is absent only when both extend each other.
type PartOf<S extends Schema.Top, K extends string> = [S] extends [Endpoint.None]
  ? [Endpoint.None] extends [S]
    ? { readonly [key in K]?: never }
    : { readonly [key in K]: S["Type"] }
  : { readonly [key in K]: S["Type"] };

/** What a call of an endpoint takes: its params, query and body, each when the endpoint has one. */
export type CallInput<E extends Endpoint.Any> = PartOf<E["params"], "params"> & PartOf<E["query"], "query"> & PartOf<E["body"], "body">;

/** Every refusal a call of the endpoint may fail with, the implicit ones included. */
export type CallError<E extends Endpoint.Any, U> = Endpoint.ErrorOf<E> | Problems.Implicit | U;

/** The members every problem has; the others are the error's fields. */
const problemMembers = new Set(["type", "status", "code", "title", "detail", "instance"]);

const schemaByCode = (endpoint: Endpoint.Any): ReadonlyMap<string, Endpoint.ErrorSchema> =>
  new Map(Problems.errorsOf(endpoint).map((schema) => [Problems.definitionOf(schema).code, schema] as const));

const codes = new WeakMap<Endpoint.Any, ReadonlyMap<string, Endpoint.ErrorSchema>>();

const errorsByCode = (endpoint: Endpoint.Any) => {
  let known = codes.get(endpoint);
  if (known === undefined) {
    known = schemaByCode(endpoint);
    codes.set(endpoint, known);
  }
  return known;
};

const queryString = (endpoint: Endpoint.Any, query: unknown): Effect.Effect<string, Schema.SchemaError> =>
  endpoint.query === Endpoint.None || query === undefined
    ? Effect.succeed("")
    : Effect.map(Schema.encodeUnknownEffect(endpoint.query as Schema.Codec<unknown, unknown>)(query), (encoded) => {
        const search = new URLSearchParams();
        for (const [key, value] of Object.entries(encoded as Record<string, unknown>)) if (value !== undefined) search.set(key, String(value));
        const text = search.toString();
        return text.length === 0 ? "" : `?${text}`;
      });

const bodyOf = (endpoint: Endpoint.Any, body: unknown): Effect.Effect<string | Uint8Array<ArrayBuffer> | undefined, Schema.SchemaError> =>
  !Endpoint.hasBody(endpoint)
    ? Effect.succeed(undefined)
    : endpoint.requestType !== "application/json"
      ? Effect.succeed(body as Uint8Array<ArrayBuffer>)
      : Effect.map(Schema.encodeUnknownEffect(endpoint.body as Schema.Codec<unknown, unknown>)(body), (encoded) => JSON.stringify(encoded));

/** The error a problem stands for, rebuilt from its members; `undefined` for a code the endpoint does not declare. */
const refusalOf = (endpoint: Endpoint.Any, problem: Readonly<Record<string, unknown>>): unknown => {
  const schema = errorsByCode(endpoint).get(String(problem.code));
  if (schema === undefined) return undefined;
  const fields = Object.fromEntries(Object.entries(problem).filter(([key]) => !problemMembers.has(key)));
  try {
    // The error's class validates its fields as it is made.
    return new (schema as unknown as new (fields: Readonly<Record<string, unknown>>) => unknown)(fields);
  } catch {
    return undefined;
  }
};

/** Calls endpoints of the contract for one actor; failures the contract does not describe become `unavailable(reason)`. */
export const make = <U>(options: ClientOptions, unavailable: (reason: string) => U) => {
  const fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, "");
  const call = <E extends Endpoint.Any>(endpoint: E, input: CallInput<E>): Effect.Effect<Endpoint.SuccessOf<E>, CallError<E, U>> =>
    Effect.gen(function* () {
      const parts = input as { readonly params?: Record<string, unknown>; readonly query?: unknown; readonly body?: unknown };
      const search = yield* Effect.mapError(queryString(endpoint, parts.query), (error) => unavailable(`the query does not encode: ${error.message}`));
      const body = yield* Effect.mapError(bodyOf(endpoint, parts.body), (error) => unavailable(`the body does not encode: ${error.message}`));
      const url = `${base}${Endpoint.pathOf(endpoint, parts.params ?? {})}${search}`;
      const response = yield* Effect.tryPromise({
        try: async (signal) => {
          const answer = await fetch(url, {
            method: endpoint.method.toUpperCase(),
            signal,
            headers: {
              accept:
                endpoint.responseType === "application/json"
                  ? "application/json, application/problem+json"
                  : `${endpoint.responseType}, application/problem+json`,
              ...(options.token === undefined || options.token.length === 0 ? {} : { authorization: `Bearer ${options.token}` }),
              ...(body === undefined ? {} : { "content-type": endpoint.requestType }),
            },
            ...(body === undefined ? {} : { body }),
          });
          const isJson = (answer.headers.get("content-type") ?? "").includes("json");
          if (answer.ok && !isJson) return { status: answer.status, json: undefined, bytes: new Uint8Array(await answer.arrayBuffer()) };
          const text = await answer.text();
          return { status: answer.status, json: text.length === 0 ? undefined : (JSON.parse(text) as unknown), bytes: undefined };
        },
        catch: (error) => unavailable(error instanceof Error ? error.message : String(error)),
      });
      if (response.status < 400) {
        const value = response.bytes ?? response.json;
        return yield* Effect.mapError(Schema.decodeUnknownEffect(endpoint.success as Schema.Codec<unknown, unknown>)(value), (error) =>
          unavailable(`${endpoint.operationId} answered what the contract does not describe: ${error.message}`),
        ) as Effect.Effect<Endpoint.SuccessOf<E>, U>;
      }
      const problem = (response.json ?? {}) as Readonly<Record<string, unknown>>;
      const refusal = refusalOf(endpoint, problem);
      if (refusal === undefined) {
        return yield* Effect.fail(unavailable(`HTTP ${response.status} ${String(problem.code ?? "")}: ${String(problem.detail ?? problem.title ?? "")}`));
      }
      return yield* Effect.fail(refusal as Endpoint.ErrorOf<E>);
    });
  return { call };
};

/** The problem code and status of an error, as the contract declares them (for messages and logs). */
export const problemOf = (error: unknown): Problem.Definition | undefined => Problem.ofError(error);
