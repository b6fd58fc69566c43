/**
 * Plain SQL on the adapter's own connection pool, for what must bypass the repositories: the
 * readiness probe, and the benchmarks' raw baselines, which must share the pool the platform uses
 * for the ratio between them to mean anything. Never for domain writes: those go through the
 * ports, so they are validated and land in the event log.
 */
import { Context, Effect, Layer } from "effect";
import { CompiledQuery, type Kysely } from "kysely";
import { Database } from "./internal/Database.js";
import type { Tables } from "./internal/Tables.js";

/** Runs one statement with positional parameters ($1, $2…) and returns its rows. */
export type Query = <Row = Record<string, unknown>>(text: string, values?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Row>>;

/** Plain SQL on the pool of the persistence layer. */
export class RawSql extends Context.Service<
  RawSql,
  {
    readonly query: Query;
    /** Runs `work` inside one transaction on one connection, committed when it resolves. */
    readonly transaction: <A>(work: (query: Query) => Promise<A>) => Promise<A>;
  }
>()("@comedec/persistence/RawSql") {}

const queryOn =
  (db: Pick<Kysely<Tables>, "executeQuery">): Query =>
  async <Row>(text: string, values: ReadonlyArray<unknown> = []) =>
    (await db.executeQuery<Row>(CompiledQuery.raw(text, [...values]))).rows;

/** The raw SQL service on the adapter's database. */
export const rawSqlLayer = Layer.effect(
  RawSql,
  Effect.gen(function* () {
    const { db } = yield* Database;
    return RawSql.of({
      query: queryOn(db),
      transaction: (work) => db.transaction().execute((trx) => work(queryOn(trx))),
    });
  }),
);
