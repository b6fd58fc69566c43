/**
 * A process of the platform that revokes one card and dies: run on the built packages with
 * `COMEDEC_TEST_KILL_AT=after-card-commit`, it SIGKILLs itself after the card's commit and before
 * the CRL's publication (argv: the PostgreSQL URL, the card, the operator as JSON).
 */
import { Actor } from "@comedec/actor";
import { Persistence } from "@comedec/persistence";
import { Local } from "@comedec/pgca";
import * as Platform from "@comedec/platform";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, ManagedRuntime } from "effect";

const [connectionString, card, operator] = process.argv.slice(2);
const runtime = ManagedRuntime.make(
  Platform.services(Persistence.postgres({ connectionString }), {
    pki: { passphrase: "child", baseUrl: "http://127.0.0.1/pki" },
    smartCards: Simulator.layer({ seed: "child" }),
    killAt: Platform.Configuration.load(Platform.Configuration.testKillAt),
  }),
);
await runtime.runPromise(
  Local.forActor(Actor.Actor.make(JSON.parse(operator)), (platform) =>
    platform.revoke(card, { revocationReason: "keyCompromise", reason: "carte volée" }),
  ).pipe(Effect.asVoid),
);
console.log("revoked and still alive");
await runtime.dispose();
