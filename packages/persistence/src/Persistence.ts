/**
 * The whole persistence adapter as one layer per runtime mode: every port of the platform that
 * lives in the database, on PGlite or on PostgreSQL, with the same code and the same migrations.
 */
import type { AgentStore } from "@comedec/agent";
import type { CommuneDirectory, EditorRegistry, OnboardingStore } from "@comedec/commune";
import type { ConventionStore } from "@comedec/convention";
import { Audit, type Tokens } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { agentStoreLayer } from "./Agents.js";
import { communeDirectoryLayer, onboardingStoreLayer } from "./Communes.js";
import { conventionStoreLayer } from "./Conventions.js";
import { editorRegistryLayer } from "./Editors.js";
import { Database, layerPglite, layerPostgres, type PgliteOptions, type PostgresOptions } from "./internal/Database.js";
import { verify } from "./internal/EventLog.js";
import { type RawSql, rawSqlLayer } from "./RawSql.js";
import { actorTokensLayer } from "./Tokens.js";

const auditTrailLayer = Layer.effect(
  Audit.AuditTrail,
  Effect.gen(function* () {
    const { db } = yield* Database;
    return Audit.AuditTrail.of({ verify: Effect.promise(() => verify(db)) });
  }),
);

const repositories = Layer.mergeAll(
  communeDirectoryLayer,
  onboardingStoreLayer,
  conventionStoreLayer,
  editorRegistryLayer,
  actorTokensLayer,
  auditTrailLayer,
  rawSqlLayer,
  agentStoreLayer,
);

/** The ports this adapter provides. */
export type Ports = CommuneDirectory | OnboardingStore | ConventionStore | EditorRegistry | Tokens.ActorTokens | Audit.AuditTrail | RawSql | AgentStore;

/** Every database-backed port, on an embedded PGlite (in memory when no data directory is given). */
export const pglite = (options: PgliteOptions = {}): Layer.Layer<Ports> => repositories.pipe(Layer.provide(layerPglite(options)));

/** Every database-backed port, on a PostgreSQL server. */
export const postgres = (options: PostgresOptions): Layer.Layer<Ports> => repositories.pipe(Layer.provide(layerPostgres(options)));

export type { PgliteOptions, PostgresOptions };
