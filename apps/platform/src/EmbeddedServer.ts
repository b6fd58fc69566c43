/**
 * The embedded mode's database, served as PostgreSQL on a Unix socket of the data directory.
 *
 * PGlite is one PostgreSQL session in this process. The job engine (graphile-worker) only speaks
 * the wire protocol, and the API and the jobs must never run inside each other's transactions,
 * so both connect through `pglite-socket`, whose queue lets one client's transaction finish before
 * another client's statements run. The socket's directory is readable by this user only: nobody
 * else on the machine reaches the database.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { chmod, mkdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";

/** A running embedded server. */
export interface EmbeddedServer {
  /** For `pg` and graphile-worker: `postgresql://postgres@/postgres?host=<socket directory>`. */
  readonly connectionString: string;
  readonly stop: () => Promise<void>;
}

/** Another process already serves this data directory (two PGlite instances on one directory would corrupt it). */
export class EmbeddedServerRunning extends Error {
  readonly _tag = "EmbeddedServerRunning";
}

const answers = (socketPath: string) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });

const socketDirectoryOf = (dataDir: string) => join(dataDir, "run");
const connectionStringOf = (socketDirectory: string) => `postgresql://postgres@/postgres?host=${encodeURIComponent(socketDirectory)}`;

/**
 * The connection string of the platform running on `dataDir`, when one is: the command lines go
 * through it rather than open the directory a second time.
 */
export const runningEmbeddedServer = async (dataDir: string): Promise<string | undefined> =>
  (await answers(join(socketDirectoryOf(dataDir), ".s.PGSQL.5432"))) ? connectionStringOf(socketDirectoryOf(dataDir)) : undefined;

/** Opens the PGlite database of `dataDir` and serves it on `<dataDir>/run/.s.PGSQL.5432`. */
export const startEmbeddedServer = async (dataDir: string): Promise<EmbeddedServer> => {
  const socketDirectory = socketDirectoryOf(dataDir);
  const socketPath = join(socketDirectory, ".s.PGSQL.5432");
  await mkdir(socketDirectory, { recursive: true, mode: 0o700 });
  await chmod(socketDirectory, 0o700);
  if (await answers(socketPath)) throw new EmbeddedServerRunning(`the embedded database of ${dataDir} is already served by another process`);
  // Left behind by a process that was killed.
  await rm(socketPath, { force: true });
  const db = await PGlite.create({ dataDir: join(dataDir, "pglite") });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 64 });
  await server.start();
  return {
    connectionString: connectionStringOf(socketDirectory),
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
};
