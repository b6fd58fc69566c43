/**
 * Where the layers are wired, once: the persistence adapter for the runtime mode (PostgreSQL when
 * DATABASE_URL is set, otherwise embedded PGlite in a data directory), and the bootstrap steps the
 * embedded start performs (reference communes, a first administrator token).
 */
import { Actor } from "@comedec/actor";
import { Cards } from "@comedec/agaec";
import type { AgentCards } from "@comedec/agent";
import { CommuneDirectory } from "@comedec/commune";
import { ReferenceList } from "@comedec/commune-reference";
import { Directory } from "@comedec/deployment";
import { Persistence } from "@comedec/persistence";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** Runtime configuration, from the environment. */
export interface Configuration {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly port: number;
}

/** Reads the configuration. */
export const configuration = (environment: NodeJS.ProcessEnv = process.env): Configuration => ({
  databaseUrl: environment.DATABASE_URL || undefined,
  dataDir: resolve(environment.COMEDEC_DATA_DIR ?? ".data"),
  port: Number(environment.PORT ?? 3000),
});

/** The persistence layer of the configured mode. */
export const persistence = (config: Configuration): Layer.Layer<Persistence.Ports | AgentCards> =>
  Layer.merge(
    config.databaseUrl === undefined
      ? Persistence.pglite({ dataDir: join(config.dataDir, "pglite") })
      : Persistence.postgres({ connectionString: config.databaseUrl }),
    Cards.layerWithoutCardPlatform,
  );

/** The platform itself, acting for bootstrap and command-line operations. */
export const system = Actor.Actor.make({ id: "system", name: "Plateforme COMEDEC", role: "national-administrator", site: { _tag: "national" } });

/** Imports the reference list of communes, reporting progress on stderr. */
export const importCommunes = Effect.gen(function* () {
  const started = Date.now();
  const list = ReferenceList.load((stage) => console.error(`communes: ${stage}…`));
  console.error(`communes: writing ${list.communes.length} communes (${list.withCoordinates} with coordinates)…`);
  const grant = yield* Access.authorize(system, "commune.import", Access.nation);
  const report = yield* Directory.importReference(grant, list.communes);
  console.error(
    `communes: ${report.total} in the reference list — ${report.added} added, ${report.renamed} renamed, ${report.updated} updated, ${report.removed} removed (${Date.now() - started} ms)`,
  );
  return report;
});

/** Imports the communes when the directory is empty (first start). */
export const importCommunesIfEmpty = Effect.gen(function* () {
  const some = yield* CommuneDirectory.use((directory) => directory.search({ limit: 1 }));
  if (some.length === 0) yield* importCommunes;
});

/** Issues a first administrator token when none is valid, written to a file only its owner reads. */
export const ensureAdministratorToken = (config: Configuration) =>
  Effect.gen(function* () {
    const tokens = yield* Tokens.ActorTokens;
    const now = Date.now();
    const usable = (yield* tokens.list).some(
      (token) => token.actor.role === "national-administrator" && token.revokedAt === undefined && token.expiresAt.getTime() > now,
    );
    const file = join(config.dataDir, "admin-token");
    if (usable) return file;
    const administrator = Actor.Actor.make({
      id: "bootstrap-admin",
      name: "Administrateur national (amorçage)",
      role: "national-administrator",
      site: { _tag: "national" },
    });
    const { token } = yield* tokens.issue(administrator, 30, system);
    yield* Effect.promise(async () => {
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(file, `${token}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    });
    return file;
  });
