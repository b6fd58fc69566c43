/**
 * The API's configuration: the platform's, the listener, the rate limits behind a proxy, and the
 * jobs it runs itself (always in embedded mode, on PostgreSQL with `COMEDEC_WORKER=in-process`).
 */
import { Configuration } from "@comedec/platform";
import { Config, Schema } from "effect";

/** What `main` reads once at start. */
export interface Api {
  readonly platform: Configuration.Platform;
  readonly host: string;
  readonly trustProxy: Configuration.TrustedProxies;
  readonly inProcessWorker: boolean;
  readonly workerConcurrency: number;
  readonly mail: Configuration.Mail;
  /** Where `/metrics` is served (`COMEDEC_METRICS_PORT`, off when unset; `COMEDEC_METRICS_HOST`, 127.0.0.1). */
  readonly metrics: { readonly port: number | undefined; readonly host: string };
  /** The JSON request log on standard output (`COMEDEC_REQUEST_LOG`: `json`, the default, or `off`). */
  readonly requestLog: "json" | "off";
  /** The OpenTelemetry traces (the `OTEL_*` variables); `undefined`, nothing traced, without an OTLP endpoint. */
  readonly tracing: Configuration.Tracing | undefined;
  /**
   * The card agent the embedded platform runs on its virtual cards, as a workstation would
   * (`COMEDEC_CARD_AGENT_PORT`, 7300; `off` for none): never in production, where it runs on the
   * agents' workstations.
   */
  readonly embeddedCardAgentPort: number | undefined;
}

/** The embedded card agent's port (`COMEDEC_CARD_AGENT_PORT`: 7300 by default, `off` for none). */
export const embeddedCardAgentPort: Config.Config<number | undefined> = Config.schema(
  Schema.String.check(
    Schema.makeFilter((value: string) => value === "off" || (/^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535), {
      message: "a port number from 1 to 65535, or off, expected",
    }),
  ),
  "COMEDEC_CARD_AGENT_PORT",
).pipe(
  Config.map((value) => (value === "off" ? undefined : Number(value))),
  Config.withDefault(7300 as number | undefined),
);

/** The Prometheus port (`COMEDEC_METRICS_PORT`): unset, no metrics are served. */
export const metricsPort: Config.Config<number | undefined> = Config.schema(
  Schema.String.check(
    Schema.makeFilter((value: string) => /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535, {
      message: "a port number from 1 to 65535 expected",
    }),
  ),
  "COMEDEC_METRICS_PORT",
).pipe(Config.map(Number), Config.withDefault(undefined));

/** The address `/metrics` listens on (`COMEDEC_METRICS_HOST`, 127.0.0.1: only the host's own Prometheus agent reaches it). */
export const metricsHost: Config.Config<string> = Config.schema(
  Schema.String.check(Schema.makeFilter((value: string) => /^[^\s/]+$/.test(value), { message: "a host name or an IP address expected" })),
  "COMEDEC_METRICS_HOST",
).pipe(Config.withDefault("127.0.0.1"));

/** The request log (`COMEDEC_REQUEST_LOG`, `json` or `off`). */
export const requestLog: Config.Config<"json" | "off"> = Config.schema(Schema.Literals(["json", "off"]), "COMEDEC_REQUEST_LOG").pipe(
  Config.withDefault("json" as const),
);

/** The API's configuration, from the shared pieces. */
export const api: Config.Config<Api> = Config.all({
  platform: Configuration.platform,
  host: Configuration.host,
  trustProxy: Configuration.trustProxy,
  inProcessWorker: Configuration.inProcessWorker,
  workerConcurrency: Configuration.workerConcurrency(2),
  mail: Configuration.mail,
  metrics: Config.all({ port: metricsPort, host: metricsHost }),
  requestLog,
  tracing: Configuration.tracing("comedec-api"),
  embeddedCardAgentPort,
});
