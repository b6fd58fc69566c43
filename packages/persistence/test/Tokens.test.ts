import { Actor } from "@comedec/actor";
import { Audit, Tokens } from "@comedec/rgs";
import { assert, describe, layer } from "@effect/vitest";
import { Effect, Result } from "effect";
import { RawSql } from "../src/RawSql.js";
import { adapters } from "../src/Testing.js";

const admin = Actor.Actor.make({ id: "ants-1", name: "Opératrice ANTS", role: "national-administrator", site: { _tag: "national" } });
const editor = Actor.Actor.make({ id: "dev-1", name: "Développeuse", role: "editor", site: { _tag: "editor", editor: "logiciel" } });

const authenticate = (token: string) => Effect.result(Tokens.ActorTokens.use((tokens) => tokens.authenticate(token)));

for (const adapter of adapters) {
  describe(`bearer tokens on ${adapter.name}`, () => {
    layer(adapter.layer(), { timeout: 120_000 })((it) => {
      it.effect("authenticates the issued token, and only with its exact secret", () =>
        Effect.gen(function* () {
          const tokens = yield* Tokens.ActorTokens;
          const { token, info } = yield* tokens.issue(editor, 7, admin, "machine");
          const actor = yield* tokens.authenticate(token);
          // The token's purpose comes back with the actor, for authorisation to narrow its rights.
          const machine = Actor.Actor.make({ ...editor, credential: "machine-token" });
          assert.deepStrictEqual(actor, machine);
          // twice: the second one is answered from the cache, with the same checks
          assert.deepStrictEqual(yield* tokens.authenticate(token), machine);
          const tampered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
          assert.isTrue(Result.isFailure(yield* authenticate(tampered)));
          assert.isTrue(Result.isFailure(yield* authenticate("cmdc_nonsense")));
          assert.isTrue(Result.isFailure(yield* authenticate(`cmdc_${"x".repeat(16)}.${"y".repeat(43)}`)));
          assert.isAtMost(info.expiresAt.getTime(), Date.now() + 7 * 86_400_000);
          // A bootstrap token lives 30 days at most, whatever is asked.
          const bootstrap = yield* tokens.issue(admin, 365, admin, "bootstrap");
          assert.isAtMost(bootstrap.info.expiresAt.getTime(), Date.now() + 30 * 86_400_000);
          assert.strictEqual((yield* tokens.authenticate(bootstrap.token)).credential, "bootstrap-token");
        }),
      );

      it.effect("stores only a hash of the secret, and never lists it", () =>
        Effect.gen(function* () {
          const tokens = yield* Tokens.ActorTokens;
          const { token, info } = yield* tokens.issue(editor, 1, admin, "machine");
          const secret = token.split(".")[1] as string;
          const raw = yield* RawSql;
          const rows = yield* Effect.promise(() =>
            raw.query<{ row: string }>("SELECT row_to_json(t)::text AS row FROM actor_token t WHERE id = $1", [info.id]),
          );
          assert.strictEqual(rows.length, 1);
          assert.notInclude(rows[0]?.row, secret);
          assert.notInclude(rows[0]?.row, Buffer.from(secret).toString("hex"));
          const listed = (yield* tokens.list).find((entry) => entry.id === info.id);
          assert.notInclude(JSON.stringify(listed), secret);
        }),
      );

      it.effect("refuses a revoked token at once, even one verified a moment before", () =>
        Effect.gen(function* () {
          const tokens = yield* Tokens.ActorTokens;
          const { token, info } = yield* tokens.issue(editor, 1, admin, "machine");
          yield* tokens.authenticate(token);
          assert.isTrue(yield* tokens.revoke(info.id, admin));
          assert.isFalse(yield* tokens.revoke(info.id, admin));
          assert.isTrue(Result.isFailure(yield* authenticate(token)));
          const listed = (yield* tokens.list).find((entry) => entry.id === info.id);
          assert.isDefined(listed?.revokedAt);
        }),
      );

      it.effect("refuses an expired token", () =>
        Effect.gen(function* () {
          const tokens = yield* Tokens.ActorTokens;
          const { token, info } = yield* tokens.issue(editor, 1, admin, "machine");
          const raw = yield* RawSql;
          yield* Effect.promise(() => raw.query("UPDATE actor_token SET expires_at = now() - interval '1 second' WHERE id = $1", [info.id]));
          assert.isTrue(Result.isFailure(yield* authenticate(token)));
        }),
      );

      it.effect("records issuance and revocation in the chained log", () =>
        Effect.gen(function* () {
          const report = yield* Audit.AuditTrail.use((trail) => trail.verify);
          assert.isTrue(report.valid);
          assert.isAtLeast(report.events, 5);
        }),
      );
    });
  });
}
