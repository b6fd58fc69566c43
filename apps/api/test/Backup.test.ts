/**
 * Backup and restore as the README's operations section tells the operator to do it (issue 24):
 * on PostgreSQL, `pg_dump --format=custom` of the database and a copy of the data directory (the
 * CA's sealed keys, the published checkpoints), restored with `pg_restore` into a fresh database;
 * the platform started on the restored database serves what was written before the backup, and
 * `audit verify` passes against the checkpoints published before it. A checkpoint published after
 * the backup names what the restored database lacks: the restore cannot hide lost entries. In the
 * embedded mode, the data directory copied while the platform is stopped starts and verifies too.
 * The PostgreSQL part runs where `DATABASE_URL` is set and Debian's `pg_dump` is installed.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { registration, type Side } from "./Routes.js";
import { waitFor } from "./Started.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const databaseUrl = process.env.DATABASE_URL;
const dumpTools = existsSync("/usr/bin/pg_dump") && existsSync("/usr/bin/pg_restore");

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
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
  };
};
const admin = async (statement: string) => {
  const client = new pg.Client({ connectionString: databaseUrl as string });
  await client.connect();
  await client.query(statement);
  await client.end();
};

/** The built API on `environment`, until stopped with SIGTERM. */
const platform = async (environment: NodeJS.ProcessEnv) => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [main], { env: { ...environment, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  await waitFor(
    "the API to be ready",
    () =>
      child.exitCode !== null
        ? Promise.reject(new Error(`the API exited (${child.exitCode})`))
        : fetch(`${base}/ready`).then(
            (response) => (response.ok ? true : undefined),
            () => undefined,
          ),
    150_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${output}`);
  });
  return {
    base,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
};

const command = (environment: NodeJS.ProcessEnv, ...args: ReadonlyArray<string>) =>
  execFileSync(process.execPath, [cli, ...args], { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** `audit verify`'s exit code and line. */
const verify = (environment: NodeJS.ProcessEnv, ...args: ReadonlyArray<string>) => {
  try {
    return { code: 0, line: command(environment, "audit", "verify", ...args) };
  } catch (error) {
    const failed = error as { status: number; stdout: string };
    return { code: failed.status, line: String(failed.stdout).trim() };
  }
};

const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };

/** Registers `count` agents at Lyon; their ids by document number. */
const register = async (base: string, token: string, prefix: string, count: number) => {
  const written = new Map<string, string>();
  for (let index = 0; index < count; index++) {
    const number = `${prefix}${String(index).padStart(4, "0")}`;
    const body = registration(lyon, number);
    const birthName = `Sauve${String.fromCharCode(65 + index)}${prefix}`;
    const response = await fetch(`${base}/agents`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        ...body,
        identity: { ...body.identity, birthName },
        document: { ...body.document, holder: { ...body.document.holder, birthName: birthName.toUpperCase() } },
      }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    written.set(number, JSON.parse(text).id as string);
  }
  return written;
};

const readsBack = async (base: string, token: string, written: ReadonlyMap<string, string>) => {
  for (const [, id] of written) {
    const response = await fetch(`${base}/agents/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { readonly id: string }).id).toBe(id);
  }
};

