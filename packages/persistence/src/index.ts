/**
 * @comedec/persistence — the platform's ports on PostgreSQL (pg) or embedded PGlite, through Kysely.
 */

/** Layers providing every database-backed port, per runtime mode. */
export * as Persistence from "./Persistence.js";
