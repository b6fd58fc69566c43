/**
 * The platform's services for in-process tests: a persistence adapter, an in-memory CA and
 * virtual cards in memory — the same wiring as `Platform.persistence`, minus the files.
 */
import type { Persistence } from "@comedec/persistence";
import type { Layer } from "effect";
import * as Platform from "../src/Platform.js";

/** Every service the app needs, on a persistence layer. */
export const on = (persistence: Layer.Layer<Persistence.Ports>): ReturnType<typeof Platform.services> =>
  Platform.services(persistence, { pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" }, simulator: { seed: "api-tests" } });
