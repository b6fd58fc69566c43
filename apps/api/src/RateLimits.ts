/**
 * Rate limits where secrets are guessed: logging in, and typing a code, a PIN or secret answers.
 * Each card already burns its code after 5 tries and locks its PIN after 3; these limits stop one
 * client from spreading its guesses over many cards, and from flooding the login with challenges.
 * Counted per client address in the process (hono-rate-limiter's memory store): behind a reverse
 * proxy, trust its `X-Forwarded-For`, and with several API processes each counts its own share.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { type ClientRateLimitInfo, MemoryStore, rateLimiter } from "hono-rate-limiter";
import * as Problem from "./Problem.js";

/** How many requests a client may make per window, by kind. */
export interface RateLimits {
  readonly windowSeconds: number;
  /** Challenges and session openings. */
  readonly login: number;
  /** Activation codes, PINs and secret answers typed. */
  readonly codeEntry: number;
  /** Take the client's address from the first `X-Forwarded-For` entry (only behind a proxy that sets it). */
  readonly trustProxy: boolean;
}

/** A town hall's few agents log in a few times a day; a script guessing codes hits these at once. */
export const defaults: RateLimits = { windowSeconds: 60, login: 60, codeEntry: 20, trustProxy: false };

const clientAddress = (context: Context, trustProxy: boolean): string => {
  const forwarded = trustProxy ? context.req.header("x-forwarded-for")?.split(",")[0]?.trim() : undefined;
  if (forwarded !== undefined && forwarded.length > 0) return forwarded;
  try {
    return getConnInfo(context).remote.address ?? "unknown";
  } catch {
    // In-process requests (tests, `app.request`) have no socket.
    return "in-process";
  }
};

/**
 * hono-rate-limiter 0.5.4's memory store returns its live counter, which the middleware reads after
 * an `await`: concurrent requests all see the count of the last one, so a burst is refused whole.
 * A copy taken at the increment gives each request its own count.
 */
class CountingStore extends MemoryStore {
  override increment(key: string): ClientRateLimitInfo {
    const counted = super.increment(key);
    return { totalHits: counted.totalHits, ...(counted.resetTime === undefined ? {} : { resetTime: counted.resetTime }) };
  }
}

const limiter = (kind: string, limit: number, limits: RateLimits): MiddlewareHandler =>
  rateLimiter({
    windowMs: limits.windowSeconds * 1000,
    limit,
    standardHeaders: "draft-6",
    store: new CountingStore(),
    keyGenerator: (context) => `${kind}:${clientAddress(context, limits.trustProxy)}`,
    handler: () => {
      return Problem.toResponse(Problem.rateLimited(kind, limits.windowSeconds), { "retry-after": String(limits.windowSeconds) }) as never;
    },
  });

/** The middlewares: one for the login routes, one for the routes whose endpoint declares code entry. */
export const middlewares = (limits: RateLimits) => ({
  login: limiter("login", limits.login, limits),
  codeEntry: limiter("code-entry", limits.codeEntry, limits),
});
