/**
 * The embedded platform through its faults (issue 24, ADR 0013): the built API killed with SIGKILL
 * leaves its PostgreSQL server running; the next start on the same data directory stops that
 * orphan and starts afresh, and every write acknowledged before the kill is there, the chain
 * verifying. A second start while one runs is refused; the server killed under a running API makes
 * the API stop, saying why (exit 70), rather than answer 503 for ever.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { registration, type Side } from "./Routes.js";
import { waitFor } from "./Started.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess) =>
  new Promise<number | string | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.exitCode ?? child.signalCode)
      : child.once("exit", (code, signal) => resolve(code ?? signal)),
  );

/** Whether `pid` runs: a process that exited but is not reaped yet (a zombie) does not. */
const runs = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
};

describe("the embedded platform killed, and started again on its data directory", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-embedded-restart-"));
  const environment: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: dataDir };
  const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };
  const running: Array<ChildProcess> = [];
  let output = "";

  const start = async (port: number) => {
    const child = spawn(process.execPath, [main], { env: { ...environment, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    running.push(child);
    await waitFor(
      "the API to be ready",
      () =>
        fetch(`http://127.0.0.1:${port}/ready`).then(
          (response) => (response.ok ? true : undefined),
          () => undefined,
        ),
      120_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${output}`);
    });
    return child;
  };

  afterAll(async () => {
    for (const child of running) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited(child);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("keeps every acknowledged write through a SIGKILL, stops the orphaned server and verifies its chain", async () => {
    const port = await freePort();
    const first = await start(port);
    const token = execFileSync(
      process.execPath,
      [cli, "token", "issue", "--role", "commune-operator", "--site", "commune:69123", "--name", "Responsable carte", "--purpose", "bootstrap", "--days", "1"],
      { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    ).trim();
    const post = (number: string, index: number) => {
      const given = registration(lyon, number);
      const birthDate = `1979-0${1 + (index % 9)}-${String(1 + (index % 28)).padStart(2, "0")}`;
      return fetch(`http://127.0.0.1:${port}/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          ...given,
          identity: { ...given.identity, birthDate },
          document: { ...given.document, holder: { ...given.document.holder, birthDate } },
        }),
      }).then(
        async (response) => (response.status === 201 ? ((await response.json()) as { id: string }).id : undefined),
        () => undefined,
      );
    };
    // Writes in flight when the process is killed: those acknowledged must survive.
    const writes = Array.from({ length: 30 }, (_, index) => post(`EK${String(index).padStart(7, "0")}`, index));
    // Killed as soon as one is acknowledged, the others still on their way.
    await Promise.any(writes.map((write) => write.then((id) => id ?? Promise.reject(new Error("refused")))));
    first.kill("SIGKILL");
    await exited(first);
    const acknowledged = (await Promise.all(writes)).filter((id): id is string => id !== undefined);
    expect(acknowledged.length).toBeGreaterThan(0);
    const orphan = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    expect(runs(orphan)).toBe(true);

    await start(port);
    expect(runs(orphan)).toBe(false);
    expect(Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0])).not.toBe(orphan);
    for (const id of acknowledged) {
      const read = await fetch(`http://127.0.0.1:${port}/agents/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status).toBe(200);
    }
    const verified = execFileSync(process.execPath, [cli, "audit", "verify"], { env: environment, encoding: "utf8" });
    expect(verified).toMatch(/^audit trail valid/);
  }, 240_000);

  it("refuses a second start on a data directory the platform serves", async () => {
    const second = spawn(process.execPath, [main], { env: { ...environment, PORT: String(await freePort()) }, stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    second.stderr?.on("data", (chunk: Buffer) => (said += chunk.toString("utf8")));
    expect(await exited(second)).toBe(69);
    expect(said).toContain("already served by another process");
  }, 60_000);

  it("stops, saying why, when its PostgreSQL server is killed under it", async () => {
    const api = running.at(-1) as ChildProcess;
    const postmaster = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(postmaster, "SIGKILL");
    expect(await exited(api)).toBe(70);
    expect(output).toContain("the embedded database is gone, stopping");
  }, 60_000);
});
