/**
 * Issue 3's figures: a bulk CSV import of 10,000 agents through the directory's use case against a
 * raw COPY of the same rows; agent searches over 200,000 agents through the API against the same
 * search as one raw SELECT in a Hono route on the same pool.
 */
import type { Actor } from "@comedec/actor";
import { Csv, Local } from "@comedec/agaec";
import type { Agent, AgentCards } from "@comedec/agent";
import type { ManagedRuntime } from "effect";
import type { Persistence } from "@comedec/persistence";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { rawSql } from "./Communes.js";
import { load } from "./Load.js";
import { type Figure, httpRatioGoal } from "./Report.js";

const surnames = [
  "Martin",
  "Bernard",
  "Thomas",
  "Petit",
  "Robert",
  "Richard",
  "Durand",
  "Dubois",
  "Moreau",
  "Laurent",
  "Simon",
  "Michel",
  "Lefebvre",
  "Leroy",
  "Roux",
  "David",
  "Bertrand",
  "Morel",
  "Fournier",
  "Girard",
  "Bonnet",
  "Dupont",
  "Lambert",
  "Fontaine",
  "Rousseau",
  "Vincent",
  "Muller",
  "Lefevre",
  "Faure",
  "Andre",
  "Mercier",
  "Blanc",
  "Guerin",
  "Boyer",
  "Garnier",
  "Chevalier",
  "Francois",
  "Legrand",
  "Gauthier",
  "Garcia",
  "Perrin",
  "Robin",
  "Clement",
  "Morin",
  "Nicolas",
  "Henry",
  "Roussel",
  "Mathieu",
  "Gautier",
  "Masson",
];
// A long tail of surnames after the common ones, drawn with a Zipf-like law (rank r with weight
// 1/(r + 50)): the most common name is then ~0.4% of agents, as Martin is in France.
const syllables = [
  "ber",
  "tin",
  "mar",
  "du",
  "pont",
  "la",
  "val",
  "roche",
  "mont",
  "four",
  "nier",
  "gar",
  "le",
  "blanc",
  "ri",
  "chard",
  "mo",
  "reau",
  "fa",
  "ure",
  "bou",
  "vier",
  "ge",
  "rard",
  "pe",
  "rin",
  "bin",
  "cle",
  "ment",
  "lam",
  "bert",
  "go",
  "dard",
  "che",
  "vay",
  "ta",
  "bois",
];
const tail = syllables.flatMap((first) => syllables.map((second) => `${first}${second}`)).map((name) => name.charAt(0).toUpperCase() + name.slice(1));
const allSurnames = [...new Set([...surnames, ...tail])];
const zipfRank = (uniform: number, size: number) => Math.min(size, Math.max(1, Math.floor(51 * ((size + 50) / 51) ** uniform) - 50));

const givenNames = [
  "Marie",
  "Jean",
  "Pierre",
  "Michel",
  "Anne",
  "Claire",
  "Louis",
  "Paul",
  "Julie",
  "Sophie",
  "Nicolas",
  "Camille",
  "Lucie",
  "Hugo",
  "Emma",
  "Lea",
  "Manon",
  "Chloe",
  "Ines",
  "Theo",
  "Nathan",
  "Lucas",
  "Alice",
  "Zoe",
  "Jules",
  "Adam",
  "Louise",
  "Rose",
  "Anna",
  "Gabriel",
];

const header = Csv.columns.join(";");
const csvRow = (index: number, today: string) => {
  const surname = surnames[index % surnames.length] as string;
  const given = givenNames[Math.floor(index / surnames.length) % givenNames.length] as string;
  const birthDate = new Date(Date.UTC(1960, 0, 1) + (index % 12_000) * 86_400_000).toISOString().slice(0, 10);
  const cells: Record<(typeof Csv.columns)[number], string> = {
    birth_name: surname,
    used_name: "",
    given_names: given,
    sex: index % 2 === 0 ? "F" : "M",
    birth_date: birthDate,
    birth_commune: "13055",
    birth_country: "",
    birth_city: "",
    document_type: "carte-nationale-identite",
    document_number: `CN${String(index).padStart(8, "0")}`,
    document_authority: "Préfecture des Bouches-du-Rhône",
    document_expires_on: "2034-01-01",
    checked_by: "bench",
    checked_on: today,
    face_to_face: "oui",
    email: `agent${index}@mairie-marseille.fr`,
    phone: "",
    profile: "agent",
    officer_basis: "",
    arrete: "",
    delegation_from: "",
    delegation_until: "",
    mayor_term_ends_on: "",
    rights: "receive-requests",
  };
  return Csv.columns.map((column) => cells[column]).join(";");
};

