/**
 * Handlers registered against the contract. `handle(endpoint, run)` types `run` from the
 * endpoint: it receives the decoded params, query and body, the authenticated actor and the grant
 * of the endpoint's permission, and must answer the endpoint's success type and fail only with the
 * refusals it declares — anything else does not compile. `register` wires every handler into Hono
 * with authentication, Schema decoding, authorisation, rate limits, success encoding and
 * problem+json, so no route can skip them.
 */
import { type Actor, Availability } from "@comedec/actor";
import { InseeCode } from "@comedec/commune";
import { Endpoint } from "@comedec/http-contract";
import { Access, Sessions, Tokens } from "@comedec/rgs";
import { Cause, Effect, Exit, type ManagedRuntime, Option, Schema, Stream } from "effect";
import type { Context, Handler as HonoHandler, Hono, MiddlewareHandler } from "hono";
import * as NodeRequest from "./NodeRequest.js";
import * as Problem from "./Problem.js";
import * as Tracing from "./Tracing.js";

type Authorization = Endpoint.Authorization;

/** The actor a handler acts for: none on a public endpoint. */
export type ActorOf<A extends Authorization> = A extends { readonly _tag: "public" } ? undefined : Actor.Actor;

/**
 * The kind of target `register` authorises an endpoint's permission on: the commune of a path
 * parameter; the commune of a query or body field, or the nation when the field is absent (a
 * listing); the nation for the others (a `resource`'s own site is checked by its use case).
 */
export type KindOf<T extends Endpoint.Target> = T extends { readonly _tag: "commune"; readonly in: "params" }
  ? "commune"
  : T extends { readonly _tag: "commune" }
    ? "commune" | "nation"
    : "nation";

/** The grant a handler receives: that of its endpoint's permission, on the kind of target the contract names. */
export type GrantOf<A extends Authorization> = A extends {
  readonly _tag: "permission";
  readonly permission: infer P extends Access.Permission;
  readonly target: infer T extends Endpoint.Target;
}
  ? Access.Grant<P, KindOf<T>>
  : undefined;

/**
 * The refusals a handler may fail with: those its endpoint declares, and `Forbidden` when it
 * requires a permission (a use case narrows the grant to the record it reads).
 */
export type ErrorOf<E extends Endpoint.Any> = Endpoint.ErrorOf<E> | (E["authorization"] extends { readonly _tag: "permission" } ? Access.Forbidden : never);

/** What a handler receives. */
export interface Input<E extends Endpoint.Any> {
  readonly actor: ActorOf<E["authorization"]>;
  readonly grant: GrantOf<E["authorization"]>;
  readonly params: Endpoint.ParamsOf<E>;
  readonly query: Endpoint.QueryOf<E>;
  readonly body: Endpoint.BodyOf<E>;
  /** The bearer token the request was authenticated with (logout closes that session). */
  readonly token: string | undefined;
}

/** A handler of one endpoint. */
export interface Handler<R> {
  readonly endpoint: Endpoint.Any;
  readonly run: (input: Input<Endpoint.Any>) => Effect.Effect<unknown, { readonly _tag: string }, R>;
}

/** Registers the handler of an endpoint: `run` answers its success and fails with its declared errors only. */
export const handle = <E extends Endpoint.Any, R>(endpoint: E, run: (input: Input<E>) => Effect.Effect<Endpoint.SuccessOf<E>, ErrorOf<E>, R>): Handler<R> => ({
  endpoint,
  run: run as unknown as Handler<R>["run"],
});

/**
 * A success written as it is read: the fields of `head`, then `field` as the array of the stream's
 * items, each encoded by `item` (the contract's Schema of one element), the head by the endpoint's
 * success Schema. An answer too big to hold (a site's audit export, 100 MB) leaves as every other
 * one does, field by field as its contract says, without ever being whole in memory.
 */
export class Streamed {
  constructor(
    readonly head: Readonly<Record<string, unknown>>,
    readonly field: string,
    readonly item: Schema.Top,
    readonly items: Stream.Stream<unknown>,
  ) {}
}

