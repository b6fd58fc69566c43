/**
 * Rate-limit counters on SQL: one row per key and fixed window, counted by one atomic upsert, so
 * every API instance on the database shares the count. The windows follow the database's clock,
 * not the instances'; a fresh window also sweeps the windows that have ended, once per window
 * and instance (a row lives one window, and holds only the kind of limit and the client address).
 */
import { RateLimits } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { sql } from "kysely";
import { Database } from "./internal/Database.js";

/** Rate-limit counters on the database. */
export const rateLimitCountersLayer = Layer.effect(
  RateLimits.RateLimitCounters,
  Effect.gen(function* () {
    const { db } = yield* Database;
    // For each window length, the end of the window whose first row swept the ended ones.
    const swept = new Map<number, number>();
    return RateLimits.RateLimitCounters.of({
      hit: (key, windowSeconds) =>
        Effect.promise(async () => {
          const seconds = Math.max(1, Math.floor(windowSeconds));
          const result = await sql<{ hits: number; resets_at: Date }>`
            INSERT INTO rate_limit_counter (key, window_start, resets_at, hits)
            SELECT ${key}, starts, starts + make_interval(secs => ${seconds}::int), 1
              FROM (SELECT to_timestamp(floor(extract(epoch FROM now()) / ${seconds}::int) * ${seconds}::int) AS starts) AS bounds
            ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counter.hits + 1
            RETURNING hits, resets_at`.execute(db);
          const row = result.rows[0] as { hits: number; resets_at: Date };
          const resetsAt = new Date(row.resets_at);
          // Windows are aligned on the clock, so every row of a window ends at the same instant: one
          // sweep at the first fresh row of each window clears them all (not one per new client).
          if (row.hits === 1 && swept.get(seconds) !== resetsAt.getTime()) {
            swept.set(seconds, resetsAt.getTime());
            await sql`DELETE FROM rate_limit_counter WHERE resets_at <= now()`.execute(db);
          }
          return { hits: row.hits, resetsAt };
        }),
      reset: (key) => Effect.promise(() => sql`DELETE FROM rate_limit_counter WHERE key = ${key}`.execute(db)).pipe(Effect.asVoid),
    });
  }),
);
