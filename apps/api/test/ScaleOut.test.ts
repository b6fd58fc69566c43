/**
 * Scale out on PostgreSQL (issue 24): two built API processes and two built worker processes on
 * one database behave as one. A token issued once is honoured by both APIs, a record written
 * through one is read through the other, a card session opened on one is used on the other and
 * closed through it, then refused by both, the login limit is one count across both, and jobs
 * queued many times over while both workers take jobs make one audit checkpoint, leave no job
 * behind or failed, and the chain verifies. Runs where `DATABASE_URL` is set.
 */
import { ExchangeClient } from "@comedec/exchange-client";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, ManagedRuntime } from "effect";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as RateLimits from "../src/RateLimits.js";
import * as AtTheDesk from "./AtTheDesk.js";
import { registration, type Side } from "./Routes.js";
import * as Letters from "./Letters.js";
import { waitFor } from "./Started.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const workerMain = fileURLToPath(new URL("../../worker/dist/main.js", import.meta.url));
const databaseUrl = process.env.DATABASE_URL;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const pg = createRequire(createRequire(import.meta.url).resolve("@comedec/persistence"))("pg") as {
  readonly Client: new (options: {
    readonly connectionString: string;
  }) => {
    connect(): Promise<void>;
    query(text: string): Promise<{ readonly rows: ReadonlyArray<Record<string, unknown>> }>;
    end(): Promise<void>;
  };
};
const sql = async (connectionString: string, statement: string) => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
};

const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };
let people = 0;
/** A registration of someone not yet registered. */
const person = (number: string) => {
  people += 1;
  const given = registration(lyon, number);
  const birthName = `Echelle${String.fromCharCode(65 + people)}`;
  return {
    ...given,
    identity: { ...given.identity, birthName },
    document: { ...given.document, holder: { ...given.document.holder, birthName: birthName.toUpperCase() } },
  };
};

