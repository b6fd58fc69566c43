/**
 * Rate limits where secrets are guessed: logging in, and typing a code, a PIN or secret answers.
 * Each card already burns its code after 5 tries and locks its PIN after 3; these limits stop one
 * client from spreading its guesses over many cards, and from flooding the login with challenges.
 * Counted per client address in the database (`RateLimitCounters`), so every API instance shares
 * the count. Behind trusted reverse proxies the client is the rightmost untrusted hop of
 * `X-Forwarded-For`: the entries on its left are written by the client and never trusted.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { RateLimits as Counters } from "@comedec/rgs";
import type { Context, MiddlewareHandler } from "hono";
import { type ClientRateLimitInfo, rateLimiter, type Store } from "hono-rate-limiter";
import * as Problem from "./Problem.js";

/**
 * The proxies whose `X-Forwarded-For` is believed: none (`false`, `0`: the socket's peer is the
 * client), how many proxies stand in front of the API (`true` is one), or their addresses.
 */
export type TrustedProxies = boolean | number | ReadonlyArray<string>;

/** How many requests a client may make per window, by kind. */
export interface RateLimits {
  readonly windowSeconds: number;
  /** Challenges and session openings. */
  readonly login: number;
  /** Activation codes, PINs and secret answers typed. */
  readonly codeEntry: number;
  /** The reverse proxies in front of the API. */
  readonly trustProxy: TrustedProxies;
}

/** A town hall's few agents log in a few times a day; a script guessing codes hits these at once. */
export const defaults: RateLimits = { windowSeconds: 60, login: 60, codeEntry: 20, trustProxy: false };

/** Where the counts are kept: the `RateLimitCounters` port, run by the app's runtime. */
export interface Counting {
  readonly hit: (key: string, windowSeconds: number) => Promise<Counters.Count>;
  readonly reset: (key: string) => Promise<void>;
}

/** An IPv4 peer seen on a dual-stack socket reads `::ffff:192.0.2.1`; proxies are listed as `192.0.2.1`. */
const plain = (address: string): string => (address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address);

const peerAddress = (context: Context): string => {
  try {
    return getConnInfo(context).remote.address ?? "unknown";
  } catch {
    // In-process requests (tests, `app.request`) have no socket.
    return "in-process";
  }
};

/**
 * The client's address: walking from the socket's peer back along `X-Forwarded-For` (each proxy
 * appends the address it received from), past the trusted proxies, to the first hop not trusted.
 */
export const clientAddress = (peer: string, forwardedFor: string | undefined, trusted: TrustedProxies): string => {
  const hops = [
    plain(peer),
    ...(forwardedFor ?? "")
      .split(",")
      .map((entry) => plain(entry.trim()))
      .filter((entry) => entry.length > 0)
      .reverse(),
  ];
  if (typeof trusted === "boolean" || typeof trusted === "number") {
    const count = trusted === true ? 1 : trusted === false ? 0 : Math.max(0, Math.floor(trusted));
    return hops[Math.min(count, hops.length - 1)] as string;
  }
  const proxies = new Set(trusted.map(plain));
  let index = 0;
  while (index < hops.length - 1 && proxies.has(hops[index] as string)) index++;
  return hops[index] as string;
};

/** hono-rate-limiter's store on the shared counters: one atomic upsert a request, whichever instance takes it. */
class SharedStore implements Store {
  constructor(
    private readonly counting: Counting,
    private readonly windowSeconds: number,
  ) {}
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const count = await this.counting.hit(key, this.windowSeconds);
    return { totalHits: count.hits, resetTime: count.resetsAt };
  }
  // Every request counts, answered or refused (no `skip…Requests` option is set): nothing is given back.
  async decrement(): Promise<void> {}
  resetKey(key: string): Promise<void> {
    return this.counting.reset(key);
  }
}

const limiter = (kind: string, limit: number, limits: RateLimits, counting: Counting): MiddlewareHandler =>
  rateLimiter({
    windowMs: limits.windowSeconds * 1000,
    limit,
    standardHeaders: "draft-6",
    store: new SharedStore(counting, limits.windowSeconds),
    keyGenerator: (context) => `${kind}:${clientAddress(peerAddress(context), context.req.header("x-forwarded-for"), limits.trustProxy)}`,
    handler: () => {
      return Problem.toResponse(Problem.rateLimited(kind, limits.windowSeconds), { "retry-after": String(limits.windowSeconds) }) as never;
    },
  });

/** The middlewares: one for the login routes, one for the routes whose endpoint declares code entry. */
export const middlewares = (limits: RateLimits, counting: Counting) => ({
  login: limiter("login", limits.login, limits, counting),
  codeEntry: limiter("code-entry", limits.codeEntry, limits, counting),
});
