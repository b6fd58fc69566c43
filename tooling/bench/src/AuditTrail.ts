/**
 * Issue 25's audit figures at national scale: `audit verify` over 10 million events (streaming,
 * its memory flat), against a raw SHA-256 pass over the same rows' bytes; a site's export with the
 * inclusion proof of each of its 100,000 entries, against a raw SELECT of the same rows. The
 * chained events are written straight with COPY, each digest and link computed here the way the
 * platform computes them (the verification would find any difference), on a database of their own.
 */
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import * as Database from "./Database.js";
import type { Figure } from "./Report.js";

/** One event of the generated log, the way a milestone write records it. */
const content = (position: number, site: string, recordedAt: string) => {
  const stream = `bench:${Math.floor(position / 8)}`;
  const version = (position % 8) + 1;
  // The canonical JSON of the row's content (keys sorted at every depth), as `EventLog.digestOf` hashes it.
  const canonical = `{"actorId":"bench-audit","actorRole":"commune-operator","payload":{"milestone":"adhesion","reference":"bench-${position}"},"recordedAt":"${recordedAt}","site":"${site}","stream":"${stream}","streamVersion":${version},"type":"MilestoneRecorded"}`;
  const payload = `{"milestone":"adhesion","reference":"bench-${position}"}`;
  return { stream, version, canonical, payload };
};

/**
 * Appends `count` chained events to the empty log of the database at `url` (COPY in chunks of
 * 10,000 rows), the site of each from `siteOf`, and moves the log's head to the last.
 */
export const seedChain = async (url: string, count: number, siteOf: (position: number) => string): Promise<void> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = Date.now() - count;
    let previous = Buffer.alloc(32);
    const position8 = Buffer.alloc(8);
    function* chunks() {
      for (let from = 1; from <= count; from += 10_000) {
        let text = "";
        for (let position = from; position < Math.min(from + 10_000, count + 1); position++) {
          const site = siteOf(position);
          const recordedAt = new Date(started + position).toISOString();
          const event = content(position, site, recordedAt);
          const digest = createHash("sha256").update(event.canonical).digest();
          position8.writeBigInt64BE(BigInt(position));
          const hash = createHash("sha256").update(previous).update(position8).update(digest).digest();
          text += `${position}\t${event.stream}\t${event.version}\tMilestoneRecorded\t${event.payload}\tbench-audit\tcommune-operator\t${site}\t${recordedAt}\t\\\\x${previous.toString("hex")}\t\\\\x${hash.toString("hex")}\n`;
          previous = hash;
        }
        yield text;
      }
    }
    await pipeline(
      Readable.from(chunks()),
      client.query(
        copyFrom(
          "COPY event_log (position, stream, stream_version, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash) FROM STDIN",
        ),
      ),
    );
    await client.query("UPDATE event_log_head SET position = $1, hash = $2", [count, previous]);
    // What autovacuum does to a table that has been loaded.
    await client.query("VACUUM ANALYZE event_log");
  } finally {
    await client.end();
  }
};

/** SHA-256 over the rows of the log, in position order, as PostgreSQL sends them (COPY): the raw pass. */
const rawHashPass = async (url: string, query: string): Promise<{ readonly seconds: number; readonly bytes: number }> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const sha = createHash("sha256");
    let bytes = 0;
    await pipeline(
      client.query(copyTo(`COPY (${query}) TO STDOUT`)),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          sha.update(chunk);
          done();
        },
      }),
    );
    sha.digest();
    return { seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    await client.end();
  }
};

interface WorkerAnswer {
  readonly seconds: number;
  readonly entries: number;
  readonly valid: boolean;
  readonly peakRssMb: number;
  /** The export's resident memory at most, sampled while it runs. */
  readonly exportRssMb?: number;
  /** The same process's resident memory as the export starts (the checkpoint just signed). */
  readonly startRssMb?: number;
  readonly reason?: string;
}