/** Registers the handler of an endpoint whose success `run` streams (`Streamed`): its Schema still encodes the head and each item. */
export const handleStreamed = <E extends Endpoint.Any, R>(endpoint: E, run: (input: Input<E>) => Effect.Effect<Streamed, ErrorOf<E>, R>): Handler<R> => ({
  endpoint,
  run: run as unknown as Handler<R>["run"],
});

/** The JSON text of a streamed success, in pieces of some 64 kB: the head encoded, then each item encoded as it is read. */
const streamedBody = (streamed: Streamed, encodedHead: unknown): ReadableStream<Uint8Array> => {
  const encodeItem = Schema.encodeUnknownSync(streamed.item as Schema.Codec<unknown, unknown>);
  const { [streamed.field]: _empty, ...head } = encodedHead as Record<string, unknown>;
  const opening = JSON.stringify(head);
  let pending = `${opening.slice(0, -1)}${opening === "{}" ? "" : ","}${JSON.stringify(streamed.field)}:[`;
  let first = true;
  const pieces = streamed.items.pipe(
    Stream.mapArray((items) => {
      for (const item of items) {
        pending += `${first ? "" : ","}${JSON.stringify(encodeItem(item))}`;
        first = false;
      }
      const piece = pending;
      pending = "";
      return [piece];
    }),
    Stream.concat(Stream.sync(() => `${pending}]}`)),
    Stream.filter((piece) => piece.length > 0),
  );
  return Stream.toReadableStream(pieces).pipeThrough(new TextEncoderStream());
};

/**
 * The first string that PostgreSQL could not store as text, or that no one could have typed: a NUL
 * character, or half of a UTF-16 surrogate pair. Checked once for every input, before its Schema.
 */
const untypableText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.includes("\u0000") || !value.isWellFormed() ? value : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = untypableText(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) return untypableText(Object.values(value)) ?? untypableText(Object.keys(value));
  return undefined;
};

/**
 * The decoder of one input Schema, made once per endpoint (not per request): synchronous, as every
 * input Schema of the contract is, so a request pays for the checks and not for building them.
 */
const decoder = (schema: Schema.Top) => {
  if (schema === Endpoint.None) return (_value: unknown) => Effect.succeed({});
  const decodeExit = Schema.decodeUnknownExit(schema as Schema.Codec<unknown, unknown>);
  return (value: unknown) =>
    untypableText(value) !== undefined
      ? Effect.fail(Problem.invalidRequest("text may not contain NUL characters or unpaired UTF-16 surrogates"))
      : Effect.mapError(decodeExit(value, { onExcessProperty: "error" }), (error) => Problem.invalidRequest(error.message));
};

const readBody = (context: Context) => Effect.tryPromise({ try: () => context.req.json() as Promise<unknown>, catch: () => Problem.malformedJson() });

const bearer = (context: Context): string | undefined => {
  const header = NodeRequest.header(context, "authorization");
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
};

/** The actor of a card session (`cmdcs_…`) or of a machine account's bearer token (`cmdc_…`). */
const authenticate = (token: string | undefined) =>
  Effect.gen(function* () {
    if (token === undefined) return yield* new Tokens.Unauthenticated({ reason: "missing bearer token" });
    if (!token.startsWith(Sessions.tokenPrefix)) return yield* Tokens.ActorTokens.use((tokens) => tokens.authenticate(token));
    const actor = yield* Sessions.CardSessions.use((sessions) => sessions.authenticate(token));
    if (actor === undefined) return yield* new Tokens.Unauthenticated({ reason: "unknown, expired or closed session, or its certificate was revoked" });
    return actor;
  });

/** The target a permission is checked on, from the request (of the kind `KindOf` says): a resource's own site is checked by its use case. */
const targetOf = (
  target: Endpoint.Target,
  input: { readonly params: unknown; readonly query: unknown; readonly body: unknown },
): Access.TargetOf<"commune" | "nation"> => {
  if (target._tag !== "commune") return Access.nation;
  const code = (input[target.in] as Readonly<Record<string, unknown>>)[target.field];
  if (typeof code !== "string" || !InseeCode.isInseeCode(code)) return Access.nation;
  return Access.communeTarget(code);
};

