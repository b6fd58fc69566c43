/**
 * A hook around every statement the adapter sends, for the platform's tracing to make one span of
 * each (apps wire it; this package knows no tracer). Unset, the default, nothing is wrapped: the
 * driver is Kysely's own and tracing costs nothing.
 */
import { Context } from "effect";
import type { DatabaseConnection, Dialect, Driver } from "kysely";

/** Runs one statement inside whatever the observer makes of it (a span). */
export interface StatementObserver {
  /**
   * `text` is the statement as sent, its values bound apart as `$1`, `$2`… parameters, so it never
   * carries a value (no personal data, no secret); `execute` sends it and settles with its result.
   */
  readonly around: <A>(text: string, execute: () => Promise<A>) => Promise<A>;
}

/** The observer the database layer wraps its driver with; none by default. */
export const StatementSpans = Context.Reference<StatementObserver | undefined>("@comedec/persistence/StatementSpans", {
  defaultValue: () => undefined,
});

/** A connection whose statements each go through `observer`; Kysely's optional methods stay the inner connection's own. */
const observed = (inner: DatabaseConnection, observer: StatementObserver): DatabaseConnection => ({
  executeQuery: (query, options) => observer.around(query.sql, () => inner.executeQuery(query, options)),
  streamQuery: (query, chunkSize, options) => inner.streamQuery(query, chunkSize, options),
  ...(inner.cancelQuery === undefined ? {} : { cancelQuery: inner.cancelQuery.bind(inner) }),
  ...(inner.killSession === undefined ? {} : { killSession: inner.killSession.bind(inner) }),
  ...(inner.collectSessionInfo === undefined ? {} : { collectSessionInfo: inner.collectSessionInfo.bind(inner) }),
});

/**
 * The driver with observed connections. Transactions' `begin`/`commit`/`rollback` and savepoints
 * go through the observed connection (the drivers send them with `executeQuery`), so they are
 * spans too; the driver releases the connection it handed out, never the wrapper.
 */
const observedDriver = (inner: Driver, observer: StatementObserver): Driver => {
  const innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>();
  return {
    init: (options) => inner.init(options),
    acquireConnection: async (options) => {
      const connection = await inner.acquireConnection(options);
      const wrapped = observed(connection, observer);
      innerOf.set(wrapped, connection);
      return wrapped;
    },
    beginTransaction: (connection, settings) => inner.beginTransaction(connection, settings),
    commitTransaction: (connection) => inner.commitTransaction(connection),
    rollbackTransaction: (connection) => inner.rollbackTransaction(connection),
    ...(inner.savepoint === undefined ? {} : { savepoint: inner.savepoint.bind(inner) }),
    ...(inner.rollbackToSavepoint === undefined ? {} : { rollbackToSavepoint: inner.rollbackToSavepoint.bind(inner) }),
    ...(inner.releaseSavepoint === undefined ? {} : { releaseSavepoint: inner.releaseSavepoint.bind(inner) }),
    releaseConnection: (connection, options) => inner.releaseConnection(innerOf.get(connection) ?? connection, options),
    destroy: (options) => inner.destroy(options),
  };
};

/** `dialect` with every statement observed, or `dialect` itself when there is no observer. */
export const observeDialect = (dialect: Dialect, observer: StatementObserver | undefined): Dialect =>
  observer === undefined
    ? dialect
    : {
        createDriver: () => observedDriver(dialect.createDriver(), observer),
        createQueryCompiler: () => dialect.createQueryCompiler(),
        createAdapter: () => dialect.createAdapter(),
        createIntrospector: (db) => dialect.createIntrospector(db),
      };
