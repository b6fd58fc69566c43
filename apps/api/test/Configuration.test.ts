/**
 * The built API refused a bad configuration at start: exit code 78 (EX_CONFIG) and one line on
 * stderr naming the variable, no stack trace, before it opens anything — the metrics' and the
 * traces' variables as the others, and the worker's traces too. How the `OTEL_*` variables make
 * the traces' configuration (off without an endpoint) is read here as `main` reads it.
 */
import * as Platform from "@comedec/platform";
import { ConfigProvider, Exit } from "effect";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const workerMain = fileURLToPath(new URL("../../worker/dist/main.js", import.meta.url));

const started = (extra: NodeJS.ProcessEnv, program = main) => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-configuration-"));
  try {
    const run = spawnSync(process.execPath, [program], {
      env: { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: join(dataDir, "data"), ...extra },
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: run.status, stderr: run.stderr, opened: existsSync(join(dataDir, "data")) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

describe("the API started with a bad configuration", () => {
  it("exits 78 with one line naming PORT", () => {
    const run = started({ PORT: "abc" });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe("PORT: a port number from 1 to 65535 expected\n");
    expect(run.opened).toBe(false);
  });

  it("on PostgreSQL, refuses to start without the CA custodians rather than generating them", () => {
    const production = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test", COMEDEC_SECRET_KEY: "ab".repeat(32) };
    const none = started(production);
    expect(none.status).toBe(78);
    expect(none.stderr).toBe("COMEDEC_CA_CUSTODIAN_1: required with DATABASE_URL: production never generates the CA custodians' secrets\n");
    expect(none.opened).toBe(false);
    const one = started({ ...production, COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien" });
    expect(one.status).toBe(78);
    expect(one.stderr).toBe("COMEDEC_CA_CUSTODIAN_2: required with DATABASE_URL: production never generates the CA custodians' secrets\n");
  });

  it("names the secret key, and never repeats it", () => {
    const run = started({ COMEDEC_SECRET_KEY: "0123456789abcdef" });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe("COMEDEC_SECRET_KEY: 64 hexadecimal digits expected\n");
  });
});

describe("the metrics' and the traces' variables refused at start", () => {
  it.each([
    ["COMEDEC_METRICS_PORT", "abc", "a port number from 1 to 65535 expected"],
    ["COMEDEC_METRICS_PORT", "70000", "a port number from 1 to 65535 expected"],
    ["COMEDEC_METRICS_HOST", "127.0.0.1/8", "a host name or an IP address expected"],
    ["OTEL_TRACES_EXPORTER", "zipkin", "otlp or none expected"],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "an http:// or https:// URL expected"],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector/v1/traces", "an http:// or https:// URL expected"],
    ["OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "http/protobuf or http/json expected (no gRPC exporter is built in)"],
    ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "json", "http/protobuf or http/json expected (no gRPC exporter is built in)"],
    ["OTEL_TRACES_SAMPLER", "sometimes", `one of ${Platform.Configuration.samplers.join(", ")} expected`],
    ["OTEL_TRACES_SAMPLER_ARG", "1.5", "a ratio from 0 to 1 expected"],
    ["OTEL_SDK_DISABLED", "yes", "true or false expected"],
    ["OTEL_SERVICE_NAME", "   ", "a service name of 1 to 255 characters expected"],
  ])("%s=%s: exit 78, one line naming it", (variable, value, message) => {
    const run = started({ [variable]: value });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe(`${variable}: ${message}\n`);
    expect(run.opened).toBe(false);
  });

  it("COMEDEC_REQUEST_LOG=yes: exit 78, one line naming it", () => {
    const run = started({ COMEDEC_REQUEST_LOG: "yes" });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/^COMEDEC_REQUEST_LOG: [^\n]+\n$/);
    expect(run.stderr).not.toContain("yes");
  });

  it("the worker refuses a bad OTEL_* value the same way", () => {
    const run = started(
      {
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
        COMEDEC_SECRET_KEY: "ab".repeat(32),
        COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
        COMEDEC_CA_CUSTODIAN_2: "Second Gardien:secret-du-second-gardien",
        OTEL_TRACES_SAMPLER: "sometimes",
      },
      workerMain,
    );
    expect(run.status).toBe(78);
    expect(run.stderr).toBe(`OTEL_TRACES_SAMPLER: one of ${Platform.Configuration.samplers.join(", ")} expected\n`);
  });
});

describe("the traces' configuration from the OTEL_* variables", () => {
  const read = (env: Record<string, string>) => {
    const exit = Platform.Configuration.read(Platform.Configuration.tracing("comedec-api"), ConfigProvider.fromEnv({ env }));
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause));
    return exit.value;
  };

  it("is off — nothing to install — without an endpoint, with OTEL_TRACES_EXPORTER=none, or with OTEL_SDK_DISABLED=true", () => {
    expect(read({})).toBeUndefined();
    expect(read({ OTEL_SERVICE_NAME: "comedec", OTEL_TRACES_SAMPLER: "always_on" })).toBeUndefined();
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "TRUE" })).toBeUndefined();
  });

  it("sends to the base endpoint's /v1/traces, or to the traces endpoint as given, by OTLP/protobuf unless told http/json", () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toEqual({
      endpoint: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      serviceName: "comedec-api",
      sampler: { name: "parentbased_always_on", ratio: 1 },
    });
    expect(
      read({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/otlp",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "comedec-api-lyon",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
      }),
    ).toEqual({
      endpoint: "https://traces.example/otlp",
      protocol: "http/json",
      serviceName: "comedec-api-lyon",
      sampler: { name: "parentbased_traceidratio", ratio: 0.25 },
    });
  });

  it("OTEL_TRACES_EXPORTER=otlp alone sends to the specification's default collector", () => {
    expect(read({ OTEL_TRACES_EXPORTER: "otlp" })?.endpoint).toBe("http://localhost:4318/v1/traces");
  });
});
