/**
 * The platform's services for in-process tests: a persistence adapter, an in-memory CA, and
 * either virtual cards in memory or SoftHSM2 tokens through PKCS#11 — the same wiring as
 * `Platform.persistence`, minus the files.
 */
import type { Persistence } from "@comedec/persistence";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Simulator } from "@comedec/smartcard-simulator";
import { type Clock, Effect, Layer } from "effect";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Platform from "@comedec/platform";
import * as RateLimits from "../src/RateLimits.js";

/** Where SoftHSM2's module is, when Debian's package is installed (`.ci/run` installs it). */
export const softHsmLibrary = process.env.SOFTHSM2_LIB ?? "/usr/lib/softhsm/libsofthsm2.so";

/** The card drivers a suite runs against: the simulator always, SoftHSM2 when installed. */
export const drivers: ReadonlyArray<"simulator" | "softhsm"> = existsSync(softHsmLibrary) ? ["simulator", "softhsm"] : ["simulator"];

let softHsmConfigured = false;
const softHsm = () => {
  if (!softHsmConfigured) {
    // SoftHSM reads its configuration when the module initialises: a token directory of this run's own.
    const directory = mkdtempSync(join(tmpdir(), "softhsm-api-"));
    mkdirSync(join(directory, "tokens"));
    writeFileSync(join(directory, "softhsm2.conf"), `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    process.env.SOFTHSM2_CONF = join(directory, "softhsm2.conf");
    softHsmConfigured = true;
  }
  return Layer.orDie(Pkcs11.layer({ library: softHsmLibrary }));
};

/** Every service the app needs, on a persistence layer and a card driver. */
export const on = (persistence: Layer.Layer<Persistence.Ports>, driver: "simulator" | "softhsm" = "simulator"): ReturnType<typeof Platform.services> =>
  Platform.services(persistence, {
    pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" },
    smartCards: driver === "simulator" ? Simulator.layer({ seed: "api-tests" }) : softHsm(),
  });

/**
 * Rate limits a suite that walks many cards from one address stays under; the limits themselves
 * are tested with their defaults in RateLimits.test.ts.
 */
export const suiteRateLimits = { rateLimits: { ...RateLimits.defaults, login: 100_000, codeEntry: 100_000 } };

/** A clock stopped at an instant: a use case run on it sees that day, for deadlines and validity. */
export const clockAt = (millis: number): Clock.Clock => ({
  currentTimeMillisUnsafe: () => millis,
  currentTimeMillis: Effect.succeed(millis),
  monotonicTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  monotonicTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  currentTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  currentTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  sleep: () => Effect.void,
});