/** Runs `AuditWorker.ts` on the database and waits for its answer. */
const inWorker = async (url: string, pkiDirectory: string, task: "verify" | "export" | "baseline", site?: string): Promise<WorkerAnswer> => {
  const worker = fork(new URL("./AuditWorker.js", import.meta.url), {
    env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_PKI_DIRECTORY: pkiDirectory, BENCH_AUDIT_TASK: task, BENCH_AUDIT_SITE: site ?? "" },
    stdio: "inherit",
    // BENCH_PROFILE=1 writes a CPU profile of the worker into the working directory.
    execArgv: process.env.BENCH_PROFILE ? ["--cpu-prof"] : [],
  });
  const [[message]] = await Promise.all([once(worker, "message") as Promise<[WorkerAnswer]>, once(worker, "exit")]);
  return message;
};

/** `audit verify` over `count` events (10 million by default), time and peak memory, against a raw SHA-256 pass. */
export const verifyFigures = async (
  migrate: (url: string) => Promise<void>,
  pkiDirectory: string,
  count = Number(process.env.BENCH_AUDIT_EVENTS ?? 10_000_000),
): Promise<ReadonlyArray<Figure>> => {
  const database = await Database.fresh("audit");
  try {
    await migrate(database.url);
    const seeding = performance.now();
    await seedChain(database.url, count, (position) => `commune:${String(1000 + (position % 30_000)).padStart(5, "0")}`);
    console.error(`bench:   ${count.toLocaleString("en-US")} chained events written in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const raw = await rawHashPass(database.url, "SELECT * FROM event_log ORDER BY position");
    const verified = await inWorker(database.url, pkiDirectory, "verify");
    if (!verified.valid || verified.entries !== count)
      throw new Error(`audit verify found ${verified.entries} events, valid ${verified.valid}: ${verified.reason}`);
    const events = count.toLocaleString("en-US");
    return [
      {
        name: `\`audit verify\` over ${events} chained events (streamed in batches; peak memory of the verifying process ${Math.round(verified.peakRssMb)} MB)`,
        unit: "s",
        platform: verified.seconds,
        raw: raw.seconds,
        rawName: `one SHA-256 pass over the same rows as PostgreSQL sends them (COPY, ${(raw.bytes / 1e9).toFixed(2)} GB)`,
        goal: { value: 60, better: "lower" },
      },
      {
        name: `peak resident memory of the process verifying ${events} events`,
        unit: "MB",
        platform: verified.peakRssMb,
        // The same process before it reads a row is the floor its memory starts from.
        raw: (await inWorker(database.url, pkiDirectory, "baseline")).peakRssMb,
        rawName: "the same process, its runtime made, no row read",
        goal: { value: 300, better: "lower" },
      },
    ];
  } finally {
    await database.drop();
  }
};

/** A site's export with the inclusion proof of each of its `entries` entries, in a log of twice as many, against a raw SELECT of them. */
export const exportFigure = async (migrate: (url: string) => Promise<void>, pkiDirectory: string, entries = 100_000): Promise<Figure> => {
  const database = await Database.fresh("export");
  try {
    await migrate(database.url);
    const site = "commune:69123";
    // Every other event is the site's: its export reads and proves half the log.
    await seedChain(database.url, entries * 2, (position) => (position % 2 === 0 ? site : "commune:13055"));
    const raw = await rawHashPass(database.url, `SELECT * FROM event_log WHERE site = '${site}' ORDER BY position`);
    const exported = await inWorker(database.url, pkiDirectory, "export", site);
    if (!exported.valid || exported.entries !== entries) throw new Error(`the export gave ${exported.entries} entries instead of ${entries}`);
    return {
      name: `a site's audit export with the inclusion proof of each of its ${entries.toLocaleString("en-US")} entries (a log of ${(entries * 2).toLocaleString("en-US")}, checkpoint signed), written as JSON as it is read (resident memory ${Math.round(exported.startRssMb ?? 0)} MB as it starts, at most ${Math.round(exported.exportRssMb ?? 0)} MB during it)`,
      unit: "s",
      platform: exported.seconds,
      raw: raw.seconds,
      rawName: "the same rows read raw (COPY of a SELECT) and hashed once",
      goal: { value: 5, better: "lower" },
    };
  } finally {
    await database.drop();
  }
};
