/**
 * The Hono app: body limit, the endpoints of every route module, the OpenAPI document and docs, the web console,
 * and problem+json for everything that goes wrong outside a handler.
 */
import { Availability } from "@comedec/actor";
import type { CommuneDirectory, EditorRegistry, OnboardingStore } from "@comedec/commune";
import type { AgentCards, AgentStore } from "@comedec/agent";
import type {
  CardManufacturer,
  CardNotifications,
  CardSecrets,
  CardStore,
  CertificateAuthority,
  CertificateRegistry,
  KeyOperations,
  SmartCards,
} from "@comedec/card";
import type { ConventionStore } from "@comedec/convention";
import type { ExchangeStore } from "@comedec/exchange";
import { RawSql, Readiness } from "@comedec/persistence";
import { Authority, type CardAgentKey } from "@comedec/pki";
import { type Audit, RateLimits as Counters, type Retention, type Sessions, type Tokens } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { Hono } from "hono";
import * as Console from "./Console.js";
import * as Docs from "./Docs.js";
import * as Handler from "./Handler.js";
import type * as Metrics from "./Metrics.js";
import { Contract, OpenApi } from "@comedec/http-contract";
import * as NodeRequest from "./NodeRequest.js";
import * as Problem from "./Problem.js";
import * as RateLimits from "./RateLimits.js";
import * as RequestLog from "./RequestLog.js";
import * as Tracing from "./Tracing.js";
import type * as Otel from "@opentelemetry/api";
import * as Agents from "./routes/Agents.js";
import * as AuditRoutes from "./routes/Audit.js";
import * as Cards from "./routes/Cards.js";
import * as Communes from "./routes/Communes.js";
import * as Conventions from "./routes/Conventions.js";
import * as Editors from "./routes/Editors.js";
import * as ExchangeRoutes from "./routes/Exchange.js";
import * as Monitoring from "./routes/Monitoring.js";
import * as Onboarding from "./routes/Onboarding.js";
import * as Pki from "./routes/Pki.js";
import * as PlanningRoutes from "./routes/Planning.js";
import * as SessionRoutes from "./routes/Sessions.js";
import * as CardAgentRoutes from "./routes/CardAgent.js";
import * as AgentOperationRoutes from "./routes/AgentOperations.js";
import * as SelfUnblockRoutes from "./routes/SelfUnblock.js";

/** The rate limits on logging in and typing codes, for who builds the app. */
export { RateLimits };

/** The services the routes need. */
export type Services =
  | CommuneDirectory
  | OnboardingStore
  | ConventionStore
  | EditorRegistry
  | Tokens.ActorTokens
  | RawSql
  | AgentStore
  | AgentCards
  | CardStore
  | CardSecrets
  | CardNotifications
  | CertificateAuthority
  | CertificateRegistry
  | SmartCards
  | CardManufacturer
  | Authority.Revocation
  | Authority.CaCertificates
  | Sessions.CardSessions
  | Audit.AuditTrail
  | Audit.CheckpointSigner
  | Audit.CheckpointPublication
  | Retention.Retention
  | ExchangeStore
  | Counters.RateLimitCounters
  | CardAgentKey.CardAgentKey
  | KeyOperations.KeyOperations;

/** The largest request body accepted: evidence and conventions are small. */
export const maximumBodyBytes = 64 * 1024;

/** The handler of every endpoint of the contract (the PKI's binary routes are registered apart). */
export const handlers: ReadonlyArray<Handler.Handler<Services>> = [
  ...Communes.handlers,
  ...Agents.handlers,
  ...Cards.handlers,
  ...Onboarding.handlers,
  ...Conventions.handlers,
  ...Editors.handlers,
  ...PlanningRoutes.handlers,
  ...Monitoring.handlers,
  ...AuditRoutes.handlers,
  ...SessionRoutes.handlers,
  ...ExchangeRoutes.handlers,
  ...CardAgentRoutes.handlers,
  ...AgentOperationRoutes.handlers,
  ...SelfUnblockRoutes.handlers,
];

/** Refuses to start when an endpoint of the contract has neither a handler nor a PKI route: the contract would promise a 404. */
const checkEveryEndpointServed = () => {
  const served = new Set([...handlers, ...Pki.endpoints.map((endpoint) => ({ endpoint }))].map(({ endpoint }) => endpoint.operationId));
  const missing = Contract.endpoints.filter((endpoint) => !served.has(endpoint.operationId)).map((endpoint) => endpoint.operationId);
  if (missing.length > 0) throw new Error(`endpoints of the contract without a handler: ${missing.join(", ")}`);
};

