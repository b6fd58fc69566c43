/**
 * The COMEDEC worker on graphile-worker: jobs in PostgreSQL, taken by as many worker processes as
 * run (each job once, with retries and backoff), periodic ones from a crontab. The jobs
 * themselves are Effects on the platform's ports (`Jobs.ts`), run on the runtime given.
 *
 * - `outbox`: every 2 seconds (and every minute from the crontab, should the timer stop), then
 *   `deliver` when it made anything to send;
 * - `deliver`: the undelivered notifications, by mail;
 * - `publish-crl`: every 12 hours, so the published CRL is never older than 24 (RGS 3*);
 * - `renewals`: daily, the automatic certificate-renewal requests due (`Renewals.daysBefore`),
 *   and the warnings of certificates ending within 30 and 7 days;
 * - `card-expiry`: daily, the cards whose certificates ended recorded `expired`, their pending
 *   requests cancelled (`Expiry.expireEnded`);
 * - `digests`: on Monday mornings, each prefecture's digest of its late communes; `late-alerts`: daily, a
 *   prefecture told once when one of its communes falls late;
 * - `audit-checkpoint`: hourly, the audit trail's head signed, so a rewrite of the log is found;
 * - `retention-purge`: daily, what has outlived its retention;
 * - `reconcile-revocations`: every 10 minutes, the certificates of revoked cards and deleted
 *   agents that a stopped process left unrevoked.
 *
 * Periodic jobs missed while no worker ran (up to their period) run when one starts again.
 *
 * A job that fails `maxAttempts` times stays in graphile-worker's table with its last error:
 * `deadLetters` lists them and `replay` runs them again.
 */
import type { AgentStore } from "@comedec/agent";
import type { CardNotifications, CardStore, CertificateRegistry } from "@comedec/card";
import type { CommuneDirectory, OnboardingStore } from "@comedec/commune";
import type { ConventionStore } from "@comedec/convention";
import { Expiry, Renewals } from "@comedec/pgca";
import type { Authority } from "@comedec/pki";
import { Audit, Retention } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { type JobHelpers, Logger, makeWorkerUtils, parseCrontab, run, type Runner, type TaskList, type WorkerEvents, type WorkerUtils } from "graphile-worker";
import { EventEmitter } from "node:events";
import pg from "pg";
import * as Jobs from "./Jobs.js";
import type { Mailer } from "./Mailer.js";

/** What the jobs need from the platform. */
export type Services =
  | Audit.EventFeed
  | Audit.AuditTrail
  | Audit.CheckpointSigner
  | Audit.CheckpointPublication
  | Retention.Retention
  | CardStore
  | CertificateRegistry
  | CardNotifications
  | AgentStore
  | CommuneDirectory
  | OnboardingStore
  | ConventionStore
  | Authority.Revocation
  | Mailer;

/** How the worker runs. */
export interface Options {
  readonly connectionString: string;
  /** The longest wait for a connection before a job's attempt fails (and is retried later); none by default. */
  readonly connectionTimeoutMillis?: number;
  /** Jobs run at once by this process. */
  readonly concurrency?: number;
  /** How often the outbox is looked at, in milliseconds. */
  readonly outboxEveryMillis?: number;
  /** Runs each job, given its task's name: in its span when the process traces (`Platform.Tracing`). */
  readonly around?: <A>(task: string, run: () => Promise<A>) => Promise<A>;
}

/**
 * graphile-worker's pool, made here so that a PostgreSQL restart never kills the process: an
 * `error` listener on the pool and on every client (graphile-worker's LISTEN client included,
 * which it reconnects itself), and a connection timeout so a job waits on no dead server.
 */
const resilientPool = (options: Options): pg.Pool => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: Math.max(10, (options.concurrency ?? 4) + 4),
    ...(options.connectionTimeoutMillis === undefined ? {} : { connectionTimeoutMillis: options.connectionTimeoutMillis }),
    keepAlive: true,
  });
  const report = (error: Error) => console.error(`worker: a database connection failed (${error.message}); it is replaced on the next job`);
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  return pool;
};

/** Attempts before a job is left for an operator (graphile-worker backs off exponentially between them). */
export const maxAttempts = 10;

// Errors and warnings only: a job's retries are in its row, not in the process's output.
const quietLogger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`worker ${level}: ${message}`);
});

// One queue for mail: deliveries run one after another, whichever worker takes them, so two never send the same notification.
const deliverNext = (helpers: JobHelpers) =>
  helpers.addJob("deliver", {}, { jobKey: "deliver", jobKeyMode: "preserve_run_at", queueName: "mail", maxAttempts });

const taskList = (runtime: ManagedRuntime.ManagedRuntime<Services, never>): TaskList => ({
  outbox: async (_payload, helpers) => {
    const read = await runtime.runPromise(Jobs.outbox());
    // Whatever was made, and anything left undelivered, goes out next.
    await deliverNext(helpers);
    if (read === 500) await helpers.addJob("outbox", {}, { jobKey: "outbox", jobKeyMode: "preserve_run_at" });
  },
  deliver: async () => {
    await runtime.runPromise(Jobs.deliver());
  },
  digests: async (_payload, helpers) => {
    await runtime.runPromise(Effect.asVoid(Jobs.deadlineDigests));
    await deliverNext(helpers);
  },
  "late-alerts": async (_payload, helpers) => {
    await runtime.runPromise(Effect.asVoid(Jobs.lateAlerts));
    await deliverNext(helpers);
  },
  renewals: async (_payload, helpers) => {
    await runtime.runPromise(Effect.asVoid(Effect.andThen(Renewals.requestDue(), Renewals.warnExpiring())));
    await deliverNext(helpers);
  },
  "card-expiry": async () => {
    await runtime.runPromise(Effect.asVoid(Expiry.expireEnded()));
  },
  "publish-crl": async () => {
    await runtime.runPromise(Effect.asVoid(Jobs.publishCrl));
  },
  "reconcile-revocations": async () => {
    await runtime.runPromise(Effect.asVoid(Jobs.reconcileRevocations));
  },
  "audit-checkpoint": async () => {
    await runtime.runPromise(Effect.asVoid(Audit.checkpoint));
  },
  "retention-purge": async () => {
    await runtime.runPromise(Effect.asVoid(Retention.Retention.use((retention) => retention.purge(new Date(), Jobs.platform))));
  },
});

