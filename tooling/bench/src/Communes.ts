/**
 * Issue 2's figures: the import of every commune against a raw COPY of the same rows into a table
 * of the same shape; commune lookups and milestone writes through the API against a Hono route
 * doing the raw SQL on the same pool.
 */
import { Actor } from "@comedec/actor";
import type { Commune } from "@comedec/commune";
import { ReferenceList } from "@comedec/commune-reference";
import { Directory } from "@comedec/deployment";
import { type Persistence, RawSql } from "@comedec/persistence";
import { Access } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { load } from "./Load.js";
import { type Figure, httpRatioGoal } from "./Report.js";

const rounds = 3;
const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The raw SQL handle of the runtime's pool. */
export const rawSql = RawSql.use((sql) => Effect.succeed(sql));

const system = Actor.Actor.make({ id: "bench", name: "Benchmark", role: "national-administrator", site: { _tag: "national" } });

const copyField = (value: string | number | undefined) =>
  value === undefined ? "\\N" : String(value).replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n");

const copyCommunes = async (url: string, communes: ReadonlyArray<Commune.Commune>) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("TRUNCATE bench_raw_commune");
    const started = performance.now();
    const lines = communes.map(
      (commune) =>
        `${[commune.code, commune.name, commune.name.toLowerCase(), commune.departement, commune.region, commune.population, commune.coordinates?.latitude, commune.coordinates?.longitude].map(copyField).join("\t")}\n`,
    );
    await pipeline(
      Readable.from(lines),
      client.query(copyFrom("COPY bench_raw_commune (code, name, search_name, departement, region, population, latitude, longitude) FROM STDIN")),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
};

/** Import of all communes, platform (median of 3 on an emptied table) against raw COPY. */
export const importFigure = async (runtime: ManagedRuntime.ManagedRuntime<Persistence.Ports, never>, url: string): Promise<Figure> => {
  const { communes } = ReferenceList.load();
  const raw = await runtime.runPromise(rawSql);
  await raw.query("CREATE TABLE bench_raw_commune (LIKE commune INCLUDING ALL)");
  const grant = await runtime.runPromise(Access.authorize(system, "commune.import", Access.nation));
  const platform: Array<number> = [];
  const copy: Array<number> = [];
  for (let round = 0; round < rounds; round++) {
    await raw.query("TRUNCATE commune CASCADE");
    const started = performance.now();
    await runtime.runPromise(Directory.importReference(grant, communes));
    platform.push((performance.now() - started) / 1000);
    copy.push(await copyCommunes(url, communes));
  }
  return {
    name: `import of all ${communes.length.toLocaleString("en-US")} communes (PostgreSQL, median of ${rounds})`,
    unit: "s",
    platform: median(platform),
    raw: median(copy),
    rawName: "COPY into a table of the same shape and indexes",
    goal: { value: 1, better: "lower" },
  };
};

/** Commune lookups by code through the API, against one raw SELECT in a Hono route on the same pool. */
export const lookupFigure = async (options: {
  readonly port: number;
  readonly token: string;
  readonly codes: ReadonlyArray<string>;
  readonly seconds: number;
  readonly connections: number;
}): Promise<Figure> => {
  const lookups = (prefix: string) => options.codes.map((code) => ({ method: "GET" as const, path: `${prefix}/${code}` }));
  const common = { port: options.port, token: options.token, connections: options.connections, seconds: options.seconds, cycle: true };
  await load({ ...common, seconds: 2, requests: lookups("/communes"), label: "warm-up /communes" });
  await load({ ...common, seconds: 1, requests: lookups("/raw/communes"), label: "warm-up /raw/communes" });
  const raw = await load({ ...common, requests: lookups("/raw/communes"), label: "/raw/communes" });
  const platform = await load({ ...common, requests: lookups("/communes"), label: "/communes" });
  if (raw.failures + platform.failures > 0) throw new Error(`lookups failed: ${platform.failures} through the API, ${raw.failures} raw`);
  return {
    name: `commune lookups by code through the API (${options.connections} connections, ${options.seconds} s; p99 ${platform.p99Ms.toFixed(1)} ms vs ${raw.p99Ms.toFixed(1)} ms)`,
    unit: "req/s",
    platform: platform.perSecond,
    raw: raw.perSecond,
    rawName: "Hono route doing the same SELECT by hand, the same JSON answer",
    goal: { value: 5000, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: raw.serverCpuUs },
  };
};

/** The communes the raw milestone route writes on (their versions move, their state does not): no other figure takes them. */
export const rawWriteCommunes = (codes: ReadonlyArray<string>): ReadonlyArray<string> => codes.slice(-5_000);

/** Milestone writes through the API (one commune each), against the same statements by hand in a Hono route. */
export const writeFigure = async (options: {
  readonly port: number;
  readonly token: string;
  readonly codes: ReadonlyArray<string>;
  readonly seconds: number;
  readonly connections: number;
}): Promise<Figure> => {
  // Each commune gets its milestone once: the warm-up and the measure take communes of their own.
  const milestones = (codes: ReadonlyArray<string>) =>
    codes.map((code) => ({
      method: "POST" as const,
      path: `/communes/${code}/onboarding/milestones`,
      body: { evidence: { milestone: "adhesion", reference: "bench" } },
    }));
  const warmUp = Math.min(4_000, Math.floor(options.codes.length / 4));
  // The raw route writes on communes of its own (it leaves their state as it is, so it cycles through them).
  const rawCodes = rawWriteCommunes(options.codes);
  const platformCodes = options.codes.slice(0, -rawCodes.length);
  const rawWrites = rawCodes.map((code) => ({
    method: "POST" as const,
    path: `/raw/communes/${code}/milestones`,
    body: { evidence: { milestone: "adhesion", reference: "bench" } },
  }));
  const common = { port: options.port, token: options.token, connections: options.connections, seconds: options.seconds };
  await load({ ...common, seconds: 1, requests: milestones(platformCodes.slice(0, warmUp)), cycle: false, label: "warm-up milestones" });
  await load({ ...common, seconds: 1, requests: rawWrites, cycle: true, label: "warm-up raw milestones" });
  const rawResult = await load({ ...common, requests: rawWrites, cycle: true });
  const platform = await load({ ...common, requests: milestones(platformCodes.slice(warmUp)), cycle: false, label: "milestones" });
  if (rawResult.failures + platform.failures > 0) throw new Error(`writes failed: ${platform.failures} through the API, ${rawResult.failures} raw`);
  return {
    name: `milestone writes through the API, each in the hash-chained log (${options.connections} connections, ${options.seconds} s; p99 ${platform.p99Ms.toFixed(1)} ms vs ${rawResult.p99Ms.toFixed(1)} ms)`,
    unit: "req/s",
    platform: platform.perSecond,
    raw: rawResult.perSecond,
    rawName: "Hono route doing the same two statements by hand (read the state; write it back guarded, its event chained by append_events)",
    goal: { value: 1500, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: rawResult.serverCpuUs },
  };
};
