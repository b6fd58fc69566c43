/**
 * Faults survived on PostgreSQL (issue 24): a server of this test's own (Debian's binaries, a
 * temporary cluster on a free loopback port) under the built API and a built worker process,
 * written to and read from without pause while
 * - the server restarts: both processes stay up, every answer meanwhile is a success or a 503
 *   problem+json with Retry-After (never a 500, never a hang), and they serve again by themselves;
 * - the API is killed with SIGKILL, then the worker: started again, they serve and work again;
 * - the API gets SIGTERM while requests are in flight: every one of them is answered.
 * Afterwards every acknowledged write reads back as written, each activation code was mailed once
 * and the audit chain verifies. Skipped where no PostgreSQL binaries are installed.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registration, type Side } from "./Routes.js";
import { waitFor } from "./Started.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const workerMain = fileURLToPath(new URL("../../worker/dist/main.js", import.meta.url));
const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
const bin = versions.length === 0 ? undefined : `/usr/lib/postgresql/${versions.at(-1)}/bin`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Runs a PostgreSQL binary as the `postgres` user when this is root (PostgreSQL refuses root). */
const asServerUser = () => {
  if (process.getuid?.() !== 0) return {};
  return { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) };
};

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

describe.skipIf(bin === undefined)("the platform on PostgreSQL through its faults", () => {
  const root = mkdtempSync(join(tmpdir(), "comedec-faults-"));
  const cluster = join(root, "cluster");
  const dataDir = join(root, "data");
  const user = asServerUser();
  let databasePort = 0;
  let apiPort = 0;
  let environment: NodeJS.ProcessEnv = {};
  let api: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let output = "";
  const tokens = { lyon: "" };
  const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };

  const pgCtl = (...args: ReadonlyArray<string>) =>
    execFileSync(`${bin}/pg_ctl`, ["-D", cluster, "-w", "-t", "60", ...args], { ...user, stdio: ["ignore", "pipe", "pipe"] });
  const base = () => `http://127.0.0.1:${apiPort}`;
  const startApi = async () => {
    const child = spawn(process.execPath, [main], { env: { ...environment, PORT: String(apiPort) }, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    api = child;
    await waitFor(
      "the API",
      () =>
        fetch(`${base()}/ready`).then(
          (response) => (response.ok ? true : undefined),
          () => undefined,
        ),
      120_000,
    );
    return child;
  };
  const startWorker = () => {
    const child = spawn(process.execPath, [workerMain], { env: environment, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    worker = child;
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve));

  /** A request, bounded: a hang counts as an answer of status 0. */
  const send = async (method: string, path: string, body?: unknown) => {
    try {
      const response = await fetch(`${base()}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.lyon}`, "content-type": "application/json" },
        signal: AbortSignal.timeout(20_000),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, type: response.headers.get("content-type"), retryAfter: response.headers.get("retry-after"), text };
    } catch (error) {
      const name = (error as Error).name;
      return { status: name === "TimeoutError" ? 0 : -1, type: null, retryAfter: null, text: String(error) };
    }
  };

  /** A request on a connection of its own, telling whether the connection was accepted before any answer. */
  const sendOnItsOwn = (method: string, path: string, body: unknown) =>
    new Promise<{ readonly connected: boolean; readonly status: number; readonly text: string }>((resolve) => {
      let connected = false;
      const outgoing = request(`${base()}${path}`, {
        method,
        agent: false,
        headers: { authorization: `Bearer ${tokens.lyon}`, "content-type": "application/json" },
        timeout: 20_000,
      });
      outgoing.on("socket", (socket) => socket.once("connect", () => (connected = true)));
      outgoing.on("response", (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        response.on("end", () => resolve({ connected, status: response.statusCode ?? 0, text }));
      });
      outgoing.on("error", (error) => resolve({ connected, status: -1, text: String(error) }));
      outgoing.on("timeout", () => outgoing.destroy(new Error("timed out")));
      outgoing.end(JSON.stringify(body));
    });

  // Writes that were acknowledged, by document number, with their id.
  const acknowledged = new Map<string, string>();
  let written = 0;
  const person = (number: string) => {
    written += 1;
    const given = registration(lyon, number);
    const birthDate = `19${String(50 + (written % 50)).padStart(2, "0")}-0${1 + (written % 9)}-${String(1 + (written % 28)).padStart(2, "0")}`;
    const birthName = `Martin${String.fromCharCode(65 + (written % 26))}${String.fromCharCode(65 + (Math.floor(written / 26) % 26))}`;
    return {
      ...given,
      identity: { ...given.identity, birthName, birthDate },
      document: { ...given.document, holder: { ...given.document.holder, birthName: birthName.toUpperCase(), birthDate } },
    };
  };

  /** Writes and reads with `writers` in parallel until `until` resolves; returns every status seen that is not a success. */
  const load = async (until: Promise<unknown>, writers = 6) => {
    let done = false;
    void until.finally(() => (done = true));
    const bad: Array<string> = [];
    const unavailable: Array<string> = [];
    const one = async (lane: number) => {
      for (let round = 0; !done; round += 1) {
        const number = `RS${lane}${String(round).padStart(6, "0")}${Math.floor(Math.random() * 1000)}`;
        const wrote = await send("POST", "/agents", person(number));
        if (wrote.status === 201) acknowledged.set(number, JSON.parse(wrote.text).id as string);
        else if (wrote.status === 503 && wrote.type === "application/problem+json" && wrote.retryAfter !== null) unavailable.push(wrote.text);
        else bad.push(`POST ${wrote.status} ${wrote.text.slice(0, 300)}`);
        const read = await send("GET", "/agents?commune=69123&limit=5");
        if (read.status !== 200 && !(read.status === 503 && read.type === "application/problem+json" && read.retryAfter !== null)) {
          bad.push(`GET ${read.status} ${read.text.slice(0, 300)}`);
        }
        if (wrote.status === 503 || wrote.status <= 0) await sleep(100);
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, lane) => one(lane)));
    return { bad, unavailable };
  };

  const servesWrites = () =>
    waitFor(
      "writes to succeed again",
      async () => ((await send("POST", "/agents", person(`RW${Date.now()}${Math.floor(Math.random() * 1e4)}`))).status === 201 ? true : undefined),
      60_000,
    );

  beforeAll(async () => {
    databasePort = await freePort();
    apiPort = await freePort();
    rmSync(cluster, { recursive: true, force: true });
    execFileSync("mkdir", ["-p", cluster, dataDir]);
    // The server's user must reach its cluster inside this test's private directory.
    chmodSync(root, 0o711);
    if (user.uid !== undefined) chownSync(cluster, user.uid, user.gid);
    execFileSync(`${bin}/initdb`, ["-D", cluster, "-U", "postgres", "--auth", "trust", "--no-sync"], { ...user, stdio: "ignore" });
    pgCtl("-o", `-p ${databasePort} -k ${cluster} -c listen_addresses=127.0.0.1 -c fsync=on`, "-l", join(cluster, "log"), "start");
    environment = {
      ...process.env,
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${databasePort}/postgres`,
      COMEDEC_DATA_DIR: dataDir,
      COMEDEC_SMTP_URL: "",
      // Production (DATABASE_URL) starts only with its secrets and both CA custodians given.
      COMEDEC_SECRET_KEY: "5e".repeat(32),
      COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
      COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
      COMEDEC_DB_CONNECT_TIMEOUT_MS: "2000",
      COMEDEC_DB_STATEMENT_TIMEOUT_MS: "5000",
      COMEDEC_WORKER_CONCURRENCY: "2",
    };
    await startApi();
    startWorker();
    tokens.lyon = execFileSync(
      process.execPath,
      [cli, "token", "issue", "--role", "commune-operator", "--site", "commune:69123", "--name", "Responsable carte", "--purpose", "bootstrap", "--days", "1"],
      { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    ).trim();
  }, 180_000);

  afterAll(async () => {
    for (const child of [api, worker]) {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited(child);
      }
    }
    try {
      pgCtl("-m", "immediate", "stop");
    } catch {
      // Already stopped.
    }
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("stays up through a PostgreSQL restart, answering 503 with Retry-After meanwhile, and serves again by itself", async () => {
    const restart = (async () => {
      await sleep(1500);
      pgCtl("-m", "fast", "stop");
      // Away long enough for requests to meet it: connections refused, then the server back.
      await sleep(4000);
      pgCtl("-o", `-p ${databasePort} -k ${cluster} -c listen_addresses=127.0.0.1`, "-l", join(cluster, "log"), "start");
      await servesWrites();
      await sleep(1000);
    })();
    const { bad, unavailable } = await load(restart);
    expect(bad).toEqual([]);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(JSON.parse(unavailable[0] as string)).toMatchObject({ status: 503, code: "database-unavailable" });
    expect(api?.exitCode).toBeNull();
    expect(worker?.exitCode).toBeNull();
    expect(output).not.toMatch(/Unhandled 'error' event|uncaughtException/);
  }, 120_000);

  it("reports itself not ready while the database is away, and alive all the same", async () => {
    pgCtl("-m", "fast", "stop");
    try {
      const ready = await fetch(`${base()}/ready`, { signal: AbortSignal.timeout(15_000) });
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).not.toBeNull();
      expect(await ready.json()).toMatchObject({ status: "not-ready", database: "unavailable" });
      expect((await fetch(`${base()}/health`)).status).toBe(200);
      // The PKI's routes, outside the handlers, read the register too: a 503 to retry, or what they hold, never a 500.
      const crl = await fetch(`${base()}/pki/crl`, { signal: AbortSignal.timeout(15_000) });
      expect([200, 503]).toContain(crl.status);
      if (crl.status === 503) expect(crl.headers.get("retry-after")).not.toBeNull();
    } finally {
      pgCtl("-o", `-p ${databasePort} -k ${cluster} -c listen_addresses=127.0.0.1`, "-l", join(cluster, "log"), "start");
    }
    const ready = await waitFor("ready again", () => fetch(`${base()}/ready`).then((response) => (response.ok ? response.json() : undefined)), 30_000);
    expect(ready).toEqual({ status: "ready", database: "ok", migrations: "applied", caKeys: "open" });
  }, 60_000);

  it("loses no acknowledged write when the API and then the worker are killed with SIGKILL under load", async () => {
    const kills = (async () => {
      await sleep(1500);
      api?.kill("SIGKILL");
      await exited(api as ChildProcess);
      await startApi();
      worker?.kill("SIGKILL");
      await exited(worker as ChildProcess);
      startWorker();
      await sleep(1500);
    })();
    const { bad } = await load(kills, 4);
    // Requests cut by the kill fail at the socket (status -1): none was acknowledged, so none may be missing.
    expect(bad.filter((line) => !line.startsWith("POST -1") && !line.startsWith("GET -1"))).toEqual([]);
    expect(api?.exitCode).toBeNull();
    expect(worker?.exitCode).toBeNull();
  }, 180_000);

  it("answers every request in flight when the API is stopped with SIGTERM", async () => {
    const numbers = Array.from({ length: 16 }, (_, index) => `ST${index}${Date.now()}`);
    const people = numbers.map((number) => person(number));
    const inFlight = people.map((body) => sendOnItsOwn("POST", "/agents", body));
    await sleep(20);
    api?.kill("SIGTERM");
    const answers = await Promise.all(inFlight);
    await exited(api as ChildProcess);
    expect(api?.exitCode).toBe(0);
    await startApi();
    for (const [index, answer] of answers.entries()) {
      if (answer.status === 201) {
        acknowledged.set(numbers[index] as string, JSON.parse(answer.text).id as string);
        continue;
      }
      // Not answered: refused, or reset before its request was read (the server had not begun it),
      // so it was not done, and sending it again registers the person once.
      expect(answer.status, answer.text).toBe(-1);
      expect(answer.text).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
      const again = await send("POST", "/agents", people[index]);
      expect(again.status, again.text).toBe(201);
      acknowledged.set(numbers[index] as string, JSON.parse(again.text).id as string);
    }
    expect(answers.some((answer) => answer.status === 201)).toBe(true);
  }, 120_000);

  it("has every acknowledged write, as written, and a chain that verifies", async () => {
    expect(acknowledged.size).toBeGreaterThan(10);
    for (const [, id] of acknowledged) {
      const read = await send("GET", `/agents/${id}`);
      expect(read.status, read.text).toBe(200);
      expect(JSON.parse(read.text).id).toBe(id);
    }
    const verified = execFileSync(process.execPath, [cli, "audit", "verify"], { env: environment, encoding: "utf8" });
    expect(verified).toMatch(/^audit trail valid/);
  }, 120_000);
});