/** Every task of `tasks` run through `around` (each job in its span). */
const aroundEach = (tasks: TaskList, around: NonNullable<Options["around"]>): TaskList =>
  Object.fromEntries(
    Object.entries(tasks).flatMap(([name, task]) =>
      task === undefined ? [] : [[name, (payload, helpers) => around(name, async () => task(payload, helpers))]],
    ),
  );

const crontab = parseCrontab(
  [
    "* * * * * outbox ?jobKey=outbox",
    "0 */12 * * * publish-crl ?jobKey=publish-crl&fill=12h",
    "0 3 * * * renewals ?jobKey=renewals&fill=1d",
    "10 0 * * * card-expiry ?jobKey=card-expiry&fill=1d",
    "0 7 * * 1 digests ?jobKey=digests&fill=1d",
    "15 7 * * * late-alerts ?jobKey=late-alerts&fill=1d",
    "*/10 * * * * reconcile-revocations ?jobKey=reconcile-revocations",
    "5 * * * * audit-checkpoint ?jobKey=audit-checkpoint&fill=1h",
    "30 2 * * * retention-purge ?jobKey=retention-purge&fill=1d",
  ].join("\n"),
);

/** A running worker: stop it to finish the jobs in hand and release the rest. */
export interface Worker {
  readonly runner: Runner;
  readonly utils: WorkerUtils;
  readonly stop: () => Promise<void>;
}

/** Starts a worker process's share of the jobs. */
export const start = async (runtime: ManagedRuntime.ManagedRuntime<Services, never>, options: Options): Promise<Worker> => {
  const pool = resilientPool(options);
  // The worker pools this runner makes, so that a stop can hand back the jobs they fetched but did not start.
  const events = new EventEmitter() as WorkerEvents;
  const pools = new Set<string>();
  events.on("pool:create", ({ workerPool }) => void pools.add(workerPool.id));
  const runner = await run({
    pgPool: pool,
    events,
    concurrency: options.concurrency ?? 4,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: options.around === undefined ? taskList(runtime) : aroundEach(taskList(runtime), options.around),
    parsedCronItems: crontab,
    logger: quietLogger,
  });
  const utils = await makeWorkerUtils({ pgPool: pool, logger: quietLogger });
  const tick = setInterval(
    () => void utils.addJob("outbox", {}, { jobKey: "outbox", jobKeyMode: "preserve_run_at" }).catch(() => undefined),
    options.outboxEveryMillis ?? 2000,
  );
  return {
    runner,
    utils,
    stop: async () => {
      clearInterval(tick);
      // Waits for the running jobs to finish; a job fetched while stopping, not started, would stay
      // locked (four hours) by a pool that no longer runs: it is handed back for another worker.
      await runner.stop();
      if (pools.size > 0) await utils.forceUnlockWorkers([...pools]);
      await utils.release();
      await pool.end();
    },
  };
};

/**
 * Frees the jobs locked by workers that are gone (killed, their machine lost), so they run again
 * now rather than when their locks expire (4 hours). Only for workers known dead: a live worker's
 * job would run twice. Returns the workers freed.
 */
export const takeOverDeadWorkers = async (utils: WorkerUtils, alive: ReadonlyArray<string> = []): Promise<ReadonlyArray<string>> => {
  const locked = await utils.withPgClient((client) =>
    client.query<{ locked_by: string }>("SELECT DISTINCT locked_by FROM graphile_worker.jobs WHERE locked_by IS NOT NULL"),
  );
  const dead = locked.rows.map((row) => row.locked_by).filter((worker) => !alive.includes(worker));
  if (dead.length > 0) await utils.forceUnlockWorkers(dead);
  return dead;
};

/** A job an operator must look at: it failed every attempt. */
export interface DeadLetter {
  readonly id: string;
  readonly task: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

/** The jobs that failed every attempt (graphile-worker keeps them with their last error). */
export const deadLetters = async (utils: WorkerUtils): Promise<ReadonlyArray<DeadLetter>> =>
  utils.withPgClient(async (client) => {
    const result = await client.query<{ id: string; task_identifier: string; attempts: number; last_error: string | null }>(
      // Not locked: a job on its last attempt, still running, is not dead yet.
      "SELECT id::text, task_identifier, attempts, last_error FROM graphile_worker.jobs WHERE attempts >= max_attempts AND locked_at IS NULL ORDER BY id",
    );
    return result.rows.map((row) => ({ id: row.id, task: row.task_identifier, attempts: row.attempts, lastError: row.last_error }));
  });

/** Runs dead jobs again, now, with their attempts counted afresh. */
export const replay = (utils: WorkerUtils, ids: ReadonlyArray<string>): Promise<ReadonlyArray<string>> =>
  // Straight to graphile-worker's SQL function: its `rescheduleJobs` (0.18) passes `attempts: 0` on as null, leaving the job dead.
  utils.withPgClient(async (client) => {
    const result = await client.query<{ id: string }>("SELECT id::text FROM graphile_worker.reschedule_jobs($1::bigint[], run_at := now(), attempts := 0)", [
      ids,
    ]);
    return result.rows.map((row) => row.id);
  });
