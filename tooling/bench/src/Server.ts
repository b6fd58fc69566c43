/**
 * The process under load: the real API app on a PostgreSQL pool, plus two baseline routes on the
 * same pool and the same Hono server, so that the platform's figure and the raw figure differ only
 * by what the platform does (authentication, validation, use case, repository, event log).
 * Started by `main.ts` as a child process, so the load generator does not share its event loop.
 */
import * as Platform from "@comedec/platform";
import { Simulator } from "@comedec/smartcard-simulator";
import * as App from "@comedec/api";
import { Persistence, RawSql } from "@comedec/persistence";
import { serve } from "@hono/node-server";
import { Effect, ManagedRuntime } from "effect";
import type { Context } from "hono";
import { type KeyObject, verify, X509Certificate } from "node:crypto";

const pkiDirectory = process.env.BENCH_PKI_DIRECTORY;
if (pkiDirectory === undefined) throw new Error("BENCH_PKI_DIRECTORY is required");

/** A CA sealed in a temporary directory and virtual cards: the benches measure the platform, not key storage. */
const benchCards = {
  // One CA for the parent and the server process: certificates issued in one are checked in the other.
  pki: { directory: pkiDirectory, passphrase: "bench", baseUrl: "http://127.0.0.1/pki" },
  smartCards: Simulator.layer({ seed: "bench" }),
};
const connectionString = process.env.BENCH_DATABASE_URL;
if (connectionString === undefined) throw new Error("BENCH_DATABASE_URL is required");

const runtime = ManagedRuntime.make(
  Platform.services(Persistence.postgres({ connectionString, maxConnections: Number(process.env.BENCH_POOL ?? 10) }), benchCards),
);
const raw = await runtime.runPromise(
  Effect.gen(function* () {
    return yield* RawSql;
  }),
);
// The platform's own limits, behind a reverse proxy on this machine as a deployment is: the load
// sends each login from a client address of its own (X-Forwarded-For), as the town halls' many
// workstations would, so the limits are counted for each, and never reached.
const app = App.make(runtime, { rateLimits: { ...App.RateLimits.defaults, trustProxy: ["127.0.0.1"] } });

// One raw SELECT of the row a commune lookup reads.
app.get("/raw/communes/:code", async (context) => {
  const rows = await raw.query("SELECT code, name, departement, region, population FROM commune WHERE code = $1", [context.req.param("code")]);
  return rows.length === 0 ? context.json({ title: "not found" }, 404) : context.json(rows[0]);
});

// The national dashboard's readings, by hand, at once as the platform makes them: per département
// the communes, those under the obligation, connected and late, then the milestones reached, from
// the tallies the commune rows' triggers keep (ADR 0023); the late communes under the obligation;
// the forecast's started communes by day and the communes it may name.
app.get("/raw/dashboard", async (context) => {
  const today = new Date().toISOString().slice(0, 10);
  const [areas, reached, late, starts, obliged] = await Promise.all([
    raw.query(
      `SELECT departement AS area, sum(communes)::int AS communes, sum(under_obligation)::int AS under_obligation, sum(connected)::int AS connected,
              coalesce(sum(communes) FILTER (WHERE late_from <= $1::date), 0)::int AS late
       FROM commune_tally GROUP BY 1 HAVING sum(communes) > 0 ORDER BY 1`,
      [today],
    ),
    raw.query(
      "SELECT departement AS area, milestone, sum(communes)::int AS count FROM commune_milestone_tally GROUP BY 1, 2 HAVING sum(communes) > 0 ORDER BY 1, 2",
    ),
    raw.query(
      `SELECT code, name, departement, region, population, latitude, longitude, under_obligation, reached, late_from::text AS late_from FROM commune
       WHERE removed_at IS NULL AND under_obligation AND late_from <= $1::date ORDER BY code LIMIT 200`,
      [today],
    ),
    raw.query(
      `SELECT departement, started_on::text AS started_on, sum(communes)::int AS communes, sum(milestones)::int AS milestones
       FROM commune_tally WHERE started_on <> 'infinity' GROUP BY 1, 2 HAVING sum(communes) > 0`,
    ),
    raw.query(
      `SELECT code, name, departement, reached FROM commune
       WHERE under_obligation AND removed_at IS NULL AND NOT ('connected' = ANY (reached)) ORDER BY code`,
    ),
  ]);
  return context.json({ areas, reached, late, starts, obliged });
});

