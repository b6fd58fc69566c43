/**
 * What every port backed by a server may meet whatever its domain: the server away (restarting,
 * failing over, out of connections, too slow to answer within its timeouts). The adapter that
 * talks to the server classifies its vendor's failure into this error once, at its edge, so a
 * caller answers `503` with `Retry-After` and never mistakes a restart for a bug.
 */
import { Schema } from "effect";
import * as Problem from "./Problem.js";

/** The seconds a client is told to wait before retrying when the database is away. */
export const retryAfterSeconds = 5;

/** The database did not answer: the request was not done, or (a commit cut off) its outcome is unknown; retry. */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()(
  "DatabaseUnavailable",
  { reason: Schema.String },
  Problem.annotation(503, "database-unavailable", "The database is unavailable; retry later"),
) {}

/** Whether `value` is a `DatabaseUnavailable`, wherever it travels (an error, a defect, an error's cause). */
export const isDatabaseUnavailable = (value: unknown): value is DatabaseUnavailable =>
  typeof value === "object" && value !== null && (value as { readonly _tag?: unknown })._tag === "DatabaseUnavailable";
