/**
 * Prometheus metrics (prom-client) on a registry of their own: requests counted and timed per
 * route of the contract (its `operationId`, never the raw path, which carries identifiers), and
 * figures read from the database on each scrape — connections in use, the job queue
 * (graphile-worker's tables), and the RGS figures: revocation requests waiting and the oldest
 * one's age, the latest CRL's age, certificates ending within 30 days, cards by state. Served by
 * `main` on `COMEDEC_METRICS_PORT` (bound to `COMEDEC_METRICS_HOST`, 127.0.0.1 by default).
 */
import type { Query } from "@comedec/persistence";
import { Contract } from "@comedec/http-contract";
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import * as Prometheus from "prom-client";

/** The routes served outside the contract, labelled by their own path. */
const ownRoutes = new Set(["/health", "/ready", "/openapi.json", "/docs"]);

const routes = Contract.endpoints.map((endpoint) => ({
  method: endpoint.method.toUpperCase(),
  pattern: new RegExp(`^${endpoint.path.replace(/\{\w+\}/g, "[^/]+")}$`),
  operationId: endpoint.operationId,
}));

/** The label of a request's route: the contract's `operationId`, a route of its own, or `other` (never the path itself). */
export const routeOf = (method: string, path: string): string => {
  const found = routes.find((route) => route.method === method && route.pattern.test(path));
  if (found !== undefined) return found.operationId;
  if (ownRoutes.has(path)) return path;
  if (path.startsWith("/docs/")) return "/docs";
  return "other";
};

/** The metrics of one process. */
export interface Metrics {
  readonly registry: Prometheus.Registry;
  /** Counts and times every request, by method, route and status. */
  readonly middleware: MiddlewareHandler;
  /** The app that answers `GET /metrics` in Prometheus' text format. */
  readonly app: Hono;
}

/** One figure read by SQL: the statement's failure (the database away, a table not there yet) leaves it out of the scrape. */
const rowsOf = async <Row>(query: Query, text: string): Promise<ReadonlyArray<Row> | undefined> => {
  try {
    return await query<Row>(text);
  } catch {
    return undefined;
  }
};

