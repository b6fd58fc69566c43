#!/usr/bin/env node
/**
 * A worker process (production: as many as needed, on the API's PostgreSQL and configuration).
 * Mail goes by SMTP to `COMEDEC_SMTP_URL` from `COMEDEC_MAIL_FROM`; without it, notifications
 * stay in the platform's mailbox only. In embedded mode the API runs the worker in its own process.
 */
import * as Platform from "@comedec/platform";
import { Layer, ManagedRuntime, Redacted } from "effect";
import * as Configuration from "./Configuration.js";
import * as Mailer from "./Mailer.js";
import * as Worker from "./Worker.js";

const settings = Platform.Configuration.load(Configuration.worker);
const config = settings.platform;
if (config.databaseUrl === undefined) {
  console.error("The worker runs on PostgreSQL (DATABASE_URL); in embedded mode the API runs its jobs itself.");
  process.exit(64);
}
const mail = Mailer.fromConfiguration(settings.mail);
// Off (no OTLP endpoint), nothing of OpenTelemetry is made: the persistence layer keeps its plain driver.
const tracing = Platform.Tracing.fromConfiguration(settings.tracing);
const persistence = Platform.persistence(config);
const runtime = ManagedRuntime.make(Layer.merge(tracing === undefined ? persistence : persistence.pipe(Layer.provideMerge(tracing.layer)), mail.layer));
// graphile-worker completes and fails jobs in batches whose promise it does not always await: with
// the database away, one may reject unhandled, which would end this process. The job stays locked
// and runs again once the database is back; it is logged, not fatal.
process.on("unhandledRejection", (reason) => {
  console.error(`unhandled rejection (kept running): ${reason instanceof Error ? reason.message : String(reason)}`);
});

// The worker takes jobs as soon as it starts, so the signals are handled from before it starts.
const started = Worker.start(runtime, {
  connectionString: Redacted.value(config.databaseUrl),
  concurrency: settings.concurrency,
  connectionTimeoutMillis: config.timeouts.connectMillis,
  ...(tracing === undefined ? {} : { around: tracing.job }),
});

// SIGTERM: the running jobs finish, the others stay queued for another worker (graphile-worker
// unlocks nothing it has not started); past COMEDEC_SHUTDOWN_TIMEOUT_MS the process exits anyway,
// and the jobs it held are retried once their lock expires or `takeOverDeadWorkers` frees them.
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: stopping — finishing the running jobs`);
  setTimeout(() => process.exit(1), config.timeouts.shutdownMillis).unref();
  void started
    .then((worker) => worker.stop())
    .then(() => runtime.dispose())
    .then(() => tracing?.shutdown().catch(() => undefined))
    .then(() => process.exit(0));
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

await started;
console.error(`COMEDEC worker running on PostgreSQL (${mail.description})`);
