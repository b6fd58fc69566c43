/**
 * Rate limits where secrets are guessed (logging in, typing a code, a PIN or secret answers),
 * counted where every instance of the API sees the same count: a counter per key and fixed
 * window, incremented atomically. A second API process on the same database shares the limit.
 */
import { Context, type Effect } from "effect";

/** A key's count in its current window, this request included. */
export interface Count {
  readonly hits: number;
  /** When the window ends and the count starts again. */
  readonly resetsAt: Date;
}

/** The counters, shared by every instance (the database's clock decides the windows). */
export class RateLimitCounters extends Context.Service<
  RateLimitCounters,
  {
    /** Counts one request of `key` in the current window of `windowSeconds`, atomically, and returns the count. */
    readonly hit: (key: string, windowSeconds: number) => Effect.Effect<Count>;
    /** Forgets a key's counts (an operator lifting a limit). */
    readonly reset: (key: string) => Effect.Effect<void>;
  }
>()("@comedec/rgs/RateLimitCounters") {}
