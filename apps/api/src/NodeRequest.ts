/**
 * Reading a request without making @hono/node-server build a web `Request` for it. The adapter
 * makes one lazily, with a web stream over the body, the first time `req.raw.body` or
 * `req.raw.headers` is read — most of a small request's cost. Node's own parsed headers answer
 * the same questions, and `req.json()` then reads the body straight from Node's stream.
 */
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as countingBodyLimit } from "hono/body-limit";

/** A request header (`name` in lower case), from Node's parsed headers when the app runs on Node. */
export const header = (context: Context, name: string): string | undefined => {
  const incoming = (context.env as { readonly incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined) return context.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

/**
 * Refuses a body larger than `maxSize` bytes. A declared length is checked from the header alone;
 * a body without one (chunked) is counted as it arrives, by Hono's own middleware.
 */
export const bodyLimit = (maxSize: number, onError: (context: Context) => Response): MiddlewareHandler => {
  const counting = countingBodyLimit({ maxSize, onError });
  return async (context, next) => {
    if (context.req.method === "GET" || context.req.method === "HEAD") return next();
    const length = header(context, "content-length");
    if (length !== undefined && header(context, "transfer-encoding") === undefined) {
      return Number(length) > maxSize ? onError(context) : next();
    }
    return counting(context, next);
  };
};
