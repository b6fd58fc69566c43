/**
 * One span per HTTP request, the parent of the use cases and statements it runs: named by the
 * contract's `operationId` (or the route of its own, `GET /health`…), with `http.*` attributes,
 * the contract's path template as `http.route` — never the path, which carries identifiers — and
 * the request id. A caller's W3C `traceparent` (a proxy's) is continued. Installed by `App.make`
 * only when `main` traces (`Platform.Tracing`); otherwise no middleware, no span.
 */
import { Contract } from "@comedec/http-contract";
import * as Otel from "@opentelemetry/api";
import { Effect, Tracer } from "effect";
import type { Context, MiddlewareHandler } from "hono";
import { routeOf } from "./Metrics.js";
import { requestIdOf } from "./RequestLog.js";

/** Where the request's span is kept for the handler (`withinRequest`). */
const spanKey = "comedec.http.span";

/** The path template of each `operationId`: `http.route`. */
const templates = new Map<string, string>(Contract.endpoints.map((endpoint) => [endpoint.operationId, endpoint.path]));

/** The parent a caller gave in its `traceparent` header (W3C trace context), or none. */
const callerParent = (context: Context): Otel.Context => {
  const header = context.req.header("traceparent");
  const match = header === undefined ? null : /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header.trim());
  if (match === null) return Otel.ROOT_CONTEXT;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  const parent: Otel.SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & Otel.TraceFlags.SAMPLED, isRemote: true };
  return Otel.trace.isSpanContextValid(parent) ? Otel.trace.setSpanContext(Otel.ROOT_CONTEXT, parent) : Otel.ROOT_CONTEXT;
};

/** The middleware that makes each request's span and runs the rest of the request in it. */
export const middleware =
  (tracer: Otel.Tracer): MiddlewareHandler =>
  async (context, next) => {
    const method = context.req.method;
    const route = routeOf(method, context.req.path);
    const template = templates.get(route);
    const span = tracer.startSpan(
      template === undefined ? `${method} ${route}` : route,
      {
        kind: Otel.SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "http.route": template ?? route,
          "url.scheme": new URL(context.req.url).protocol.replace(/:$/, ""),
          "http.request.header.x-request-id": [requestIdOf(context)],
          ...(template === undefined ? {} : { "comedec.operation_id": route }),
        },
      },
      callerParent(context),
    );
    context.set(spanKey, span);
    try {
      await Otel.context.with(Otel.trace.setSpan(Otel.ROOT_CONTEXT, span), next);
    } finally {
      const status = context.res.status;
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: Otel.SpanStatusCode.ERROR, message: String(status) });
      span.end();
    }
  };

/**
 * `program` with the request's span as its parent, so its use case spans and their statements
 * hang under it whatever async context the runtime resumes them in; `program` itself when the
 * request is not traced.
 */
export const withinRequest = <A, E, R>(context: Context, program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const span: unknown = context.get(spanKey);
  if (span === undefined) return program;
  const { traceId, spanId, traceFlags } = (span as Otel.Span).spanContext();
  return Effect.withParentSpan(program, Tracer.externalSpan({ traceId, spanId, sampled: (traceFlags & Otel.TraceFlags.SAMPLED) !== 0 }));
};
