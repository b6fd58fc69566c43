/**
 * The platform and a workstation for the browser suite, each a separate process as in real use:
 * the built API on its embedded defaults (a fresh data directory, its own PostgreSQL server), the
 * embedded demo prepared by `comedec demo prepare` (a commune whose responsable carte holds a
 * published virtual card), and the built card agent on the same virtual cards, serving the
 * console's origin on 127.0.0.1.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const apiMain = fileURLToPath(new URL("../../api/dist/main.js", import.meta.url));
const apiCli = fileURLToPath(new URL("../../api/dist/cli.js", import.meta.url));
const agentMain = fileURLToPath(new URL("../../../packages/card-agent/dist/main.js", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Polls until `attempt` answers true, or fails with the output so far. */
const waitUntil = async (what: string, attempt: () => Promise<boolean>, output: () => string, millis = 120_000) => {
  const until = Date.now() + millis;
  while (!(await attempt().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** What `demo prepare --json` prints. */
export interface Demo {
  readonly commune: string;
  readonly cards: string;
  readonly serial: string;
  readonly pin: string;
  readonly officer: string;
}

/** The running platform and agent. */
export interface Running {
  readonly base: string;
  readonly agentUrl: string;
  readonly demo: Demo;
  /** The national administrator's bootstrap token (`.data/admin-token`). */
  readonly adminToken: string;
  /** A bootstrap token from the operator's command line. */
  readonly issue: (role: string, site: string, name: string) => string;
  /**
   * Restarts the card agent on the same port: the simulator reads its directory of virtual cards
   * when it starts, so a card the platform made since is "inserted" this way.
   */
  readonly restartAgent: () => Promise<void>;
  /**
   * Locks a virtual card's PIN as the card itself would after its last wrong try, the agent
   * stopped meanwhile: a shortcut for the walks that need a locked card (the console's own way,
   * three wrong PINs with the last try confirmed, is walked once).
   */
  readonly lockPin: (serial: string) => Promise<void>;
  /** A JSON call of the API with a bearer token. */
  readonly api: (token: string, method: string, path: string, body?: unknown) => Promise<{ readonly status: number; readonly body: unknown }>;
  readonly stop: () => Promise<void>;
}

const stopped = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });

/**
 * Starts the API, prepares the demo (unless `demo` is false: a new platform, its bootstrap token
 * its only way in) and starts an agent on its virtual cards.
 */
export const start = async (options: { readonly demo?: boolean } = {}): Promise<Running> => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-console-"));
  const environment: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: dataDir };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const api = spawn(process.execPath, [apiMain], { env: { ...environment, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  api.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const children: Array<ChildProcess> = [api];
  const stop = async () => {
    for (const child of children.reverse()) await stopped(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      "the API",
      async () => (await fetch(`${base}/health`)).ok,
      () => output,
    );
    const run = (args: ReadonlyArray<string>) =>
      execFileSync(process.execPath, [apiCli, ...args], { env: environment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const demo: Demo =
      options.demo === false
        ? { commune: "", cards: join(dataDir, "cards"), serial: "", pin: "", officer: "" }
        : (JSON.parse(run(["demo", "prepare", "--commune", "69123", "--json"])) as Demo);
    mkdirSync(demo.cards, { recursive: true });
    const agentPort = await freePort();
    const agentUrl = `http://127.0.0.1:${agentPort}`;
    const startAgent = async () => {
      const started = spawn(
        process.execPath,
        [agentMain, "--platform", base, "--console-origin", base, "--simulator", demo.cards, "--port", String(agentPort), "--state", join(dataDir, "agent")],
        { env: environment, stdio: ["ignore", "pipe", "pipe"] },
      );
      children.push(started);
      let agentOutput = "";
      for (const stream of [started.stdout, started.stderr])
        stream?.on("data", (chunk: Buffer) => {
          agentOutput += chunk.toString("utf8");
        });
      await waitUntil(
        "the card agent",
        async () => agentOutput.includes("listening on"),
        () => agentOutput,
        30_000,
      );
      return started;
    };
    let agent = await startAgent();
    return {
      base,
      agentUrl,
      demo,
      adminToken: readFileSync(join(dataDir, "admin-token"), "utf8").trim(),
      restartAgent: async () => {
        await stopped(agent);
        children.splice(children.indexOf(agent), 1);
        agent = await startAgent();
      },
      lockPin: async (serial) => {
        await stopped(agent);
        children.splice(children.indexOf(agent), 1);
        const file = join(demo.cards, `${serial}.json`);
        writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, "utf8")) as object), pinTriesLeft: 0 }));
        agent = await startAgent();
      },
      issue: (role, site, name) => run(["token", "issue", "--purpose", "bootstrap", "--days", "1", "--role", role, "--site", site, "--name", name]).trim(),
      api: async (token, method, path, body) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: text.length === 0 ? undefined : (JSON.parse(text) as unknown) };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
