/**
 * Traced (issue 24): the real Hono app on a runtime traced by `Platform.Tracing`, its spans caught
 * by an in-memory exporter. One request makes one trace: the HTTP span (named by the contract's
 * operationId, `http.*` attributes, the request id), the use case's span under it, and a span per
 * SQL statement under the use case — the statement's text with its placeholders, never the values.
 * Concurrent requests keep their spans apart, a caller's `traceparent` is continued, and no
 * attribute of a walk carries a name, an e-mail, an id of the path or a token. Untraced (first,
 * before anything is installed in this process), the app makes no OpenTelemetry span at all.
 */
import * as Platform from "@comedec/platform";
import { Persistence, StatementSpans } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import * as Worker from "@comedec/worker";
import * as Mailer from "@comedec/worker/mailer";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import * as Otel from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Effect, Layer, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, fixture, type Side } from "./Routes.js";
import * as Services from "./Services.js";
import * as Started from "./Started.js";

// pg is the persistence adapter's, not the API's: the admin connection that makes the jobs' database borrows it.
const pg = createRequire(createRequire(import.meta.url).resolve("@comedec/persistence"))("pg") as {
  readonly Client: new (options: {
    readonly connectionString: string;
  }) => {
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
  };
};

/** The span's parent id, if it has one. */
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The chain of span ids from `span` up to its trace's root, among `spans`. */
const ancestors = (span: ReadableSpan, spans: ReadonlyArray<ReadableSpan>): ReadonlyArray<string> => {
  const byId = new Map(spans.map((each) => [each.spanContext().spanId, each]));
  const chain: Array<string> = [];
  for (let parent = parentOf(span); parent !== undefined; parent = byId.get(parent) === undefined ? undefined : parentOf(byId.get(parent)!)) {
    chain.push(parent);
  }
  return chain;
};

const isSql = (span: ReadableSpan) => span.attributes["db.system"] === "postgresql";

describe("untraced: nothing of OpenTelemetry installed", () => {
  const runtime = ManagedRuntime.make(Services.on(adapters[0]!.layer()));
  afterAll(() => runtime.dispose());

  it("answers without a context manager, an Effect OpenTelemetry tracer or a wrapped driver", async () => {
    const app = App.make(runtime, Services.suiteRateLimits);
    expect((await app.request("/ready")).status).toBe(200);
    // The API's global context manager is the no-op one: a span put in a context is not the active one.
    const probe = Otel.trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 });
    expect(Otel.context.with(Otel.trace.setSpan(Otel.ROOT_CONTEXT, probe), () => Otel.trace.getSpan(Otel.context.active()))).toBeUndefined();
    // No tracer provider: the global one makes non-recording spans.
    expect(Otel.trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    // The database layer kept Kysely's own driver, and the Effect tracer is Effect's own.
    expect(await runtime.runPromise(Effect.service(StatementSpans))).toBeUndefined();
    const span = await runtime.runPromise(Effect.withSpan(Effect.currentSpan, "probe"));
    expect(Object.keys(span).some((key) => key.includes("opentelemetry"))).toBe(false);
  });
});

