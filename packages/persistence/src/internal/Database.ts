/**
 * The database handle shared by the repositories of this package: a Kysely instance on PGlite
 * (embedded) or on PostgreSQL through a `pg` pool, migrated when the layer starts. Internal, so
 * Kysely's and pg's types never cross the package's edge.
 */
import { Availability } from "@comedec/actor";
import { PGlite } from "@electric-sql/pglite";
import { Context, Effect, Layer } from "effect";
import { hash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { type DatabaseIntrospector, type Dialect, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { observeDialect, StatementSpans } from "../StatementSpans.js";
import { provider } from "./Migrations.js";
import type { Tables } from "./Tables.js";

/**
 * The migrated database. On PostgreSQL, `copyOut` also streams the output of a `COPY … TO STDOUT`
 * (for the audit verification, which reads the whole log); PGlite has no such stream.
 */
export class Database extends Context.Service<Database, { readonly db: Kysely<Tables>; readonly copyOut?: (statement: string) => AsyncIterable<Buffer> }>()(
  "@comedec/persistence/Database",
) {}

/**
 * What the migrator asks of the catalog — whether its schema and its two tables exist — read from
 * `information_schema` for those tables alone. Kysely's own introspector reads every column of
 * every table (`pg_get_serial_sequence` on each), so another program altering its own schema at
 * that moment (the job engine's migrations, at the worker's start) failed our start with
 * "column … does not exist".
 */
const migrationIntrospector = (db: Kysely<Tables>): DatabaseIntrospector => ({
  getSchemas: () => db.introspection.getSchemas(),
  getTables: async () => {
    const { rows } = await sql<{ readonly schema: string; readonly name: string }>`
      SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name IN ('kysely_migration', 'kysely_migration_lock')`.execute(db);
    return rows.map((row) => ({ ...row, isView: false, isForeign: false, columns: [] }));
  },
});

// The database as the migrator sees it: the same instance, but with the narrow introspector above.
// Methods are bound to the instance, whose private fields a proxy cannot reach.
const forMigrator = (db: Kysely<Tables>): Kysely<Tables> => {
  const introspection = migrationIntrospector(db);
  return new Proxy(db, {
    get: (target, property) => {
      if (property === "introspection") return introspection;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
};

const migrate = (db: Kysely<Tables>) =>
  Effect.promise(async () => {
    const { error } = await new Migrator({ db: forMigrator(db), provider }).migrateToLatest();
    if (error !== undefined) throw error;
  });

/** The Kysely instance on `dialect`, its statements observed when the platform traces them (`StatementSpans`), migrated. */
const acquire = (dialect: () => Dialect, copyOut?: (statement: string) => AsyncIterable<Buffer>) =>
  Effect.flatMap(Effect.service(StatementSpans), (observer) =>
    Effect.acquireRelease(
      Effect.sync(() => new Kysely<Tables>({ dialect: observeDialect(dialect(), observer) })),
      (db) => Effect.promise(() => db.destroy()),
    ),
  ).pipe(
    Effect.tap(migrate),
    Effect.map((db) => Database.of(copyOut === undefined ? { db } : { db, copyOut })),
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
      (client) => acquire(() => new PGliteDialect(client)),
    ),
  );

/** Options of a PostgreSQL server connection. */
export interface PostgresOptions {
  readonly connectionString: string;
  /** Pool size; 10 by default. */
  readonly maxConnections?: number;
  /** How long to wait for a connection (from the pool, or a new one) before the database counts as away; 5 s by default. */
  readonly connectionTimeoutMillis?: number;
  /** The longest a statement may run (PostgreSQL's `statement_timeout`, and the client's read timeout just above it); 30 s by default. */
  readonly statementTimeoutMillis?: number;
}

// SQLSTATE classes and codes that say the server, not the statement, failed: connection
// exceptions (08), too many connections, admin/crash shutdown, cannot connect now, and a
// statement cancelled by its timeout (the server too slow to answer in time).
const unavailableStates = new Set(["53300", "57P01", "57P02", "57P03", "57014"]);

/**
 * The one place a `pg` failure is classified: a connection refused, dropped or timed out, or the
 * server shutting down, becomes `DatabaseUnavailable`; anything else (a constraint, a syntax error)
 * is passed on as it is. pg's server errors are `DatabaseError`s carrying a SQLSTATE; its socket
 * errors carry Node's system code (`ECONNREFUSED`…); its own connection errors ("Connection
 * terminated", "Query read timeout") carry neither and are not TypeErrors of the caller's values.
 */
export const classify = (error: unknown): unknown => {
  if (Availability.isDatabaseUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof pg.DatabaseError) {
    const state = error.code ?? "";
    return state.startsWith("08") || unavailableStates.has(state) ? new Availability.DatabaseUnavailable({ reason: `${state}: ${reason}` }) : error;
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return error;
  const code = (error as { readonly code?: unknown } | undefined)?.code;
  if (typeof code === "string" && !/^E[A-Z]+$/.test(code)) return error;
  return new Availability.DatabaseUnavailable({ reason });
};

const rethrow = (error: unknown): never => {
  throw classify(error);
};

/**
 * The statements sent as named prepared statements: planning a small statement costs the server
 * more than running it (a login's certificate lookup, through the view of withdrawn certificates,
 * took 4 ms to plan and 0.3 ms to run), and a prepared one is planned once per connection. Only
 * statements with parameters (the rest go through the simple protocol, which also carries the
 * migrations' multi-statement scripts), and at most this many distinct texts a process, as each
 * stays prepared on every connection that ran it.
 */
const preparedLimit = 1_000;
const preparedNames = new Map<string, string>();
const preparedName = (text: string): string | undefined => {
  const known = preparedNames.get(text);
  if (known !== undefined || preparedNames.size >= preparedLimit) return known;
  const name = `comedec_${hash("sha256", text, "hex").slice(0, 24)}`;
  preparedNames.set(text, name);
  return name;
};

/** A pooled client whose failures are classified, its statements with parameters prepared: what Kysely's driver calls, nothing more. */
const classified = (client: pg.PoolClient): PostgresPoolClient => ({
  query: ((query: unknown, parameters?: ReadonlyArray<unknown>) => {
    if (typeof query !== "string") return client.query(query as never);
    const name = parameters !== undefined && parameters.length > 0 ? preparedName(query) : undefined;
    return (
      name === undefined ? client.query(query, parameters as Array<unknown>) : client.query({ name, text: query, values: parameters as Array<unknown> })
    ).catch(rethrow);
  }) as unknown as PostgresPoolClient["query"],
  release: (destroy?: boolean) => client.release(destroy),
});

/**
 * A pool that survives the server going away (a restart, a failover, an administrator's
 * terminate): an `error` listener on the pool (idle connections) and on every client (a
 * connection dropped while checked out, between two statements), without which pg re-throws the
 * error and the process dies; timeouts on connecting and on every statement, so a request never
 * waits on a server that does not answer. The pool replaces broken connections on the next query.
 */
export const resilientPool = (options: PostgresOptions): pg.Pool => {
  const statementTimeout = options.statementTimeoutMillis ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 2_000,
    idle_in_transaction_session_timeout: statementTimeout * 2,
    keepAlive: true,
  });
  const report = (error: Error) => console.error(`postgres: a connection failed (${error.message}); it is replaced on the next query`);
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  return pool;
};

/** PostgreSQL through a `pg` pool, every failure classified at this edge. */
export const layerPostgres = (options: PostgresOptions) =>
  Layer.effect(
    Database,
    Effect.suspend(() => {
      const pool = resilientPool(options);
      const edge: PostgresPool = {
        connect: () => pool.connect().then(classified, rethrow),
        end: () => pool.end(),
        options: pool.options,
      };
      return acquire(
        () => new PostgresDialect({ pool: edge }),
        (statement) => copyOutOf(pool, statement),
      );
    }),
  );

/** The bytes a `COPY … TO STDOUT` sends, chunk by chunk, on a connection of the pool held until the last (or until the reader stops). */
async function* copyOutOf(pool: pg.Pool, statement: string): AsyncGenerator<Buffer> {
  const client = await pool.connect().catch(rethrow);
  let failed: unknown;
  try {
    const stream = client.query(copyTo(statement));
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      failed = error;
      throw classify(error);
    } finally {
      // A reader that stops early leaves the COPY unfinished on this connection: it is not given back.
      if (!stream.readableEnded) failed ??= new Error("COPY not read to its end");
      stream.destroy();
    }
  } finally {
    client.release(failed !== undefined);
  }
}
