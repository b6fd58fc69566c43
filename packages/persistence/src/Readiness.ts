/**
 * What the readiness probe asks of the database beside answering: whether every migration this
 * version of the code knows has been applied (a process started before its migrations ran, or on a
 * database migrated by a newer version, must not take traffic).
 */
import { Effect } from "effect";
import { provider } from "./internal/Migrations.js";
import { RawSql } from "./RawSql.js";

/** The migrations this version knows that the database has not applied, in order; none when it is ready. */
export const pendingMigrations: Effect.Effect<ReadonlyArray<string>, never, RawSql> = Effect.gen(function* () {
  const raw = yield* RawSql;
  const known = Object.keys(yield* Effect.promise(() => provider.getMigrations())).sort();
  const applied = new Set((yield* Effect.promise(() => raw.query<{ name: string }>("SELECT name FROM kysely_migration"))).map((row) => row.name));
  return known.filter((name) => !applied.has(name));
});