describe.each(adapters)("traces of the real app on $name", (adapter) => {
  const exporter = new InMemorySpanExporter();
  let tracing: Platform.Tracing.Tracing;
  let runtime: ManagedRuntime.ManagedRuntime<App.Services, never>;
  let app: ReturnType<typeof App.make>;
  let made: { sides: Record<"own" | "other", Side>; antsToken: string };

  beforeAll(async () => {
    tracing = Platform.Tracing.make({ processor: new SimpleSpanProcessor(exporter), serviceName: "comedec-api-test" });
    runtime = ManagedRuntime.make(Services.on(adapter.layer().pipe(Layer.provideMerge(tracing.layer))));
    app = App.make(runtime, { ...Services.suiteRateLimits, tracer: tracing.tracer });
    made = await fixture(runtime, app);
  }, 120_000);
  afterAll(async () => {
    await runtime.dispose();
    await tracing.shutdown();
  });

  /** The spans of the one trace whose HTTP span carries `requestId`. */
  const traceOf = (requestId: string) => {
    const spans = exporter.getFinishedSpans();
    const http = spans.filter((span) => (span.attributes["http.request.header.x-request-id"] as ReadonlyArray<string> | undefined)?.[0] === requestId);
    expect(http).toHaveLength(1);
    const root = http[0]!;
    return { http: root, spans: spans.filter((span) => span.spanContext().traceId === root.spanContext().traceId) };
  };

  it("one request: the HTTP span, the use case under it, its SQL statements under the use case, one trace", async () => {
    exporter.reset();
    const agent = made.sides.own.agent;
    const response = await app.request(`/agents/${agent}`, { headers: { authorization: `Bearer ${made.antsToken}`, "x-request-id": "trace-one" } });
    expect(response.status).toBe(200);
    const { http, spans } = traceOf("trace-one");

    expect(http.name).toBe("getAgent");
    expect(http.kind).toBe(Otel.SpanKind.SERVER);
    expect(parentOf(http)).toBeUndefined();
    expect(http.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/agents/{id}",
      "http.response.status_code": 200,
      "comedec.operation_id": "getAgent",
    });

    const useCase = spans.find((span) => span.name === "Lookup.find");
    expect(useCase, `spans: ${spans.map((span) => span.name).join(", ")}`).toBeDefined();
    expect(parentOf(useCase!)).toBe(http.spanContext().spanId);

    const statements = spans.filter(isSql);
    expect(statements.length).toBeGreaterThan(0);
    const underUseCase = statements.filter((span) => ancestors(span, spans).includes(useCase!.spanContext().spanId));
    expect(underUseCase.length).toBeGreaterThan(0);
    for (const statement of statements) {
      // Every statement of the request belongs to its trace, under its HTTP span.
      expect(ancestors(statement, spans)).toContain(http.spanContext().spanId);
      expect(statement.kind).toBe(Otel.SpanKind.CLIENT);
      expect(statement.attributes["db.statement"]).toEqual(expect.any(String));
      expect(statement.name).toMatch(/^[A-Z]+$/);
    }
    // The agent's id is bound as a parameter: a placeholder in the text, never the value.
    expect(underUseCase.some((span) => /\$1/.test(String(span.attributes["db.statement"])))).toBe(true);
    expect(JSON.stringify(statements.map((span) => span.attributes))).not.toContain(agent);
    // All ended, all exported: the trace is whole.
    expect(spans.every((span) => span.ended)).toBe(true);
  });

  it("concurrent requests keep their spans in their own traces", async () => {
    exporter.reset();
    const agents = [made.sides.own.agent, made.sides.other.agent];
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        app.request(`/agents/${agents[index % 2]}`, { headers: { authorization: `Bearer ${made.antsToken}`, "x-request-id": `concurrent-${index}` } }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    const traceIds = new Set<string>();
    for (let index = 0; index < 8; index++) {
      const { http, spans } = traceOf(`concurrent-${index}`);
      traceIds.add(http.spanContext().traceId);
      const useCases = spans.filter((span) => span.name === "Lookup.find");
      expect(useCases).toHaveLength(1);
      expect(parentOf(useCases[0]!)).toBe(http.spanContext().spanId);
      expect(spans.filter(isSql).length).toBeGreaterThan(0);
    }
    expect(traceIds.size).toBe(8);
  });

  it("continues the trace a caller's traceparent names", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await app.request("/health", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "continued" } });
    expect(response.status).toBe(200);
    const { http } = traceOf("continued");
    expect(http.name).toBe("GET /health");
    expect(http.spanContext().traceId).toBe(traceId);
    expect(parentOf(http)).toBe("00f067aa0ba902b7");
  });

  it("a refused request is traced with its status, a server error would be an error span", async () => {
    exporter.reset();
    const response = await app.request(`/agents/${made.sides.own.agent}`, { headers: { authorization: "Bearer nope", "x-request-id": "refused" } });
    expect(response.status).toBe(401);
    const { http } = traceOf("refused");
    expect(http.attributes["http.response.status_code"]).toBe(401);
    expect(http.status.code).not.toBe(Otel.SpanStatusCode.ERROR);
  });

  it("a use case that fails is an error span recording its error's kind, never its fields", async () => {
    exporter.reset();
    const unknown = "0b9c6a1e-5d3f-4e2a-9c1b-7f3e2d1c0a99";
    const response = await app.request(`/agents/${unknown}`, { headers: { authorization: `Bearer ${made.antsToken}`, "x-request-id": "failed" } });
    expect(response.status).toBe(404);
    const { http, spans } = traceOf("failed");
    expect(http.attributes["http.response.status_code"]).toBe(404);
    const useCase = spans.find((span) => span.name === "Lookup.find");
    expect(useCase?.status.code).toBe(Otel.SpanStatusCode.ERROR);
    expect(useCase?.events.map((event) => [event.attributes?.["exception.type"], event.attributes?.["exception.message"]])).toEqual([
      ["AgentNotFound", "AgentNotFound"],
    ]);
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.events, span.status]))).not.toContain(unknown);
  });

  it("a walk (an agent registered by name, a card ordered and read) leaves no personal data or token in any span", async () => {
    exporter.reset();
    const { ok } = client(app);
    const side = made.sides.own;
    const agent = await ok(made.antsToken, "POST", "/agents", {
      identity: { birthName: "Zébulon", givenNames: ["Hortense"], sex: "F", birthDate: "1979-11-23", placeOfBirth: { _tag: "commune", commune: side.commune } },
      document: {
        type: "carte-nationale-identite",
        number: "TRACE0001",
        issuingAuthority: "Préfecture",
        expiresOn: "2033-01-01",
        holder: { birthName: "ZÉBULON", givenNames: ["Hortense"], birthDate: "1979-11-23" },
        check: { by: "registrar", on: new Date().toISOString().slice(0, 10), faceToFace: true },
      },
      contact: { email: "hortense.zebulon@mairie.fr" },
      site: { _tag: "commune", commune: side.commune },
      profile: { _tag: "agent" },
      rights: ["receive-requests"],
    });
    const card = await ok(made.antsToken, "POST", "/cards", { holder: agent.id, reason: "première carte" });
    await ok(made.antsToken, "GET", `/cards/${card.id}`);
    const spans = exporter.getFinishedSpans();
    expect(spans.some((span) => span.name === "registerAgent")).toBe(true);
    expect(spans.some(isSql)).toBe(true);
    const text = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })));
    for (const secret of ["Zébulon", "ZÉBULON", "Hortense", "1979-11-23", "hortense.zebulon", "TRACE0001", made.antsToken, agent.id, card.id]) {
      expect(text, secret).not.toContain(secret);
    }
  });
});

