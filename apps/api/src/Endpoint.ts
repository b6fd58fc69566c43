/**
 * An endpoint is data: method, path, the Schemas of its parameters, query and body, and a handler
 * that receives the authenticated actor and the decoded input. `register` wires it into Hono with
 * authentication, Schema validation and problem+json errors, so no route can skip them; the
 * OpenAPI document is generated from the same definitions.
 */
import type { Actor } from "@comedec/actor";
import { Sessions, Tokens } from "@comedec/rgs";
import { Cause, Effect, Exit, type ManagedRuntime, Option, Schema } from "effect";
import type { Context, Hono } from "hono";
import * as NodeRequest from "./NodeRequest.js";
import * as Problem from "./Problem.js";

/** What a handler receives. */
export interface Input<P, Q, B> {
  readonly actor: Actor.Actor;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
}

/** One endpoint of the API. */
export interface Endpoint<R> {
  readonly method: "get" | "post" | "put" | "patch";
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: Schema.Top;
  readonly query?: Schema.Top;
  readonly body?: Schema.Top;
  readonly status?: 200 | 201;
  /** Reachable without a token (the login itself); its handler must not read `actor`. */
  readonly public?: true;
  readonly handler: (input: Input<any, any, any>) => Effect.Effect<unknown, { readonly _tag: string }, R>;
}

/** Defines an endpoint with its handler typed from its Schemas. */
export const make = <
  R,
  P extends Schema.Top = Schema.Struct<{}>,
  Q extends Schema.Top = Schema.Struct<{}>,
  B extends Schema.Top = Schema.Struct<{}>,
>(definition: {
  readonly method: "get" | "post" | "put" | "patch";
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly status?: 200 | 201;
  readonly public?: true;
  readonly handler: (input: Input<P["Type"], Q["Type"], B["Type"]>) => Effect.Effect<unknown, { readonly _tag: string }, R>;
}): Endpoint<R> => definition as Endpoint<R>;

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

const decode = (schema: Schema.Top | undefined, value: unknown) =>
  schema === undefined
    ? Effect.succeed({})
    : untypableText(value) !== undefined
      ? Effect.fail(Problem.invalidRequest("text may not contain NUL characters or unpaired UTF-16 surrogates"))
      : Effect.mapError(Schema.decodeUnknownEffect(schema as Schema.Codec<unknown, unknown>)(value, { onExcessProperty: "error" }), (error) =>
          Problem.invalidRequest(error.message),
        );

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

/** Registers endpoints on a Hono app, run on the given runtime. */
export const register = <R>(
  app: Hono,
  runtime: ManagedRuntime.ManagedRuntime<R | Tokens.ActorTokens | Sessions.CardSessions, never>,
  endpoints: ReadonlyArray<Endpoint<R>>,
) => {
  for (const endpoint of endpoints) {
    const honoPath = endpoint.path.replace(/\{(\w+)\}/g, ":$1");
    app.on(endpoint.method.toUpperCase(), honoPath, async (context) => {
      const program = Effect.gen(function* () {
        const actor = endpoint.public === true ? (undefined as never) : yield* authenticate(bearer(context));
        const params = yield* decode(endpoint.params, context.req.param());
        const query = yield* decode(endpoint.query, context.req.query());
        const body = endpoint.body === undefined ? {} : yield* Effect.flatMap(readBody(context), (raw) => decode(endpoint.body, raw));
        return yield* endpoint.handler({ actor, params, query, body });
      });
      const exit = await runtime.runPromiseExit(program);
      if (Exit.isSuccess(exit)) return context.json(exit.value as object, endpoint.status ?? 200);
      const failure = Cause.findErrorOption(exit.cause);
      if (Option.isSome(failure)) {
        const error = failure.value as { readonly _tag: string };
        if (Problem.bodyOf(error) !== undefined) return Problem.toResponse(error);
      }
      // Only a shutdown interrupts a request. A write it had sent may still commit: a client that
      // retries with its expected version then gets a conflict, never a duplicate.
      if (Cause.hasInterruptsOnly(exit.cause)) return Problem.toResponse(Problem.shuttingDown());
      console.error(Cause.pretty(exit.cause));
      return Problem.toResponse(Problem.internal());
    });
  }
};
