/**
 * The built platform started as `npm start` starts it (embedded defaults: its own PostgreSQL
 * server on a fresh data directory, the jobs in the same process, mail kept in the mailbox), for
 * suites that drive it over HTTP and through its command line.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { client } from "./Routes.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Polls `attempt` until it gives something, or fails after `millis`. */
export const waitFor = async <A>(what: string, attempt: () => Promise<A | undefined>, millis = 30_000): Promise<A> => {
  const until = Date.now() + millis;
  for (;;) {
    const found = await attempt();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

/** A running platform: its URL, data directory, environment, output so far, a client, and how to issue tokens and stop it. */
export interface Started {
  readonly base: string;
  readonly dataDir: string;
  readonly environment: NodeJS.ProcessEnv;
  readonly output: () => string;
  readonly ok: ReturnType<typeof client>["ok"];
  readonly call: ReturnType<typeof client>["call"];
  /** A bootstrap token from the operator's command line, which reaches the running platform through its socket. */
  readonly issue: (role: string, site: string, name: string, id?: string) => string;
  readonly stop: () => Promise<void>;
}

/** Starts the built API on its embedded defaults, with `extra` in its environment. */
export const start = async (extra: NodeJS.ProcessEnv = {}): Promise<Started> => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-start-"));
  const environment: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: dataDir, ...extra };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const server: ChildProcess = spawn(process.execPath, [main], { env: { ...environment, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  server.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  await waitFor(
    "the API to answer",
    () =>
      fetch(`${base}/health`)
        .then((response) => (response.ok ? true : undefined))
        .catch(() => undefined),
    90_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${output}`);
  });
  const { ok, call } = client({ request: (path, init) => fetch(`${base}${path}`, init) });
  return {
    base,
    dataDir,
    environment,
    output: () => output,
    ok,
    call,
    issue: (role, site, name, id) =>
      execFileSync(
        process.execPath,
        [
          cli,
          "token",
          "issue",
          "--role",
          role,
          "--site",
          site,
          "--name",
          name,
          "--purpose",
          "bootstrap",
          "--days",
          "1",
          ...(id === undefined ? [] : ["--id", id]),
        ],
        { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      ).trim(),
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