const copyAgents = async (url: string, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("TRUNCATE bench_raw_agent");
    const started = performance.now();
    await pipeline(
      Readable.from(rows.map((row) => `${row.join("\t")}\n`)),
      client.query(
        copyFrom("COPY bench_raw_agent (id, site_key, departement, status, profile, person_key, sort_name, search_name, version, state) FROM STDIN"),
      ),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
};

/** Bulk import of 10,000 agents of one commune through the use case, against COPY of the same rows. */
export const importFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<Persistence.Ports | AgentCards, never>,
  url: string,
  administrator: Actor.Actor,
): Promise<Figure> => {
  const count = 10_000;
  const today = new Date().toISOString().slice(0, 10);
  const csv = [header, ...Array.from({ length: count }, (_, index) => csvRow(index, today))].join("\n");
  const site: Agent.AgentSite = { _tag: "commune", commune: "13055" as never };
  const started = performance.now();
  const report = await runtime.runPromise(Local.forActor(administrator, (directory) => directory.importCsv(site, csv)));
  const platform = (performance.now() - started) / 1000;
  if (report.written !== count) throw new Error(`imported ${report.written} agents instead of ${count}`);
  const raw = await runtime.runPromise(rawSql);
  await raw.query("CREATE TABLE bench_raw_agent (LIKE agent INCLUDING ALL)");
  const rows = await raw.query<{ line: ReadonlyArray<string> }>(
    "SELECT ARRAY[gen_random_uuid()::text, site_key, departement, status, profile, person_key, sort_name, search_name, version::text, state::text] AS line FROM agent WHERE site_key = 'commune:13055'",
  );
  const escapeCell = (cell: string) => cell.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n");
  const copy = await copyAgents(
    url,
    rows.map((row) => row.line.map(escapeCell)),
  );
  return {
    name: `bulk CSV import of ${count.toLocaleString("en-US")} agents (parse, validate each row, one transaction, chained events)`,
    unit: "s",
    platform,
    raw: copy,
    rawName: "COPY of the same rows into a table of the same shape",
    goal: { value: 5, better: "lower" },
  };
};

/** Seeds agents straight in SQL (with a chained log only for the 10,000 imported above: the search does not read it). */
export const seed = async (runtime: ManagedRuntime.ManagedRuntime<Persistence.Ports | AgentCards, never>, total: number) => {
  const raw = await runtime.runPromise(rawSql);
  const communes = (await raw.query<{ code: string }>("SELECT code FROM commune ORDER BY population DESC LIMIT 2000")).map((row) => row.code);
  await raw.query("SELECT setseed(0.42)");
  await raw.query(
    `INSERT INTO agent (id, site_key, departement, status, profile, person_key, sort_name, search_name, version, state)
     SELECT gen_random_uuid(), 'commune:' || c.code, c.departement, 'active', 'agent', lower(s.name) || '|' || lower(g.name) || '|' || n, lower(g.name) || ' ' || lower(s.name), lower(g.name) || ' ' || lower(s.name), 1,
            jsonb_build_object('id', gen_random_uuid(), 'site', jsonb_build_object('_tag', 'commune', 'commune', c.code), 'status', 'active', 'rights', jsonb_build_array('receive-requests'),
              'identity', jsonb_build_object('birthName', s.name, 'givenNames', jsonb_build_array(g.name), 'sex', 'F', 'birthDate', '1980-01-01',
                'placeOfBirth', jsonb_build_object('_tag', 'commune', 'commune', c.code)),
              'contact', jsonb_build_object('email', 'agent' || n || '@mairie.fr'), 'profile', jsonb_build_object('_tag', 'agent'))
     FROM generate_series(1, $1::int) AS n
     -- n appears in the draw so that it is made for each row, not once for the whole query.
     CROSS JOIN LATERAL (SELECT ($2::text[])[greatest(1, least(array_length($2::text[], 1),
       floor(51 * power((array_length($2::text[], 1) + 50) / 51.0, random() + n * 0))::int - 50))] AS name) s
     CROSS JOIN LATERAL (SELECT ($3::text[])[1 + ((n / 7) % array_length($3::text[], 1))] AS name) g
     JOIN commune c ON c.code = ($4::text[])[1 + (n % array_length($4::text[], 1))]`,
    [total, allSurnames, givenNames, communes],
  );
  // What autovacuum does to a table that has been loaded: statistics and the visibility map.
  await raw.query("VACUUM ANALYZE agent");
  await raw.query("VACUUM ANALYZE agent_name");
  return communes;
};

