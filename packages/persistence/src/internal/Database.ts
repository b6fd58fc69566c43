/**
 * The database handle shared by the repositories of this package: a Kysely instance on PGlite
 * (embedded) or on PostgreSQL through a `pg` pool, migrated when the layer starts. Internal, so
 * Kysely's and pg's types never cross the package's edge.
 */
import { PGlite } from "@electric-sql/pglite";
import { Context, Effect, Layer } from "effect";
import { mkdir } from "node:fs/promises";
import { Kysely, PostgresDialect } from "kysely";
import { Migrator } from "kysely/migration";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { provider } from "./Migrations.js";
import type { Tables } from "./Tables.js";

/** The migrated database. */
export class Database extends Context.Service<Database, { readonly db: Kysely<Tables> }>()("@comedec/persistence/Database") {}

const migrate = (db: Kysely<Tables>) =>
  Effect.promise(async () => {
    const { error } = await new Migrator({ db, provider }).migrateToLatest();
    if (error !== undefined) throw error;
  });

const acquire = (makeDb: () => Kysely<Tables>) =>
  Effect.acquireRelease(Effect.sync(makeDb), (db) => Effect.promise(() => db.destroy())).pipe(
    Effect.tap(migrate),
    Effect.map((db) => Database.of({ db })),
  );

/** Options of the embedded database. */
export interface PgliteOptions {
  /** Data directory; in memory when absent (tests). */
  readonly dataDir?: string;
}

/** PGlite: real PostgreSQL compiled to WebAssembly, in this process. */
export const layerPglite = (options: PgliteOptions = {}) =>
  Layer.effect(
    Database,
    Effect.flatMap(
      Effect.promise(async () => {
        if (options.dataDir === undefined) return PGlite.create();
        await mkdir(options.dataDir, { recursive: true });
        return PGlite.create({ dataDir: options.dataDir });
      }),
      (client) => acquire(() => new Kysely<Tables>({ dialect: new PGliteDialect(client) })),
    ),
  );

/** Options of a PostgreSQL server connection. */
export interface PostgresOptions {
  readonly connectionString: string;
  /** Pool size; 10 by default. */
  readonly maxConnections?: number;
}

/**
 * A pool that survives the server dropping idle connections (a restart, a failover, an
 * administrator's terminate): without an `error` listener, pg re-throws such an error and the
 * process dies. The pool replaces the connection on the next query.
 */
const resilientPool = (options: PostgresOptions) => {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  pool.on("error", (error) => console.error(`postgres: an idle connection was closed by the server (${error.message})`));
  return pool;
};

/** PostgreSQL through a `pg` pool. */
export const layerPostgres = (options: PostgresOptions) =>
  Layer.effect(
    Database,
    acquire(() => new Kysely<Tables>({ dialect: new PostgresDialect({ pool: resilientPool(options) }) })),
  );