/** A contract path (`/agents/{id}`) as a pattern of the request paths it stands for (its segments are plain words). */
const pathPattern = (path: string): RegExp => new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`);

/** Builds the app on a runtime that provides the services. */
export const make = (
  runtime: ManagedRuntime.ManagedRuntime<Services, never>,
  options: {
    readonly rateLimits?: RateLimits.RateLimits;
    /** The URL the API is published at (`COMEDEC_PUBLIC_URL`), named as the document's server. */
    readonly publicUrl?: string;
    /** Counts and times every request by route (`main` serves them on `COMEDEC_METRICS_PORT`). */
    readonly metrics?: Metrics.Metrics;
    /** Writes one JSON line per request, with its request id (none written when absent). */
    readonly requestLog?: RequestLog.Writer;
    /** Makes a span of every request, parent of its use cases and statements (`Platform.Tracing`; no span when absent). */
    readonly tracer?: Otel.Tracer;
  } = {},
): Hono => {
  checkEveryEndpointServed();
  const app = new Hono();
  if (options.requestLog !== undefined) app.use("*", RequestLog.middleware(options.requestLog));
  if (options.metrics !== undefined) app.use("*", options.metrics.middleware);
  if (options.tracer !== undefined) app.use("*", Tracing.middleware(options.tracer));
  const limits = RateLimits.middlewares(options.rateLimits ?? RateLimits.defaults, {
    hit: (key, windowSeconds) => runtime.runPromise(Counters.RateLimitCounters.use((counters) => counters.hit(key, windowSeconds))),
    reset: (key) => runtime.runPromise(Counters.RateLimitCounters.use((counters) => counters.reset(key))),
  });
  const limit = (bytes: number) => NodeRequest.bodyLimit(bytes, () => Problem.toResponse(Problem.bodyTooLarge(bytes)));
  // Only the endpoints that declare their own limit (the CSV import of a large commune's agents) take more than a small JSON document.
  const ownLimits = Contract.endpoints.flatMap((endpoint) =>
    endpoint.maximumBodyBytes === undefined
      ? []
      : [{ method: endpoint.method.toUpperCase(), path: pathPattern(endpoint.path), limit: limit(endpoint.maximumBodyBytes) }],
  );
  const smallBody = limit(maximumBodyBytes);
  app.use("*", async (context, next) => {
    const own = ownLimits.find((entry) => entry.method === context.req.method && entry.path.test(context.req.path));
    return (own?.limit ?? smallBody)(context, next);
  });
  const openApi = OpenApi.document(Contract.endpoints, options.publicUrl === undefined ? {} : { serverUrl: options.publicUrl });
  // Unauthenticated on purpose: orchestrators and load balancers probe them, and they tell nothing
  // beyond up or not. Liveness answers while the process serves, whatever the database does (a
  // database restart must not get the API restarted); readiness says whether to send it traffic.
  app.get("/health", (context) => context.json({ status: "ok" }));
  app.get("/ready", async (context) => {
    const check = Effect.gen(function* () {
      const database = yield* RawSql.use((raw) => Effect.promise(() => raw.query("SELECT 1"))).pipe(
        Effect.as("ok" as const),
        Effect.catchDefect(() => Effect.succeed("unavailable" as const)),
      );
      const migrations =
        database === "ok"
          ? yield* Readiness.pendingMigrations.pipe(
              Effect.map((pending) => (pending.length === 0 ? ("applied" as const) : ("pending" as const))),
              Effect.catchDefect(() => Effect.succeed("unknown" as const)),
            )
          : ("unknown" as const);
      const { hierarchy } = yield* Authority.CaCertificates;
      const now = Date.now();
      const open = [hierarchy.root, hierarchy.issuing].every((ca) => ca.key !== undefined && ca.notAfter.getTime() > now);
      return { database, migrations, caKeys: open ? ("open" as const) : ("closed" as const) };
    });
    const report = await runtime.runPromise(check);
    const ready = report.database === "ok" && report.migrations === "applied" && report.caKeys === "open";
    if (!ready) context.header("retry-after", String(Availability.retryAfterSeconds));
    return context.json({ status: ready ? "ready" : "not-ready", ...report }, ready ? 200 : 503);
  });
  Pki.register(app, runtime);
  app.get("/openapi.json", (context) => context.json(openApi));
  Docs.register(app);
  Console.register(app);
  Handler.register<Services>(app, runtime, handlers, { login: limits.login, "code-entry": limits.codeEntry });
  app.notFound(() => Problem.toResponse(Problem.notFound()));
  app.onError((error) => {
    // A route outside the handlers (the PKI's) met the database away: a 503 to retry, not a bug.
    const unavailable = [error, (error as { readonly cause?: unknown }).cause].find(Availability.isDatabaseUnavailable);
    if (unavailable !== undefined) return Problem.toResponse(unavailable, { "retry-after": String(Availability.retryAfterSeconds) });
    console.error(error);
    return Problem.toResponse(Problem.internal());
  });
  return app;
};
