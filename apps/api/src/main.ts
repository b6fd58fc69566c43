/**
 * Starts the platform: the API on its configured database, with the communes loaded and an
 * administrator token available on first start.
 */
import { serve } from "@hono/node-server";
import { Authority } from "@comedec/pki";
import { Audit, Retention } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import * as App from "./App.js";
import * as Platform from "./Platform.js";

const config = Platform.configuration();
const runtime = ManagedRuntime.make(Platform.persistence(config));
const tokenFile = await runtime.runPromise(Effect.andThen(Platform.importCommunesIfEmpty, Platform.ensureAdministratorToken(config)));
const server = serve(
  {
    fetch: App.make(runtime, { rateLimits: { ...App.RateLimits.defaults, trustProxy: process.env.COMEDEC_TRUST_PROXY === "1" } }).fetch,
    port: config.port,
    hostname: process.env.HOST ?? "127.0.0.1",
  },
  (info) => {
    console.error(
      `COMEDEC API on http://${info.address}:${info.port} (${config.databaseUrl === undefined ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL"})`,
    );
    console.error(`API docs: http://${info.address}:${info.port}/docs — administrator token in ${tokenFile}`);
  },
);

// Every hour (and now): the audit trail's head is signed, so a rewrite of the log is found, and
// a CRL older than 12 hours is replaced, so the published one is never older than 24 (RGS 3*).
// The worker takes these over in production.
const hourly = () =>
  void runtime
    .runPromise(Effect.all([Audit.checkpoint, Authority.Revocation.use((revocation) => revocation.currentCrl)]))
    .catch((error: unknown) => console.error("hourly checkpoint or CRL failed:", error));
hourly();
const checkpoints = setInterval(hourly, 3_600_000);
// What has outlived its retention goes once a day.
const purgeExpired = () =>
  void runtime
    .runPromise(Retention.Retention.use((retention) => retention.purge(new Date(), Platform.system)))
    .catch((error: unknown) => console.error("retention purge failed:", error));
const purges = setInterval(purgeExpired, 86_400_000);

const stop = () => {
  clearInterval(checkpoints);
  clearInterval(purges);
  server.close();
  void runtime.dispose().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