// The agent search of the directory, written by hand as one SELECT on the same tables.
app.get("/raw/agents", async (context) => {
  const [first = "", ...others] = (context.req.query("name") ?? "")
    .toLowerCase()
    .split(" ")
    .filter((part) => part.length > 0);
  const values: Array<unknown> = [first, `${first}\uffff`];
  const where = ["n.word >= $1", "n.word < $2", "n.status <> 'deleted'"];
  const commune = context.req.query("commune");
  if (commune !== undefined) {
    values.push(`commune:${commune}`);
    where.push(`n.site_key = $${values.length}`);
  }
  for (const word of others) {
    values.push(`% ${word}%`);
    where.push(`(' ' || n.search_name) LIKE $${values.length}`);
  }
  const rows = await raw.query(
    `SELECT a.state, a.version FROM (SELECT DISTINCT n.sort_name, n.agent_id FROM agent_name n WHERE ${where.join(" AND ")} ORDER BY 1, 2 LIMIT 21) AS page
     JOIN agent a ON a.id = page.agent_id ORDER BY page.sort_name, page.agent_id`,
    values,
  );
  return context.json({ items: rows.slice(0, 20) });
});

// The raw transaction a card transition is measured against: read the card, write it back with
// its version checked, append one event row. (It leaves the status as it is, so cards are reused.)
app.post("/raw/cards/:id/receipt", async (context) => {
  const body = await context.req.json<{ serial: string; reason: string }>();
  const id = context.req.param("id");
  await raw.transaction(async (query) => {
    const [card] = await query<{ state: { serial: string }; version: number }>("SELECT state, version FROM card WHERE id = $1", [id]);
    if (card === undefined || card.state.serial !== body.serial) throw new Error("unknown card");
    await query("UPDATE card SET version = version + 1, state = $2 WHERE id = $1 AND version = $3", [id, JSON.stringify(card.state), card.version]);
    await query("INSERT INTO bench_raw_write (stream, payload) VALUES ($1, $2)", [`card:${id}`, JSON.stringify(body)]);
  });
  return context.json({ ok: true });
});

// The raw 3-INSERT transaction a milestone write is measured against.
app.post("/raw/writes", async (context) => {
  const body = await context.req.json<{ stream: string }>();
  await raw.transaction(async (query) => {
    await query("INSERT INTO bench_raw_write (stream, payload) VALUES ($1, $2)", [body.stream, JSON.stringify(body)]);
    await query("INSERT INTO bench_raw_write (stream, payload) VALUES ($1, $2)", [body.stream, JSON.stringify(body)]);
    await query("INSERT INTO bench_raw_write (stream, payload) VALUES ($1, $2)", [body.stream, JSON.stringify(body)]);
  });
  return context.json({ ok: true }, 201);
});

// The raw baseline of a signed response: one ECDSA P-256 verification with the signer's key (its
// key object kept, as the platform keeps its own), then one INSERT.
// The login's raw route is the same: one verification of the answer, one INSERT.
const signerKeys = new Map<string, KeyObject>();
const rawSigned = (stream: string) => async (context: Context) => {
  const body = await context.req.json<{ data: string; signature: string; certificate: string }>();
  let key = signerKeys.get(body.certificate);
  if (key === undefined) {
    key = new X509Certificate(Buffer.from(body.certificate, "base64")).publicKey;
    signerKeys.set(body.certificate, key);
  }
  if (!verify("sha256", Buffer.from(body.data, "base64"), key, Buffer.from(body.signature, "base64"))) return context.json({ title: "bad signature" }, 422);
  await raw.query("INSERT INTO bench_raw_write (stream, payload) VALUES ($1, $2)", [stream, JSON.stringify({ data: body.data })]);
  return context.json({ ok: true }, 201);
};
app.post("/raw/responses", rawSigned("response"));
app.post("/raw/sessions", rawSigned("session"));

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => process.send?.({ port: info.port }));
// Requests still in flight when the load stops finish before the pool closes.
process.on("disconnect", () => server.close(() => void runtime.dispose().then(() => process.exit(0))));
