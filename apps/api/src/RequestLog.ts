/**
 * One JSON line per request: when, method, route (the contract's `operationId`, never the path,
 * which carries identifiers), status, duration and request id — taken from `x-request-id` when the
 * caller (a proxy) sent a plain one, else generated, and echoed in the answer. Nothing else of the
 * request is written: no query, body, header or token, so no secret or personal data.
 */
import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { routeOf } from "./Metrics.js";

/** The header that carries the request id, both ways. */
export const requestIdHeader = "x-request-id";

/** A request id a caller may give: short, of plain characters (anything else is replaced, never logged). */
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** One line of the request log. */
export interface Line {
  readonly time: string;
  readonly level: "info" | "warn" | "error";
  readonly msg: "request";
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
}

/** Writes a line of the log (by default to standard output). */
export type Writer = (line: string) => void;

/** The standard output writer. */
export const stdout: Writer = (line) => {
  process.stdout.write(`${line}\n`);
};

/** The request's id: the caller's plain `x-request-id`, else a generated one, the same for every middleware that asks. */
export const requestIdOf = (context: Context): string => {
  const known: unknown = context.get(requestIdHeader);
  if (typeof known === "string") return known;
  const given = context.req.header(requestIdHeader);
  const requestId = given !== undefined && acceptable.test(given) ? given : randomUUID();
  context.set(requestIdHeader, requestId);
  return requestId;
};

/** The middleware that gives every request its id and writes its line once answered. */
export const middleware =
  (write: Writer = stdout): MiddlewareHandler =>
  async (context, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(context);
    try {
      await next();
    } finally {
      try {
        context.res.headers.set(requestIdHeader, requestId);
      } catch {
        // An answer with immutable headers keeps them; the id is still in the log.
      }
      const status = context.res.status;
      const line: Line = {
        time: new Date().toISOString(),
        level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
        msg: "request",
        requestId,
        method: context.req.method,
        route: routeOf(context.req.method, context.req.path),
        status,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
      };
      write(JSON.stringify(line));
    }
  };
