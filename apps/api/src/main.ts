/**
 * Starts the platform: the API on its configured database, with the communes loaded and an
 * administrator token available on first start.
 *
 * Embedded mode (no DATABASE_URL) runs everything in this process: PGlite served on a private
 * Unix socket, the API, and the worker's jobs (notifications, CRLs, renewals, digests, audit
 * checkpoints, retention). In production the jobs run in separate worker processes
 * (`comedec-worker`), unless COMEDEC_WORKER=in-process asks for them here too.
 */
import { serve } from "@hono/node-server";
import * as Platform from "@comedec/platform";
import * as Worker from "@comedec/worker";
import * as Mailer from "@comedec/worker/mailer";
import { Effect, Layer, ManagedRuntime, Redacted } from "effect";
import * as App from "./App.js";
import * as Configuration from "./Configuration.js";

const settings = Platform.Configuration.load(Configuration.api);
const config = settings.platform;
const embedded =
  config.databaseUrl === undefined
    ? await Platform.startEmbeddedServer(config.dataDir).catch((error: unknown) => {
        if (!(error instanceof Platform.EmbeddedServerRunning)) throw error;
        console.error(`${error.message}: stop it first, or give this one its own COMEDEC_DATA_DIR`);
        process.exit(69);
      })
    : undefined;
const databaseUrl = embedded === undefined ? (config.databaseUrl as Redacted.Redacted<string>) : Redacted.make(embedded.connectionString);
const mail = Mailer.fromConfiguration(settings.mail);
const runtime = ManagedRuntime.make(Layer.merge(Platform.persistence({ ...config, databaseUrl }), mail.layer));
const tokenFile = await runtime.runPromise(Effect.andThen(Platform.importCommunesIfEmpty, Platform.ensureAdministratorToken(config)));
const worker =
  embedded !== undefined || settings.inProcessWorker
    ? await Worker.start(runtime, { connectionString: Redacted.value(databaseUrl), concurrency: settings.workerConcurrency })
    : undefined;
const server = serve(
  {
    fetch: App.make(runtime, { rateLimits: { ...App.RateLimits.defaults, trustProxy: settings.trustProxy }, publicUrl: config.publicUrl }).fetch,
    port: config.port,
    hostname: settings.host,
  },
  (info) => {
    const database = embedded === undefined ? "PostgreSQL" : `embedded PGlite in ${config.dataDir}`;
    const jobs = worker === undefined ? "jobs in the worker processes" : `jobs in this process, ${mail.description}`;
    console.error(`COMEDEC API on http://${info.address}:${info.port} (${database}; ${jobs})`);
    console.error(`API docs: http://${info.address}:${info.port}/docs — administrator token in ${tokenFile}`);
  },
);

const stop = () => {
  server.close();
  void (async () => {
    await worker?.stop();
    await runtime.dispose();
    await embedded?.stop();
    process.exit(0);
  })();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
