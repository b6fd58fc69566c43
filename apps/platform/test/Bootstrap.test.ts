/**
 * The national administrator's bootstrap token: issued at the first start only, for a day at most,
 * written to a file only its owner reads; a later start issues none, even once it has expired or
 * been revoked (further tokens come from an administrator or the operator's command line).
 */
import { Persistence } from "@comedec/persistence";
import { Tokens } from "@comedec/rgs";
import { assert, describe, it } from "@effect/vitest";
import { Effect } from "effect";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Platform as Configuration } from "../src/Configuration.js";
import * as Platform from "../src/Platform.js";

describe("the bootstrap token", () => {
  it.effect("is issued once, at the first start, and expires within 24 hours", () =>
    Effect.gen(function* () {
      const dataDir = mkdtempSync(join(tmpdir(), "comedec-bootstrap-"));
      const config = { dataDir } as Configuration;
      try {
        const file = yield* Platform.ensureAdministratorToken(config);
        const first = readFileSync(file, "utf8").trim();
        assert.strictEqual(statSync(file).mode & 0o777, 0o600);
        const issued = yield* Tokens.ActorTokens.use((tokens) => tokens.list);
        assert.strictEqual(issued.length, 1);
        const token = issued[0] as (typeof issued)[number];
        assert.isTrue(token.expiresAt.getTime() <= Date.now() + 24 * 3_600_000);
        // A second start issues nothing, even once the first token is revoked.
        yield* Platform.ensureAdministratorToken(config);
        yield* Tokens.ActorTokens.use((tokens) => tokens.revoke(token.id, Platform.system));
        yield* Platform.ensureAdministratorToken(config);
        assert.strictEqual((yield* Tokens.ActorTokens.use((tokens) => tokens.list)).length, 1);
        assert.strictEqual(readFileSync(file, "utf8").trim(), first);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }).pipe(Effect.provide(Persistence.pglite({ secretKey: Buffer.alloc(32, 7) }))),
  );
});
