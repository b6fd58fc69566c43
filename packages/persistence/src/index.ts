/**
 * @comedec/persistence — the platform's ports on PostgreSQL (pg) or embedded PGlite, through Kysely.
 */

/** Layers providing every database-backed port, per runtime mode. */
export * as Persistence from "./Persistence.js";

/** Plain SQL on the adapter's pool: readiness probes and benchmark baselines only. */
export { RawSql, type Query } from "./RawSql.js";

/** Readiness: the migrations not yet applied. */
export * as Readiness from "./Readiness.js";

/** The hook the platform's tracing wraps every statement with (one span each); none by default. */
export { type StatementObserver, StatementSpans } from "./StatementSpans.js";
