/**
 * Watched, as started: the built API with `COMEDEC_METRICS_PORT` serves `/metrics` on a port of
 * its own bound to 127.0.0.1 (the API's port has no `/metrics`), counting the requests by route,
 * with the database's connections and graphile-worker's queue read on the scrape; its standard
 * output carries one JSON line per request, the request id echoed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./Started.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe("the started API's metrics port and request log", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-watched-"));
  let server: ChildProcess;
  let stdout = "";
  let stderr = "";
  let base: string;
  let metricsBase: string;

  beforeAll(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    metricsBase = `http://127.0.0.1:${metricsPort}`;
    server = spawn(process.execPath, [main], {
      env: { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: dataDir, PORT: String(port), COMEDEC_METRICS_PORT: String(metricsPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    server.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    await waitFor(
      "the API to answer",
      () =>
        fetch(`${base}/health`).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        ),
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${stderr}`);
    });
  }, 120_000);
  afterAll(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves /metrics on its own port, on 127.0.0.1, with the counters moving", async () => {
    expect(stderr).toContain(`metrics on ${metricsBase}/metrics`);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    for (let i = 0; i < 2; i++) expect((await fetch(`${base}/agents/00000000-0000-4000-8000-000000000000`)).status).toBe(401);
    const text = await (await fetch(`${metricsBase}/metrics`)).text();
    expect(text).toMatch(/^comedec_http_requests_total\{method="GET",route="getAgent",status="401"\} 2$/m);
    expect(text).toMatch(/^comedec_http_requests_total\{method="GET",route="\/health",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^comedec_db_connections\{state="[a-z ]+"\} [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE comedec_jobs_queued gauge$/m);
    expect(text).toMatch(/^comedec_crl_age_seconds -?\d/m);
    expect(text).toMatch(/^comedec_process_resident_memory_bytes \d+/m);
  });

  it("writes one JSON line per request on standard output, the request id echoed", async () => {
    const response = await fetch(`${base}/ready`, { headers: { "x-request-id": "probe-42" } });
    expect(response.headers.get("x-request-id")).toBe("probe-42");
    const line = await waitFor("the request's log line", async () =>
      stdout
        .split("\n")
        .filter((text) => text.startsWith("{"))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.requestId === "probe-42"),
    );
    expect(line).toMatchObject({ msg: "request", method: "GET", route: "/ready", status: response.status });
  });
});
