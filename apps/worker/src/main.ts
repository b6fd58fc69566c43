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
const runtime = ManagedRuntime.make(Layer.merge(Platform.persistence(config), mail.layer));
const worker = await Worker.start(runtime, { connectionString: Redacted.value(config.databaseUrl), concurrency: settings.concurrency });
console.error(`COMEDEC worker running on PostgreSQL (${mail.description})`);

const stop = () => void worker.stop().then(() => runtime.dispose().then(() => process.exit(0)));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