/** The metrics on the given SQL (none read when `query` is absent: the request metrics alone). */
export const make = (query?: Query): Metrics => {
  const registry = new Prometheus.Registry();
  Prometheus.collectDefaultMetrics({ register: registry, prefix: "comedec_" });
  const requests = new Prometheus.Counter({
    name: "comedec_http_requests_total",
    help: "HTTP requests answered, by method, route (operationId) and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Prometheus.Histogram({
    name: "comedec_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route (operationId) and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Prometheus.Gauge({ name: "comedec_http_requests_in_flight", help: "HTTP requests being answered.", registers: [registry] });
  if (query !== undefined) sqlGauges(registry, query);
  const middleware: MiddlewareHandler = async (context, next) => {
    const started = process.hrtime.bigint();
    inFlight.inc();
    try {
      await next();
    } finally {
      inFlight.dec();
      const labels = { method: context.req.method, route: routeOf(context.req.method, context.req.path), status: String(context.res.status) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  const app = new Hono();
  app.get("/metrics", async (context) => context.body(await registry.metrics(), 200, { "content-type": registry.contentType }));
  return { registry, middleware, app };
};

/** The gauges read from the database when scraped. */
const sqlGauges = (registry: Prometheus.Registry, query: Query) => {
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: ReadonlyArray<L>,
    collect: (gauge: Prometheus.Gauge<L>) => Promise<void>,
  ): Prometheus.Gauge<L> =>
    new Prometheus.Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  gauge(
    "comedec_db_connections",
    "Connections of this database, by state (pg_stat_activity): the pools of every API and worker process.",
    ["state"],
    async (g) => {
      const rows = await rowsOf<{ state: string | null; count: string }>(
        query,
        "SELECT coalesce(state, 'unknown') AS state, count(*)::text AS count FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1",
      );
      for (const row of rows ?? []) g.set({ state: row.state ?? "unknown" }, Number(row.count));
    },
  );
  gauge("comedec_jobs_queued", "Jobs waiting or running in graphile-worker's queue, by task.", ["task"], async (g) => {
    const rows = await rowsOf<{ task: string; count: string }>(
      query,
      "SELECT task_identifier AS task, count(*)::text AS count FROM graphile_worker.jobs WHERE attempts < max_attempts GROUP BY 1",
    );
    for (const row of rows ?? []) g.set({ task: row.task }, Number(row.count));
  });
  gauge(
    "comedec_jobs_failed",
    "Jobs that failed at least once, by task and whether they will be tried again (retrying) or not (exhausted).",
    ["task", "outcome"],
    async (g) => {
      const rows = await rowsOf<{ task: string; outcome: string; count: string }>(
        query,
        `SELECT task_identifier AS task, CASE WHEN attempts >= max_attempts THEN 'exhausted' ELSE 'retrying' END AS outcome, count(*)::text AS count
         FROM graphile_worker.jobs WHERE last_error IS NOT NULL GROUP BY 1, 2`,
      );
      for (const row of rows ?? []) g.set({ task: row.task, outcome: row.outcome }, Number(row.count));
    },
  );
  const waiting = `SELECT e.recorded_at FROM card_request r JOIN event_log e ON e.stream = 'card-request:' || r.id AND e.stream_version = 1
                    WHERE r.status = 'pending-validation' AND r.state->>'kind' = 'revocation'`;
  gauge("comedec_revocations_waiting", "Revocation requests waiting for validation (RGS: treated within 24 hours).", [], async (g) => {
    const rows = await rowsOf<{ count: string }>(query, `SELECT count(*)::text AS count FROM (${waiting}) w`);
    if (rows?.[0] !== undefined) g.set(Number(rows[0].count));
  });
  gauge("comedec_revocation_oldest_wait_seconds", "Age of the oldest revocation request waiting (0 when none waits).", [], async (g) => {
    const rows = await rowsOf<{ age: string | null }>(query, `SELECT extract(epoch FROM now() - min(recorded_at))::text AS age FROM (${waiting}) w`);
    if (rows?.[0] !== undefined) g.set(rows[0].age === null ? 0 : Number(rows[0].age));
  });
  gauge("comedec_crl_age_seconds", "Age of the latest CRL (RGS: at most 24 hours); -1 when none was ever published.", [], async (g) => {
    const rows = await rowsOf<{ age: string | null }>(query, "SELECT extract(epoch FROM now() - max(this_update))::text AS age FROM crl");
    if (rows?.[0] !== undefined) g.set(rows[0].age === null ? -1 : Number(rows[0].age));
  });
  gauge("comedec_certificates_expiring_30d", "Certificates not revoked that end within 30 days.", [], async (g) => {
    const rows = await rowsOf<{ count: string }>(
      query,
      "SELECT count(*)::text AS count FROM certificate WHERE revoked_at IS NULL AND not_after > now() AND not_after <= now() + interval '30 days'",
    );
    if (rows?.[0] !== undefined) g.set(Number(rows[0].count));
  });
  gauge(
    "comedec_notifications_kept",
    "Notifications still undelivered 15 minutes after they were made, by kind: nobody can receive them (or the mail server refuses); GET /monitoring/notifications lists them.",
    ["kind"],
    async (g) => {
      const rows = await rowsOf<{ kind: string; count: string }>(
        query,
        "SELECT kind, count(*)::text AS count FROM notification WHERE sent_at IS NULL AND created_at < now() - interval '15 minutes' GROUP BY 1",
      );
      for (const row of rows ?? []) g.set({ kind: row.kind }, Number(row.count));
    },
  );
  gauge("comedec_cards", "Cards by state.", ["state"], async (g) => {
    const rows = await rowsOf<{ status: string; count: string }>(query, "SELECT status, count(*)::text AS count FROM card GROUP BY 1");
    for (const row of rows ?? []) g.set({ state: row.status }, Number(row.count));
  });
};