/** The middlewares of the rate-limit classes. */
export type Limits = Readonly<Record<Exclude<Endpoint.RateLimit, "none">, MiddlewareHandler>>;

/** Registers the handlers on a Hono app, run on the given runtime. */
export const register = <R>(
  app: Hono,
  runtime: ManagedRuntime.ManagedRuntime<R | Tokens.ActorTokens | Sessions.CardSessions, never>,
  handlers: ReadonlyArray<Handler<R>>,
  limits: Limits,
) => {
  for (const { endpoint, run } of handlers) {
    const honoPath = endpoint.path.replace(/\{(\w+)\}/g, ":$1");
    const encode = Schema.encodeUnknownExit(endpoint.success as Schema.Codec<unknown, unknown>);
    const decodeParams = decoder(endpoint.params);
    const decodeQuery = decoder(endpoint.query);
    const decodeBody = decoder(endpoint.body);
    const authorization = endpoint.authorization;
    const handler: HonoHandler = async (context) => {
      const program = Effect.gen(function* () {
        const token = bearer(context);
        const actor = authorization._tag === "public" ? undefined : yield* authenticate(token);
        const params = yield* decodeParams(context.req.param());
        const query = yield* decodeQuery(context.req.query());
        const body = Endpoint.hasBody(endpoint) ? yield* Effect.flatMap(readBody(context), decodeBody) : {};
        const grant =
          authorization._tag === "permission"
            ? yield* Access.authorize(actor as Actor.Actor, authorization.permission, targetOf(authorization.target, { params, query, body }))
            : undefined;
        const value = yield* run({ actor, grant, params, query, body, token } as Input<Endpoint.Any>);
        // What leaves is what the contract says: encoded by the success Schema, excess fields dropped.
        if (value instanceof Streamed) return { streamed: value, head: yield* Effect.orDie(encode({ ...value.head, [value.field]: [] })) };
        return yield* Effect.orDie(encode(value));
      });
      const exit = await runtime.runPromiseExit(Tracing.withinRequest(context, program));
      if (Exit.isSuccess(exit)) {
        const answer = exit.value as { readonly streamed?: unknown; readonly head?: unknown };
        if (answer !== null && typeof answer === "object" && answer.streamed instanceof Streamed)
          return new Response(streamedBody(answer.streamed, answer.head), {
            status: endpoint.status,
            headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
          });
        if (endpoint.responseType === "application/json") return context.json(exit.value as object, endpoint.status);
        // A document made for one request (the activation letter): never kept by a cache.
        return new Response(Buffer.from(exit.value as Uint8Array), {
          status: endpoint.status,
          headers: { "content-type": endpoint.responseType, "cache-control": "no-store" },
        });
      }
      const unavailable = Problem.databaseUnavailable(exit.cause);
      if (unavailable !== undefined) return Problem.toResponse(unavailable, { "retry-after": String(Availability.retryAfterSeconds) });
      const failure = Cause.findErrorOption(exit.cause);
      if (Option.isSome(failure)) {
        const response = Problem.bodyOf(failure.value as { readonly _tag: string });
        if (response !== undefined) return Problem.toResponse(failure.value as { readonly _tag: string });
      }
      // Only a shutdown interrupts a request. A write it had sent may still commit: a client that
      // retries with its expected version then gets a conflict, never a duplicate.
      if (Cause.hasInterruptsOnly(exit.cause)) return Problem.toResponse(Problem.shuttingDown());
      console.error(Cause.pretty(exit.cause));
      return Problem.toResponse(Problem.internal());
    };
    if (endpoint.rateLimit === "none") app.on(endpoint.method.toUpperCase(), honoPath, handler);
    else app.on(endpoint.method.toUpperCase(), honoPath, limits[endpoint.rateLimit], handler);
  }
};