describe.skipIf(databaseUrl === undefined || databaseUrl === "")("two API processes and two workers on one PostgreSQL database", () => {
  const name = `comedec_scale_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const root = mkdtempSync(join(tmpdir(), "comedec-scale-"));
  const target = (() => {
    if (databaseUrl === undefined || databaseUrl === "") return "";
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  })();
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: target,
    // One data directory for all four, as a shared volume would be: the CA's sealed keys, the publication.
    COMEDEC_DATA_DIR: join(root, "data"),
    COMEDEC_SMTP_URL: "",
    COMEDEC_SECRET_KEY: "5c".repeat(32),
    COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
    COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
    COMEDEC_TRUST_PROXY: "127.0.0.1",
    COMEDEC_WORKER_CONCURRENCY: "4",
  };
  const children: Array<ChildProcess> = [];
  const bases: Array<string> = [];
  let output = "";
  let token = "";
  const tokens = { ants: "", deputy: "" };
  const issue = (role: string, site: string, name: string, ...id: ReadonlyArray<string>) =>
    execFileSync(process.execPath, [cli, "token", "issue", "--role", role, "--site", site, "--name", name, "--purpose", "bootstrap", "--days", "1", ...id], {
      env: environment,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();

  const spawnLogged = (file: string, extra: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [file], { env: { ...environment, ...extra }, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    children.push(child);
    return child;
  };
  const startApi = async () => {
    const port = await freePort();
    const child = spawnLogged(main, { PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      "an API to be ready",
      () =>
        child.exitCode !== null
          ? Promise.reject(new Error(`the API exited (${child.exitCode}): ${output}`))
          : // Not kept alive: a pooled connection the server closes meanwhile would fail the next request.
            fetch(`${base}/ready`, { headers: { connection: "close" } }).then(
              (response) => (response.ok ? true : undefined),
              () => undefined,
            ),
      150_000,
    );
    bases.push(base);
  };
  const call = (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((error: unknown) => {
      throw new Error(`${method} ${path}: ${String(error)}; exits ${children.map((child) => child.exitCode).join(",")}; ${output.slice(-2000)}`);
    });
  const verify = () => execFileSync(process.execPath, [cli, "audit", "verify"], { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const checkpoints = () => Number(/through (\d+) signed checkpoints/.exec(verify())?.[1] ?? "-1");

  beforeAll(async () => {
    chmodSync(root, 0o711);
    await sql(databaseUrl as string, `CREATE DATABASE ${name}`);
    // The first migrates and makes the CA; the second finds them done.
    await startApi();
    await startApi();
    spawnLogged(workerMain);
    spawnLogged(workerMain);
    token = issue("commune-operator", "commune:69123", "Responsable carte");
    // Here, not in a test: a command run synchronously blocks this process past the servers'
    // keep-alive timeout, and the next request on a connection they closed meanwhile would fail.
    tokens.ants = issue("national-administrator", "national", "ANTS");
    tokens.deputy = issue("commune-operator", "commune:69123", "Délégué de Lyon", "--id", "delegue-lyon-echelle");
  }, 400_000);

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    }
    await sql(databaseUrl as string, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it("honour one token on both, and read through one what was written through the other", async () => {
    const [first, second] = bases as [string, string];
    for (const [index, [writer, reader]] of [
      [first, second],
      [second, first],
    ].entries()) {
      const written = await call(writer as string, "POST", "/agents", person(`SC${index}${Date.now()}`));
      const text = await written.text();
      expect(written.status, text).toBe(201);
      const id = JSON.parse(text).id as string;
      const read = await call(reader as string, "GET", `/agents/${id}`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { readonly id: string }).id).toBe(id);
    }
    // Both list the same register.
    const listed = await call(first, "GET", "/agents?commune=69123&limit=50");
    expect(listed.status).toBe(200);
    expect((await call(second, "GET", "/agents?commune=69123&limit=50")).status).toBe(200);
  }, 60_000);

  it("use on the second a card session opened on the first, and once closed through the second, neither honours it", async () => {
    const [first, second] = bases as [string, string];
    const { ants, deputy } = tokens;
    const ok = async (as: string, base: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, "content-type": "application/json", connection: "close" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text);
    };
    // A holder's card published through the APIs, each step on either: the virtual card is in the shared data directory.
    const number = `SS${Date.now()}`;
    const holder = (await ok(token, first, "POST", "/agents", person(number))).id as string;
    const card = (await ok(token, second, "POST", "/cards", { holder, reason: "nouvelle carte" })).id as string;
    const serial = (await ok(ants, first, "POST", `/cards/${card}/production`, { reason: "fabrication" })).serial as string;
    await ok(ants, second, "POST", `/cards/${card}/shipment`, { reason: "envoi" });
    await ok(token, first, "POST", `/cards/${card}/receipt`, { serial, reason: "reçue" });
    const code = await Letters.codeFromLetter((path, init) => fetch(`${second}${path}`, init), ants, card);
    // The responsable carte registered the holder and ordered the card: the délégué is the second person.
    await ok(deputy, second, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
    const pin = "482915";
    // Handed over at the desk through the card agent, on the virtual cards of the shared directory
    // (opened once the card is made there): each platform call on either API, the PIN at the agent only.
    const cards = ManagedRuntime.make(Simulator.layer({ directory: join(root, "data", "cards") }));
    let calls = 0;
    const desk = await AtTheDesk.make(async (as, method, path, body) => {
      calls += 1;
      const response = await fetch(`${calls % 2 === 0 ? second : first}${path}`, {
        method,
        headers: { ...(as === undefined ? {} : { authorization: `Bearer ${as}` }), "content-type": "application/json", connection: "close" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    }, cards);
    const published = await desk
      .publish(token, card, {
        activationCode: code,
        pin,
        handOver: { document: { type: "carte-nationale-identite", number }, place: "mairie" },
        reason: "remise",
      })
      .finally(() => cards.dispose());
    expect(published.body.status, JSON.stringify(published.body)).toBe("active");
    // The challenge asked of the first API, signed by the card, the session opened there.
    const session = await Effect.runPromise(
      ExchangeClient.login({ baseUrl: first }, { serial, pin }).pipe(Effect.provide(Simulator.layer({ directory: join(root, "data", "cards") }))),
    );
    expect(session.token).toMatch(/^cmdcs_/);
    expect(session.actor).toMatchObject({ id: holder, role: "agent" });
    const asHolder = (base: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json", connection: "close" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // The second API honours it: the holder reads their own card there, and on the first.
    const read = await asHolder(second, "GET", `/cards/${card}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { readonly status: string }).status).toBe("active");
    expect((await asHolder(first, "GET", `/cards/${card}`)).status).toBe(200);
    // Closed through the second, it is closed for both.
    const closed = await asHolder(second, "POST", "/sessions/logout", { token: session.token });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toEqual({ closed: true });
    for (const base of [first, second]) {
      const refused = await asHolder(base, "GET", `/cards/${card}`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { readonly code: string }).code).toBe("unauthenticated");
    }
  }, 180_000);

  it("count one login limit across both", async () => {
    const [first, second] = bases as [string, string];
    const post = (base: string) => call(base, "POST", "/sessions/challenges", {}, { "x-forwarded-for": "203.0.113.90" }).then((response) => response.status);
    const statuses: Array<number> = [];
    for (let index = 0; index < RateLimits.defaults.login; index++) statuses.push(await post(index % 2 === 0 ? first : second));
    expect(statuses.every((status) => status === 201)).toBe(true);
    expect(await post(first)).toBe(429);
    expect(await post(second)).toBe(429);
  }, 120_000);

  it("run each job once: many checkpoint jobs queued while both workers take jobs make one checkpoint, and none is left or failed", async () => {
    const before = checkpoints();
    expect(before).toBeGreaterThanOrEqual(0);
    const written = await call(bases[0] as string, "POST", "/agents", person(`SJ${Date.now()}`));
    expect(written.status).toBe(201);
    const drained = (task: string) =>
      waitFor(
        `the ${task} jobs to run`,
        async () => {
          const [row] = await sql(target, `SELECT count(*)::int AS waiting FROM graphile_worker.jobs WHERE task_identifier = '${task}'`);
          return row?.waiting === 0 ? true : undefined;
        },
        90_000,
      );
    // Twelve jobs at once, no job key: the workers race for them; the checkpoint is signed once.
    await sql(target, `SELECT graphile_worker.add_job('audit-checkpoint', '{}'::json) FROM generate_series(1, 12)`);
    await drained("audit-checkpoint");
    expect(checkpoints()).toBe(before + 1);
    // Under a job key (as the crontab queues it), queued many times over, it is one job.
    const keyed = await sql(
      target,
      `SELECT graphile_worker.add_job('publish-crl', '{}'::json, job_key := 'scale-out-crl', run_at := now() + interval '1 hour') AS job FROM generate_series(1, 12)`,
    );
    expect(new Set(keyed.map((row) => (row.job as { readonly id: string }).id)).size).toBe(1);
    const [queued] = await sql(target, `SELECT count(*)::int AS queued FROM graphile_worker.jobs WHERE task_identifier = 'publish-crl'`);
    expect(queued?.queued).toBe(1);
    await sql(target, `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now()) FROM graphile_worker.jobs WHERE task_identifier = 'publish-crl'`);
    await drained("publish-crl");
    for (const child of children) expect(child.exitCode).toBeNull();
    expect(output).not.toMatch(/Unhandled 'error' event|uncaughtException/);
  }, 180_000);
});
