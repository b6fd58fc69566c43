/**
 * Watched (issue 24): the Prometheus metrics move after a few requests, labelled by the
 * contract's operationId and never by a path; the SQL gauges (job queue, RGS figures, cards by
 * state) read the database on the scrape; the JSON request log has one line per request with its
 * request id (taken from `x-request-id` or generated, and echoed), and a walk that registers an
 * agent by name, orders a card and asks for its revocation leaves no name, e-mail, token or code in it.
 */
import { adapters } from "@comedec/persistence/testing";
import { RawSql } from "@comedec/persistence";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Metrics from "../src/Metrics.js";
import { client, fixture, type Side } from "./Routes.js";
import * as Services from "./Services.js";

const adapter = adapters[0]!;

/** The value of a sample of the scrape, by metric name and labels (`undefined` when absent). */
const sample = (text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined => {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const given = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => given[key] === value)) return Number(match[3]);
  }
  return undefined;
};

describe(`metrics and the request log on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const lines: Array<string> = [];
  let metrics: Metrics.Metrics;
  let app: ReturnType<typeof App.make>;
  let made: { sides: Record<"own" | "other", Side>; antsToken: string };
  const scrape = async () => {
    const response = await metrics.app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    return response.text();
  };

  beforeAll(async () => {
    metrics = Metrics.make(await runtime.runPromise(RawSql.use((raw) => Effect.succeed(raw.query))));
    app = App.make(runtime, { ...Services.suiteRateLimits, metrics, requestLog: (line) => lines.push(line) });
    made = await fixture(runtime, app);
  }, 120_000);
  afterAll(() => runtime.dispose());

  it("counts and times requests by operationId, and the counters move", async () => {
    const { call } = client(app);
    const agent = made.sides.own.agent;
    const before = await scrape();
    const route = { method: "GET", route: "getAgent", status: "200" };
    const counted = sample(before, "comedec_http_requests_total", route) ?? 0;
    for (let i = 0; i < 3; i++) expect((await call(made.antsToken, "GET", `/agents/${agent}`)).status).toBe(200);
    expect((await call("nope", "GET", `/agents/${agent}`)).status).toBe(401);
    await app.request("/health");
    const after = await scrape();
    expect(sample(after, "comedec_http_requests_total", route)).toBe(counted + 3);
    expect(sample(after, "comedec_http_request_duration_seconds_count", route)).toBe(counted + 3);
    expect(sample(after, "comedec_http_requests_total", { route: "getAgent", status: "401" })).toBe(1);
    expect(sample(after, "comedec_http_requests_total", { route: "/health", status: "200" })).toBe(1);
    expect(sample(after, "comedec_http_requests_total", { route: "registerAgent", status: "201" })).toBeGreaterThanOrEqual(2);
    // Never a path: no identifier in a label.
    expect(after).not.toContain(agent);
  });

  it("reads the database figures on the scrape: cards by state, revocations waiting, CRL, certificates ending, connections", async () => {
    let text = await scrape();
    expect(text).toMatch(/^comedec_cards\{state="[a-z-]+"\} 2$/m);
    expect(sample(text, "comedec_revocations_waiting")).toBe(2);
    expect(sample(text, "comedec_revocation_oldest_wait_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "comedec_certificates_expiring_30d")).toBe(0);
    const crlBefore = sample(text, "comedec_crl_age_seconds");
    expect(crlBefore).toBe(-1);
    expect((await app.request("/pki/crl")).status).toBe(200);
    text = await scrape();
    expect(sample(text, "comedec_crl_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "comedec_crl_age_seconds")).toBeLessThan(60);
    // Validating one revocation request leaves one waiting.
    await client(app).ok(made.antsToken, "POST", `/card-requests/${made.sides.other.request}/validation`, { reason: "révocation traitée" });
    expect(sample(await scrape(), "comedec_revocations_waiting")).toBe(1);
  });

  it("writes one JSON line per request with its request id, echoed, and nothing personal or secret", async () => {
    const response = await app.request("/health", { headers: { "x-request-id": "trace-abc.123" } });
    expect(response.headers.get("x-request-id")).toBe("trace-abc.123");
    const generated = await app.request("/health", { headers: { "x-request-id": "no spaces <allowed>" } });
    const id = generated.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((line) => line.requestId === "trace-abc.123")).toMatchObject({ msg: "request", method: "GET", route: "/health", status: 200 });
    expect(parsed.find((line) => line.requestId === id)).toBeDefined();
    for (const line of parsed) {
      expect(Object.keys(line).sort()).toEqual(["durationMs", "level", "method", "msg", "requestId", "route", "status", "time"]);
      expect(typeof line.durationMs).toBe("number");
    }
    expect(parsed.filter((line) => line.route === "registerAgent")).toHaveLength(2);
    expect(parsed.filter((line) => line.route === "orderCard")).toHaveLength(2);
    const log = lines.join("\n");
    const forbidden = [
      "Martin",
      "MARTIN",
      "Claire",
      "1985-04-05",
      "@mairie.fr",
      "Alice Roux",
      made.antsToken,
      "cmdc_",
      "cmdcs_",
      "Bearer",
      "perte",
      made.sides.own.agent,
      made.sides.own.card,
      "keyCompromise",
    ];
    for (const text of forbidden) expect(log, text).not.toContain(text);
  });
});
