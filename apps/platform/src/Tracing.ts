/**
 * OpenTelemetry traces, for the API and the worker: the Effect tracer of `@effect/opentelemetry`
 * (every `Effect.fn` use case a span), one span per SQL statement (`StatementSpans` of the
 * persistence adapter), one per job; exported by OTLP as `Configuration.tracing` reads it from the
 * standard `OTEL_*` variables. Off — no configuration — nothing here is made: no provider, no
 * context manager, no wrapped driver, so an untraced platform pays nothing.
 *
 * No attribute carries a value of a request: statements are sent with their values bound apart
 * (`$1`…), a failed statement keeps only its SQLSTATE, never the server's message (which may
 * quote a value), and a use case that fails is recorded by its error's tag alone (`AgentNotFound`),
 * never the error's fields or message.
 */
// By module: the package's index also loads its logger and metrics, whose SDKs are not installed.
import * as OtelTracer from "@effect/opentelemetry/OtelTracer";
import * as Resource from "@effect/opentelemetry/Resource";
import { StatementSpans } from "@comedec/persistence";
import * as Otel from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-node";
import { Cause, Effect, Exit, Layer, Tracer } from "effect";
import type * as Configuration from "./Configuration.js";

/** A process's tracing, made only when traces are exported. */
export interface Tracing {
  /** The OpenTelemetry tracer the spans made outside Effect (a request, a job) come from. */
  readonly tracer: Otel.Tracer;
  /**
   * For the runtime's layer, given to the persistence layer (`Layer.provideMerge`): the Effect
   * tracer on `tracer`, and the statement spans the database layer wraps its driver with.
   */
  readonly layer: Layer.Layer<OtelTracer.OtelTracer>;
  /** Runs one job in its span (`job <task>`), the parent of the job's use cases and statements. */
  readonly job: <A>(task: string, run: () => Promise<A>) => Promise<A>;
  /** Sends the spans still waiting, then stops exporting. */
  readonly shutdown: () => Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/**
 * The OpenTelemetry context follows the awaits of a request (Node's AsyncLocalStorage): what a
 * statement's span takes as its parent. Set once per process, only when something is traced.
 */
const followAsyncContext = () => {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  Otel.context.setGlobalContextManager(contextManager);
};

/** The longest statement text kept in `db.statement`: a batch's `VALUES ($1, $2…), …` can run to megabytes. */
const statementLength = 4096;

/** The statement's keyword (`SELECT`, `INSERT`, `BEGIN`…), the span's name. */
const operationOf = (text: string): string => /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "SQL";

/** A SQLSTATE, the only part of a failed statement's error kept (its message may quote a value). */
const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { readonly code?: unknown } | undefined)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** Runs `run` in `span`, ended once it settles, the error's kind (never its message) recorded. */
const within = async <A>(span: Otel.Span, run: () => Promise<A>, kindOf: (error: unknown) => string): Promise<A> => {
  try {
    return await run();
  } catch (error) {
    span.setStatus({ code: Otel.SpanStatusCode.ERROR, message: kindOf(error) });
    throw error;
  } finally {
    span.end();
  }
};

/** An error that tells only its kind: what a failed span records, in place of the error itself. */
const kindOnly = (kind: string): Error => {
  const error = new Error(kind);
  error.name = kind;
  error.stack = kind;
  return error;
};

/** The kind of the first error of `cause`: its `_tag`, or its class's name (`Error`, `TypeError`…). */
const kindOf = (cause: Cause.Cause<unknown>): string => {
  for (const reason of cause.reasons) {
    const error = Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined;
    if (error === undefined) continue;
    const tag = (error as { readonly _tag?: unknown } | null)?._tag;
    if (typeof tag === "string") return tag;
    return error instanceof Error ? error.constructor.name : typeof error;
  }
  return "failure";
};

/**
 * The Effect tracer of `@effect/opentelemetry`, its spans ended with an exit that carries only the
 * error's kind: the OpenTelemetry span records the exception's message and stack, and an error's
 * message may quote a value (a name, a date of birth in a driver's refusal).
 */
const redacting = (tracer: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span: (options) => {
      const span = tracer.span(options);
      const end = span.end.bind(span);
      span.end = (endTime, exit) => end(endTime, Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? exit : Exit.die(kindOnly(kindOf(exit.cause))));
      return span;
    },
    ...(tracer.context === undefined ? {} : { context: tracer.context }),
  });

/** Tracing on the given span processor (an OTLP batch exporter, or a test's in-memory one). */
export const make = (options: { readonly processor: SpanProcessor; readonly serviceName: string; readonly sampler?: Sampler }): Tracing => {
  followAsyncContext();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(Resource.configToAttributes({ serviceName: options.serviceName })),
    spanProcessors: [options.processor],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const tracer = provider.getTracer("@comedec/platform");
  const statements = StatementSpans.of({
    around: (text, execute) => {
      const operation = operationOf(text);
      const span = tracer.startSpan(operation, {
        kind: Otel.SpanKind.CLIENT,
        attributes: {
          "db.system": "postgresql",
          "db.system.name": "postgresql",
          "db.operation.name": operation,
          "db.statement": text.length > statementLength ? `${text.slice(0, statementLength)}…` : text,
        },
      });
      return Otel.context.with(Otel.trace.setSpan(Otel.context.active(), span), () =>
        within(span, execute, (error) => {
          const state = sqlStateOf(error);
          if (state !== undefined) span.setAttribute("db.response.status_code", state);
          return state ?? (error instanceof Error ? error.name : "error");
        }),
      );
    },
  });
  return {
    tracer,
    layer: Layer.merge(Layer.effect(Tracer.Tracer, Effect.map(OtelTracer.make, redacting)), Layer.succeed(StatementSpans, statements)).pipe(
      Layer.provideMerge(Layer.succeed(OtelTracer.OtelTracer, tracer)),
    ),
    job: (task, run) => {
      const span = tracer.startSpan(`job ${task}`, { kind: Otel.SpanKind.CONSUMER, attributes: { "comedec.job.task": task } });
      return Otel.context.with(Otel.trace.setSpan(Otel.context.active(), span), () =>
        within(span, run, (error) => (error instanceof Error ? error.name : "error")),
      );
    },
    shutdown: () => provider.forceFlush().finally(() => provider.shutdown()),
  };
};

/** The sampler the configuration names. */
const samplerOf = ({ name, ratio }: Configuration.Tracing["sampler"]): Sampler => {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
};

/**
 * The configured tracing, or `undefined` when traces are off. Spans go by batches to the OTLP
 * endpoint; the exporter itself reads `OTEL_EXPORTER_OTLP_HEADERS` (a collector's key), the
 * timeouts, compression and certificates, and the batch processor `OTEL_BSP_*`, as the
 * specification says.
 */
export const fromConfiguration = (config: Configuration.Tracing | undefined): Tracing | undefined => {
  if (config === undefined) return undefined;
  const exporter = config.protocol === "http/json" ? new OtlpJsonExporter({ url: config.endpoint }) : new OtlpProtobufExporter({ url: config.endpoint });
  return make({ processor: new BatchSpanProcessor(exporter), serviceName: config.serviceName, sampler: samplerOf(config.sampler) });
};
