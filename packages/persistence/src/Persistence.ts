/**
 * The whole persistence adapter as one layer per runtime mode: every port of the platform that
 * lives in the database, on PGlite or on PostgreSQL, with the same code and the same migrations.
 */
import type { AgentStore } from "@comedec/agent";
import type { CardNotifications, CardSecrets, CardStore, CertificateRegistry, KeyOperations } from "@comedec/card";
import type { CommuneDirectory, EditorRegistry, OnboardingStore } from "@comedec/commune";
import type { ConventionStore } from "@comedec/convention";
import type { ExchangeStore } from "@comedec/exchange";
import { Audit, type RateLimits, Retention, Rules, type Sessions, type Tokens } from "@comedec/rgs";
import { Effect, Layer, Stream } from "effect";
import { sql } from "kysely";
import { agentStoreLayer } from "./Agents.js";
import { cardNotificationsLayer, cardSecretsLayer, cardStoreLayer, certificateRegistryLayer } from "./Cards.js";
import { communeDirectoryLayer, onboardingStoreLayer } from "./Communes.js";
import { conventionStoreLayer } from "./Conventions.js";
import { editorRegistryLayer } from "./Editors.js";
import { exchangeStoreLayer } from "./Exchange.js";
import { keyOperationsLayer } from "./KeyOperations.js";
import { Database, layerPglite, layerPostgres, type PgliteOptions, type PostgresOptions } from "./internal/Database.js";
import { appendStandalone, checkpoint, checkpoints, exportSite, verify } from "./internal/EventLog.js";
import { exportProven } from "./internal/ProvenExport.js";
import { SealingKey } from "./internal/Sealing.js";
import { randomBytes } from "node:crypto";
import { type RawSql, rawSqlLayer } from "./RawSql.js";
import { rateLimitCountersLayer } from "./RateLimits.js";
import { cardSessionsLayer } from "./Sessions.js";
import { actorTokensLayer } from "./Tokens.js";

const auditTrailLayer = Layer.effect(
  Audit.AuditTrail,
  Effect.gen(function* () {
    const database = yield* Database;
    const { db } = database;
    return Audit.AuditTrail.of({
      verify: Effect.promise(() => verify(database)),
      verifyPublished: (published) => Effect.promise(() => verify(database, 5_000, published)),
      export: (site, after, limit) => Effect.promise(() => exportSite(db, site, after, limit)),
      exportProven: (site, published) =>
        Effect.map(
          Effect.promise(() => exportProven(db, site, published)),
          (proven) =>
            proven === undefined
              ? undefined
              : { checkpoint: proven.checkpoint, entries: Stream.flattenIterable(Stream.orDie(Stream.fromAsyncIterable(proven.entries, (error) => error))) },
        ),
      checkpoint: (sign, publication) =>
        Effect.promise(() =>
          checkpoint(db, (head) => Effect.runPromise(sign(head)), {
            latest: () => Effect.runPromise(Effect.map(publication.read, (published) => published.at(-1))),
            publish: (signed) => Effect.runPromise(publication.publish(signed)),
          }),
        ),
      checkpoints: Effect.promise(() => checkpoints(db)),
    });
  }),
);

const retentionLayer = Layer.effect(
  Retention.Retention,
  Effect.gen(function* () {
    const { db } = yield* Database;
    return Retention.Retention.of({
      purge: (on, by) =>
        Effect.promise(() =>
          db.transaction().execute(async (trx) => {
            // The periods are the policy's (`Rules.retention`); the SQL function only applies them.
            const periods = {
              eventLogYears: Rules.retention.eventLog.years,
              registrationFileYears: Rules.retention.registrationFile.years,
              certificateYears: Rules.retention.certificatesAndCrls.years,
              sessionDays: Retention.sessionRetentionDays,
            };
            const result = await sql<{ report: Retention.PurgeReport & { readonly eventLogUpTo: number | null } }>`
              SELECT purge_retained(${on.toISOString()}::timestamptz, ${JSON.stringify(periods)}::jsonb) AS report`.execute(trx);
            const { eventLogUpTo, ...report } = (result.rows[0] as (typeof result.rows)[number]).report;
            // What was removed and up to where: verification accepts a log that starts late only after this entry.
            await appendStandalone(
              trx,
              "retention",
              [{ type: "RetentionPurged", payload: { on: on.toISOString(), ...report, eventLogUpTo: eventLogUpTo ?? undefined, periods } }],
              by,
              new Date(),
            );
            return report;
          }),
        ),
    });
  }),
);

const eventFeedLayer = Layer.effect(
  Audit.EventFeed,
  Effect.gen(function* () {
    const { db } = yield* Database;
    return Audit.EventFeed.of({
      read: (consumer, limit) =>
        Effect.promise(async () => {
          const rows = await sql<{ position: string | number; stream: string; event_type: string; payload: unknown; site: string; recorded_at: Date | string }>`
            SELECT position, stream, event_type, payload, site, recorded_at FROM event_log
            WHERE position > coalesce((SELECT position FROM event_consumer WHERE name = ${consumer}), 0)
            ORDER BY position LIMIT ${limit}`.execute(db);
          return rows.rows.map((row) => ({
            position: Number(row.position),
            stream: row.stream,
            type: row.event_type,
            payload: row.payload,
            site: row.site,
            recordedAt: new Date(row.recorded_at).toISOString(),
          }));
        }),
      advance: (consumer, position) =>
        Effect.promise(() =>
          sql`INSERT INTO event_consumer (name, position) VALUES (${consumer}, ${position})
              ON CONFLICT (name) DO UPDATE SET position = greatest(event_consumer.position, excluded.position)`.execute(db),
        ).pipe(Effect.asVoid),
    });
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
  cardStoreLayer,
  cardSecretsLayer,
  certificateRegistryLayer,
  cardNotificationsLayer,
  keyOperationsLayer,
  cardSessionsLayer,
  rateLimitCountersLayer,
  retentionLayer,
  eventFeedLayer,
  exchangeStoreLayer,
);

/** The ports this adapter provides. */
export type Ports =
  | CommuneDirectory
  | OnboardingStore
  | ConventionStore
  | EditorRegistry
  | Tokens.ActorTokens
  | Audit.AuditTrail
  | RawSql
  | AgentStore
  | CardStore
  | CardSecrets
  | CertificateRegistry
  | CardNotifications
  | KeyOperations.KeyOperations
  | Sessions.CardSessions
  | Retention.Retention
  | Audit.EventFeed
  | ExchangeStore
  | RateLimits.RateLimitCounters;

/** What every mode needs besides its database. */
export interface Secrets {
  /**
   * The 32-byte key that seals PUKs and notification bodies at rest. Keep it outside the
   * database; a random one (tests) makes what was sealed unreadable after a restart.
   */
  readonly secretKey?: Uint8Array;
}

const sealing = (options: Secrets) => Layer.succeed(SealingKey, SealingKey.of({ key: options.secretKey ?? randomBytes(32) }));

/** Every database-backed port, on an embedded PGlite (in memory when no data directory is given). */
export const pglite = (options: PgliteOptions & Secrets = {}): Layer.Layer<Ports> =>
  repositories.pipe(Layer.provide(Layer.merge(layerPglite(options), sealing(options))));

/** Every database-backed port, on a PostgreSQL server. */
export const postgres = (options: PostgresOptions & Secrets): Layer.Layer<Ports> =>
  repositories.pipe(Layer.provide(Layer.merge(layerPostgres(options), sealing(options))));

export type { PgliteOptions, PostgresOptions };
