/**
 * Starts the platform: the API on its configured database, with the communes loaded and an
 * administrator token available on first start.
 *
 * Embedded mode (no DATABASE_URL) runs everything from this process: a PostgreSQL server of its
 * own on a private Unix socket of the data directory (ADR 0013), the API, and the worker's jobs (notifications, CRLs, renewals, digests, audit
 * checkpoints, retention). In production the jobs run in separate worker processes
 * (`comedec-worker`), unless COMEDEC_WORKER=in-process asks for them here too.
 *
 * SIGTERM (or SIGINT) stops gracefully: no new connection is accepted, the requests in flight
 * finish, the worker finishes its running jobs and leaves the others queued, then the database
 * closes; past COMEDEC_SHUTDOWN_TIMEOUT_MS the process exits anyway (PostgreSQL rolls back what a
 * cut request had not committed).
 */
import { serve } from "@hono/node-server";
import * as Platform from "@comedec/platform";
import * as Worker from "@comedec/worker";
import * as Mailer from "@comedec/worker/mailer";
import { Effect, Layer, ManagedRuntime, Redacted } from "effect";
import * as App from "./App.js";
import * as Configuration from "./Configuration.js";
import * as EmbeddedCardAgent from "./EmbeddedCardAgent.js";
import * as Metrics from "./Metrics.js";
import * as RequestLog from "./RequestLog.js";
import { RawSql } from "@comedec/persistence";

const settings = Platform.Configuration.load(Configuration.api);
let stopping = false;
const config = settings.platform;
const embedded =
  config.databaseUrl === undefined
    ? await Platform.startEmbeddedServer(config.dataDir, (reason) => {
        // Without its database the embedded platform can only answer 503: better to stop, saying why, and be restarted.
        if (stopping) return;
        console.error(`${reason}: the embedded database is gone, stopping`);
        process.exit(70);
      }).catch((error: unknown) => {
        if (!(error instanceof Platform.EmbeddedServerRunning)) throw error;
        console.error(`${error.message}: stop it first, or give this one its own COMEDEC_DATA_DIR`);
        process.exit(69);
      })
    : undefined;
const databaseUrl = embedded === undefined ? (config.databaseUrl as Redacted.Redacted<string>) : Redacted.make(embedded.connectionString);
const mail = Mailer.fromConfiguration(settings.mail);
// Off (no OTLP endpoint), nothing of OpenTelemetry is made: the persistence layer keeps its plain driver.
const tracing = Platform.Tracing.fromConfiguration(settings.tracing);
const persistence = Platform.persistence({ ...config, databaseUrl });
const runtime = ManagedRuntime.make(Layer.merge(tracing === undefined ? persistence : persistence.pipe(Layer.provideMerge(tracing.layer)), mail.layer));
const tokenFile = await runtime.runPromise(Effect.andThen(Platform.importCommunesIfEmpty, Platform.ensureAdministratorToken(config)));
const worker =
  embedded !== undefined || settings.inProcessWorker
    ? await Worker.start(runtime, {
        connectionString: Redacted.value(databaseUrl),
        concurrency: settings.workerConcurrency,
        connectionTimeoutMillis: config.timeouts.connectMillis,
        ...(tracing === undefined ? {} : { around: tracing.job }),
      })
    : undefined;
const metricsPort = settings.metrics.port;
const metrics = metricsPort === undefined ? undefined : Metrics.make(await runtime.runPromise(RawSql.use((raw) => Effect.succeed(raw.query))));
const metricsServer =
  metrics === undefined
    ? undefined
    : serve({ fetch: metrics.app.fetch, port: metricsPort as number, hostname: settings.metrics.host }, (info) =>
        console.error(`metrics on http://${info.address}:${info.port}/metrics`),
      );
const idleConnectionMillis = 65_000;
const server = serve(
  {
    fetch: App.make(runtime, {
      rateLimits: { ...App.RateLimits.defaults, trustProxy: settings.trustProxy },
      publicUrl: config.publicUrl,
      ...(metrics === undefined ? {} : { metrics }),
      ...(settings.requestLog === "json" ? { requestLog: RequestLog.stdout } : {}),
      ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
    }).fetch,
    port: config.port,
    hostname: settings.host,
  },
  (info) => {
    const database = embedded === undefined ? "PostgreSQL" : `embedded PostgreSQL in ${config.dataDir}`;
    const jobs = worker === undefined ? "jobs in the worker processes" : `jobs in this process, ${mail.description}`;
    const traces = settings.tracing === undefined ? "" : `; traces to ${new URL(settings.tracing.endpoint).origin}`;
    console.error(`COMEDEC API on http://${info.address}:${info.port} (${database}; ${jobs}${traces})`);
    console.error(`API docs: http://${info.address}:${info.port}/docs — administrator token in ${tokenFile}`);
    console.error(`Console: http://${info.address}:${info.port}/console (sign in with a card through comedec-card-agent, or once with the bootstrap token)`);
  },
);

// Clients and reverse proxies keep idle connections to reuse them. Node closes an idle one after
// 5 s by default, and a request sent at that instant fails with "other side closed" (seen under
// load, when a busy event loop makes both ends' timers coincide). Idle connections are kept
// longer than the usual proxy pools (60 s), so it is always the client that closes first.
(server as { keepAliveTimeout: number }).keepAliveTimeout = idleConnectionMillis;

// graphile-worker completes and fails jobs in batches whose promise it does not always await: with
// the database away, one may reject unhandled, which would end this process. The job stays locked
// and runs again once the database is back; it is logged, not fatal.
process.on("unhandledRejection", (reason) => {
  console.error(`unhandled rejection (kept running): ${reason instanceof Error ? reason.message : String(reason)}`);
});

const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping — finishing the requests in flight and the running jobs`);
  setTimeout(() => {
    console.error(`still busy after ${config.timeouts.shutdownMillis} ms: exiting now`);
    process.exit(1);
  }, config.timeouts.shutdownMillis).unref();
  void (async () => {
    // Stops accepting, closes idle keep-alive connections, and resolves once the requests in flight are answered.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    });
    metricsServer?.close();
    await cardAgent?.close();
    await worker?.stop();
    await runtime.dispose();
    await tracing?.shutdown().catch(() => undefined);
    await embedded?.stop();
    process.exit(0);
  })();
};
// Embedded on virtual cards, this machine is also the workstation: its card agent runs here, on the API's own simulator.
const cardAgent =
  embedded !== undefined && config.pkcs11Library === undefined && settings.embeddedCardAgentPort !== undefined
    ? await (server.listening ? Promise.resolve() : new Promise<void>((resolve) => server.once("listening", () => resolve()))).then(() =>
        EmbeddedCardAgent.start(runtime, {
          platformUrl: config.publicUrl,
          consoleOrigin: new URL(config.publicUrl).origin,
          port: settings.embeddedCardAgentPort as number,
        }),
      )
    : undefined;
if (cardAgent !== undefined)
  console.error(`card agent on ${cardAgent.url} (virtual cards of ${config.dataDir}/cards), for the console at ${new URL(config.publicUrl).origin}`);

process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