const postgresUrl = process.env.DATABASE_URL;

describe.skipIf(postgresUrl === undefined || postgresUrl === "")("traces of the worker's jobs on PostgreSQL", () => {
  const exporter = new InMemorySpanExporter();
  const name = `comedec_tracing_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const target = new URL(postgresUrl ?? "postgres://localhost/x");
  target.pathname = `/${name}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresUrl as string });
    await client.connect();
    await client.query(statement);
    await client.end();
  };
  let tracing: Platform.Tracing.Tracing;
  let runtime: ManagedRuntime.ManagedRuntime<App.Services | Worker.Services, never>;
  let worker: Worker.Worker | undefined;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    tracing = Platform.Tracing.make({ processor: new SimpleSpanProcessor(exporter), serviceName: "comedec-worker-test" });
    const persistence = Persistence.postgres({ connectionString: target.toString() }).pipe(Layer.provideMerge(tracing.layer));
    runtime = ManagedRuntime.make(Layer.merge(Services.on(persistence), Mailer.mailbox));
    await runtime.runPromise(Effect.void);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await runtime.dispose();
    await tracing.shutdown();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it("a job runs in its span, its statements under it", async () => {
    worker = await Worker.start(runtime, { connectionString: target.toString(), concurrency: 1, around: tracing.job });
    await worker.utils.addJob("audit-checkpoint", {}, { jobKey: "tracing-checkpoint" });
    const job = await Started.waitFor("the job's span", async () =>
      exporter.getFinishedSpans().find((span) => span.name === "job audit-checkpoint" && span.attributes["comedec.job.task"] === "audit-checkpoint"),
    );
    expect(job.kind).toBe(Otel.SpanKind.CONSUMER);
    expect(job.status.code).not.toBe(Otel.SpanStatusCode.ERROR);
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === job.spanContext().traceId);
    const statements = spans.filter(isSql);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(ancestors(statement, spans)).toContain(job.spanContext().spanId);
  });
});

describe("the started API exports its traces by OTLP", () => {
  const received: Array<unknown> = [];
  let collector: Server;
  let started: Started.Started;

  beforeAll(async () => {
    // A collector of its own: OTLP/HTTP in JSON, as OTEL_EXPORTER_OTLP_PROTOCOL=http/json asks.
    collector = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        if (request.url === "/v1/traces") received.push(JSON.parse(body));
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const { port } = collector.address() as { port: number };
    started = await Started.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "comedec-api-started",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
  }, 150_000);
  afterAll(async () => {
    await started?.stop();
    await new Promise((resolve) => collector.close(resolve));
  });

  it("sends the request's span and its statements to the collector, under its service name", async () => {
    expect((await fetch(`${started.base}/ready`, { headers: { "x-request-id": "started-ready" } })).status).toBe(200);
    type Exported = {
      resourceSpans: ReadonlyArray<{
        resource: { attributes: ReadonlyArray<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<{ name: string; traceId: string; attributes: ReadonlyArray<{ key: string; value: unknown }> }> }>;
      }>;
    };
    const spans = () =>
      (received as ReadonlyArray<Exported>).flatMap((batch) =>
        batch.resourceSpans.flatMap((resource) =>
          resource.scopeSpans.flatMap((scope) =>
            scope.spans.map((span) => ({ ...span, service: resource.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue })),
          ),
        ),
      );
    const ready = await Started.waitFor("the /ready span at the collector", async () => spans().find((span) => span.name === "GET /ready"));
    expect(ready.service).toBe("comedec-api-started");
    const sql = spans().filter((span) => span.traceId === ready.traceId && span.attributes.some((a) => a.key === "db.system"));
    expect(sql.length).toBeGreaterThan(0);
  });
});