describe.skipIf(databaseUrl === undefined || databaseUrl === "" || !dumpTools)("backup and restore on PostgreSQL (pg_dump, pg_restore)", () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const original = `comedec_backup_${suffix}`;
  const restored = `comedec_restored_${suffix}`;
  const root = mkdtempSync(join(tmpdir(), "comedec-backup-"));
  const stops: Array<() => Promise<void>> = [];
  const at = (name: string) => {
    if (databaseUrl === undefined || databaseUrl === "") return "";
    const target = new URL(databaseUrl as string);
    target.pathname = `/${name}`;
    return target.toString();
  };
  const secrets = {
    COMEDEC_SMTP_URL: "",
    COMEDEC_SECRET_KEY: "b4".repeat(32),
    COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
    COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
  };
  const before = { ...process.env, ...secrets, DATABASE_URL: at(original), COMEDEC_DATA_DIR: join(root, "data") };
  const after = { ...process.env, ...secrets, DATABASE_URL: at(restored), COMEDEC_DATA_DIR: join(root, "restored-data") };
  const published = join(root, "data", "audit-checkpoints");
  let token = "";
  let kept = new Map<string, string>();

  afterAll(async () => {
    for (const stop of stops) await stop();
    await admin(`DROP DATABASE IF EXISTS ${original} WITH (FORCE)`);
    await admin(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("restores into a fresh database: the platform starts on it, serves what was written and verifies against the published checkpoints", async () => {
    await admin(`CREATE DATABASE ${original}`);
    const running = await platform(before);
    stops.push(running.stop);
    token = command(
      before,
      "token",
      "issue",
      "--role",
      "commune-operator",
      "--site",
      "commune:69123",
      "--name",
      "Responsable carte",
      "--purpose",
      "bootstrap",
      "--days",
      "1",
    );
    kept = await register(running.base, token, "BK", 5);
    expect(command(before, "audit", "checkpoint")).not.toBe("");
    expect(readdirSync(published).length).toBeGreaterThan(0);

    // The backup, while the platform runs: one consistent snapshot of the database, and the data directory.
    execFileSync("pg_dump", ["--format=custom", "--no-owner", "--file", join(root, "comedec.dump"), at(original)], { stdio: ["ignore", "ignore", "pipe"] });
    cpSync(join(root, "data"), join(root, "backup-data"), { recursive: true });

    // The restore, into a database that never held anything.
    await admin(`CREATE DATABASE ${restored}`);
    execFileSync("pg_restore", ["--no-owner", "--exit-on-error", "--dbname", at(restored), join(root, "comedec.dump")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    cpSync(join(root, "backup-data"), join(root, "restored-data"), { recursive: true });
    const back = await platform(after);
    stops.push(back.stop);
    await readsBack(back.base, token, kept);
    expect(await (await fetch(`${back.base}/ready`)).json()).toEqual({ status: "ready", database: "ok", migrations: "applied", caKeys: "open" });
    // Against the original publication (shipped elsewhere), and against the restored copy.
    const shipped = verify(after, "--checkpoints", published);
    expect(shipped.code, shipped.line).toBe(0);
    expect(shipped.line).toMatch(/^audit trail valid: \d+ events, through [1-9]\d* signed checkpoints/);
    expect(verify(after).code).toBe(0);
    // It takes writes again, on the same chain.
    await register(back.base, token, "RS", 2);
    expect(verify(after).code).toBe(0);
  }, 400_000);

  it("names what a restored backup lacks once a later checkpoint was published", async () => {
    const running = await platform(before);
    stops.push(running.stop);
    await register(running.base, token, "LT", 3);
    command(before, "audit", "checkpoint");
    const behind = verify(after, "--checkpoints", published);
    expect(behind.code).toBe(2);
    expect(behind.line).toMatch(/^audit trail BROKEN at position \d+/);
  }, 300_000);
});

describe("backup and restore of the embedded mode (the data directory copied while stopped)", () => {
  const root = mkdtempSync(join(tmpdir(), "comedec-backup-embedded-"));
  // The embedded server runs as the `postgres` user when this is root: it must reach its cluster in here.
  chmodSync(root, 0o711);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("starts on the copy, serves what was written and verifies against the published checkpoints", async () => {
    const environment = { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: join(root, "data") };
    const copy = { ...environment, COMEDEC_DATA_DIR: join(root, "copy") };
    const running = await platform(environment);
    let token = "";
    let kept = new Map<string, string>();
    try {
      token = command(
        environment,
        "token",
        "issue",
        "--role",
        "commune-operator",
        "--site",
        "commune:69123",
        "--name",
        "Responsable carte",
        "--purpose",
        "bootstrap",
        "--days",
        "1",
      );
      kept = await register(running.base, token, "EB", 3);
      command(environment, "audit", "checkpoint");
    } finally {
      await running.stop();
    }
    // `cp -a`: the cluster stays its server user's (run by root, the server runs as `postgres`).
    execFileSync("cp", ["-a", join(root, "data"), join(root, "copy")]);
    const back = await platform(copy);
    try {
      await readsBack(back.base, token, kept);
      const shipped = verify(copy, "--checkpoints", join(root, "data", "audit-checkpoints"));
      expect(shipped.code, shipped.line).toBe(0);
    } finally {
      await back.stop();
    }
  }, 400_000);
});