/** Agent searches through the API against the same search as one raw SELECT, 50 connections. */
export const searchFigure = async (options: {
  readonly port: number;
  readonly token: string;
  readonly communes: ReadonlyArray<string>;
  readonly seconds: number;
  readonly connections: number;
  readonly total: number;
}): Promise<ReadonlyArray<Figure>> => {
  // Half the searches are a registrar's (one commune, a name prefix), half national (surname and given-name prefix).
  let state = 42;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const queries = Array.from({ length: 1000 }, (_, index) => {
    const surname = (allSurnames[zipfRank(uniform(), allSurnames.length) - 1] as string).toLowerCase();
    const given = (givenNames[index % givenNames.length] as string).toLowerCase();
    return index % 2 === 0
      ? { name: surname.slice(0, 4), commune: options.communes[index % options.communes.length] as string }
      : { name: `${surname} ${given.slice(0, 2)}`, commune: undefined };
  });
  const searches = (path: string) =>
    queries.map((query) => {
      const parameters = new URLSearchParams({ name: query.name, limit: "20", ...(query.commune === undefined ? {} : { commune: query.commune }) });
      return { method: "GET" as const, path: `${path}?${parameters}` };
    });
  const common = { port: options.port, token: options.token, connections: options.connections, seconds: options.seconds, cycle: true };
  await load({ ...common, seconds: 2, requests: searches("/agents"), label: "warm-up /agents" });
  await load({ ...common, seconds: 1, requests: searches("/raw/agents"), label: "warm-up /raw/agents" });
  const raw = await load({ ...common, requests: searches("/raw/agents") });
  const platform = await load({ ...common, requests: searches("/agents") });
  // Latency is read at a moderate load (4 connections), where it is the search's own time rather
  // than the queue of a saturated machine.
  const latencyLoad = { ...common, connections: 4 };
  const rawLatency = await load({ ...latencyLoad, requests: searches("/raw/agents"), label: "/raw/agents at 4 connections" });
  const platformLatency = await load({ ...latencyLoad, requests: searches("/agents"), label: "/agents at 4 connections" });
  if (raw.failures + platform.failures + rawLatency.failures + platformLatency.failures > 0) {
    throw new Error(`searches failed: ${platform.failures + platformLatency.failures} through the API, ${raw.failures + rawLatency.failures} raw`);
  }
  const over = `over ${options.total.toLocaleString("en-US")} agents through the API (${options.connections} connections, ${options.seconds} s)`;
  return [
    {
      name: `agent searches ${over}`,
      unit: "req/s",
      platform: platform.perSecond,
      raw: raw.perSecond,
      rawName: "Hono route doing the same search as one raw SELECT on the same pool",
      goal: { value: 2000, better: "higher" },
      ratioGoal: httpRatioGoal,
      cpu: { platform: platform.serverCpuUs, raw: raw.serverCpuUs },
    },
    {
      name: `agent search latency at 4 connections, p95 (p95 at ${options.connections} connections: ${platform.p95Ms.toFixed(1)} ms vs ${raw.p95Ms.toFixed(1)} ms raw)`,
      unit: "ms",
      platform: platformLatency.p95Ms,
      raw: rawLatency.p95Ms,
      rawName: "same raw route, p95",
      goal: { value: 20, better: "lower" },
    },
  ];
};
