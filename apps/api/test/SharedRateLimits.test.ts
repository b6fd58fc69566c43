/**
 * Rate limits kept in the database: the client behind trusted proxies is the rightmost hop of
 * `X-Forwarded-For` that is not a proxy (what the client writes on the left changes nothing), by
 * count or by the proxies' addresses; and two API processes on one PostgreSQL database share the
 * count, so a client spreading its requests over both meets one limit.
 */
import { adapters } from "@comedec/persistence/testing";
import { ManagedRuntime } from "effect";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as RateLimits from "../src/RateLimits.js";
import * as Services from "./Services.js";
import { type Started, start } from "./Started.js";

describe("the client address behind trusted proxies", () => {
  it("is the rightmost hop that is not a trusted proxy", () => {
    const forwarded = "10.9.9.9, 198.51.100.20, 203.0.113.5";
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, 0)).toBe("192.0.2.1");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, false)).toBe("192.0.2.1");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, 1)).toBe("203.0.113.5");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, true)).toBe("203.0.113.5");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, 2)).toBe("198.51.100.20");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, ["192.0.2.1"])).toBe("203.0.113.5");
    expect(RateLimits.clientAddress("192.0.2.1", forwarded, ["192.0.2.1", "203.0.113.5"])).toBe("198.51.100.20");
    // A peer that is not a listed proxy is the client, whatever it forwards.
    expect(RateLimits.clientAddress("192.0.2.66", forwarded, ["192.0.2.1"])).toBe("192.0.2.66");
    expect(RateLimits.clientAddress("::ffff:192.0.2.1", "203.0.113.5", ["192.0.2.1"])).toBe("203.0.113.5");
    expect(RateLimits.clientAddress("192.0.2.1", undefined, 1)).toBe("192.0.2.1");
  });

  const adapter = adapters[0] as (typeof adapters)[number];
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  afterAll(() => runtime.dispose());

  it("keys the limit on that hop: a client writing the first entries does not get a new count", async () => {
    const app = App.make(runtime, { rateLimits: { ...RateLimits.defaults, login: 2, trustProxy: 1 } });
    const post = (forwardedFor: string) =>
      app.request("/sessions/challenges", { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor }, body: "{}" });
    expect((await post("1.1.1.1, 203.0.113.60")).status).toBe(201);
    expect((await post("2.2.2.2, 203.0.113.60")).status).toBe(201);
    expect((await post("3.3.3.3, 4.4.4.4, 203.0.113.60")).status).toBe(429);
    expect((await post("203.0.113.60")).status).toBe(429);
    expect((await post("203.0.113.60, 203.0.113.61")).status).toBe(201);
  });
});

const databaseUrl = process.env.DATABASE_URL;
// The API has no driver of its own to create the database with: the persistence adapter's.
const pg = createRequire(createRequire(import.meta.url).resolve("@comedec/persistence"))("pg") as {
  readonly Client: new (options: {
    readonly connectionString: string;
  }) => {
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
  };
};

describe.skipIf(databaseUrl === undefined || databaseUrl === "")("two API processes on one PostgreSQL database", () => {
  const name = `comedec_limits_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-limits-"));
  const instances: Array<Started> = [];
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: databaseUrl as string });
    await client.connect();
    await client.query(statement);
    await client.end();
  };
  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("share the count: a client spreading its requests over both meets one limit", async () => {
    await admin(`CREATE DATABASE ${name}`);
    const target = new URL(databaseUrl as string);
    target.pathname = `/${name}`;
    const environment = {
      DATABASE_URL: target.toString(),
      COMEDEC_DATA_DIR: dataDir,
      COMEDEC_SECRET_KEY: "ab".repeat(32),
      COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
      COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
      // The test stands where the proxy would: its address is the trusted proxy's.
      COMEDEC_TRUST_PROXY: "127.0.0.1",
    };
    // One after the other: the second finds the database migrated and the CA made.
    instances.push(await start(environment));
    instances.push(await start(environment));
    const post = (instance: Started, forwardedFor: string) =>
      fetch(`${instance.base}/sessions/challenges`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: "{}",
      }).then((response) => response.status);
    const statuses: Array<number> = [];
    for (let index = 0; index < RateLimits.defaults.login; index++) {
      // The client varies what it writes on the left; the proxy appends the address it saw.
      statuses.push(await post(instances[index % 2] as Started, `10.0.0.${index % 250}, 203.0.113.80`));
    }
    expect(statuses.every((status) => status === 201)).toBe(true);
    expect(await post(instances[0] as Started, "203.0.113.80")).toBe(429);
    expect(await post(instances[1] as Started, "9.9.9.9, 203.0.113.80")).toBe(429);
    // Another client behind the same proxy still gets in, on either instance.
    expect(await post(instances[1] as Started, "203.0.113.81")).toBe(201);
  }, 240_000);
});
