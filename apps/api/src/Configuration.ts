/**
 * The API's configuration: the platform's, the listener, the rate limits behind a proxy, and the
 * jobs it runs itself (always in embedded mode, on PostgreSQL with `COMEDEC_WORKER=in-process`).
 */
import { Configuration } from "@comedec/platform";
import { Config } from "effect";

/** What `main` reads once at start. */
export interface Api {
  readonly platform: Configuration.Platform;
  readonly host: string;
  readonly trustProxy: Configuration.TrustedProxies;
  readonly inProcessWorker: boolean;
  readonly workerConcurrency: number;
  readonly mail: Configuration.Mail;
}

/** The API's configuration, from the shared pieces. */
export const api: Config.Config<Api> = Config.all({
  platform: Configuration.platform,
  host: Configuration.host,
  trustProxy: Configuration.trustProxy,
  inProcessWorker: Configuration.inProcessWorker,
  workerConcurrency: Configuration.workerConcurrency(2),
  mail: Configuration.mail,
});
