/** A worker process's configuration: the platform's (on PostgreSQL), how many jobs at once, and the mail. */
import { Configuration } from "@comedec/platform";
import { Config } from "effect";

/** What `main` reads once at start. */
export interface Worker {
  readonly platform: Configuration.Platform;
  readonly concurrency: number;
  readonly mail: Configuration.Mail;
  /** The OpenTelemetry traces (the `OTEL_*` variables); `undefined`, nothing traced, without an OTLP endpoint. */
  readonly tracing: Configuration.Tracing | undefined;
}

/** The worker's configuration, from the shared pieces. */
export const worker: Config.Config<Worker> = Config.all({
  platform: Configuration.platform,
  concurrency: Configuration.workerConcurrency(4),
  mail: Configuration.mail,
  tracing: Configuration.tracing("comedec-worker"),
});
