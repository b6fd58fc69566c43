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
import { Sessions } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Effect, ManagedRuntime } from "effect";
import type { Context } from "hono";
import { hash, type KeyObject, randomBytes, randomUUID, verify, X509Certificate } from "node:crypto";

interface CommuneRow {
  readonly code: string;
  readonly name: string;
  readonly departement: string;
  readonly region: string;
  readonly population: number;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly under_obligation: boolean;
  readonly reached: ReadonlyArray<string>;
  readonly late_from: string | null;
}

const benchActor = { id: "bench-raw", role: "commune-operator", site: "commune:69123" };

/** The argument of `append_events` for one event, made by hand: its content and the SHA-256 of that content's JSON. */
const events = (stream: string, version: number, type: string, payload: unknown): string => {
  const recordedAt = new Date().toISOString();
  const content = { stream, streamVersion: version, type, payload, actorId: benchActor.id, actorRole: benchActor.role, site: benchActor.site, recordedAt };
  const digest = hash("sha256", JSON.stringify(content), "hex");
  return JSON.stringify([{ type, payload, actorId: benchActor.id, actorRole: benchActor.role, site: benchActor.site, recordedAt, digest }]);
};

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

// A commune lookup by hand: the platform's SELECT (the same columns, the removed ones left out)
// and the same JSON answer, written without the platform's code.
app.get("/raw/communes/:code", async (context) => {
  const rows = await raw.query<CommuneRow>(
    "SELECT code, name, departement, region, population, latitude, longitude, under_obligation, reached, late_from::text AS late_from FROM commune WHERE code = $1 AND removed_at IS NULL",
    [context.req.param("code")],
  );
  const row = rows[0];
  if (row === undefined) return context.json({ title: "not found" }, 404);
  const today = new Date().toISOString().slice(0, 10);
  return context.json({
    code: row.code,
    name: row.name,
    departement: row.departement,
    region: row.region,
    population: row.population,
    coordinates: row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    underObligation: row.under_obligation,
    reached: row.reached,
    lateFrom: row.late_from,
    late: row.late_from !== null && row.late_from <= today,
  });
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

// A card receipt by hand: the platform's two statements — read the card, then write it back
// guarded by its version with its event appended to the chain in the same statement
// (`append_events`, the database's chain step) — with the new state and the event made by hand.
// It leaves the status as it is, so the raw cards are reused; their events go to streams of their own.
app.post("/raw/cards/:id/receipt", async (context) => {
  const body = await context.req.json<{ serial: string; reason: string }>();
  const id = context.req.param("id");
  const [card] = await raw.query<{ state: { serial: string; status: string }; version: number }>("SELECT state, version FROM card WHERE id = $1::uuid", [id]);
  if (card === undefined || card.state.serial !== body.serial) return context.json({ title: "unknown card" }, 404);
  const state = { ...card.state, lastReason: body.reason };
  const stream = `raw:card:${id}`;
  const applied = await raw.query(
    `WITH changed AS (UPDATE card SET status = $1, expires_at = $2::timestamptz, version = $3, state = $4::jsonb WHERE id = $5::uuid AND version = $6 RETURNING id)
     SELECT append_events($7, $8, $9::jsonb) FROM changed`,
    [
      state.status,
      null,
      card.version + 1,
      JSON.stringify(state),
      id,
      card.version,
      stream,
      card.version + 1,
      events(stream, card.version + 1, "CardReceived", body),
    ],
  );
  return applied.length === 0 ? context.json({ title: "conflict" }, 409) : context.json({ id, status: state.status });
});

// A milestone write by hand: the platform's two statements — read the commune's onboarding
// state, then write it back guarded by its version with the event appended to the chain in the
// same statement — the state and the event made by hand (the state left as it is, so communes are reused).
app.post("/raw/communes/:code/milestones", async (context) => {
  const body = await context.req.json<{ evidence: { milestone: string; reference: string } }>();
  const code = context.req.param("code");
  const [row] = await raw.query<{ onboarding_state: unknown; onboarding_version: number }>(
    "SELECT onboarding_state, onboarding_version FROM commune WHERE code = $1 AND removed_at IS NULL",
    [code],
  );
  if (row === undefined) return context.json({ title: "not found" }, 404);
  // The commune's own stream, so its row's version and its stream's stay in step for the platform's later writes.
  const stream = `onboarding:${code}`;
  const version = row.onboarding_version + 1;
  const applied = await raw.query(
    `WITH changed AS (UPDATE commune SET onboarding_state = $1::jsonb, onboarding_version = $2 WHERE code = $3 AND onboarding_version = $4 AND removed_at IS NULL RETURNING code)
     SELECT append_events($5, $6, $7::jsonb) FROM changed`,
    [JSON.stringify(row.onboarding_state), version, code, row.onboarding_version, stream, version, events(stream, version, "MilestoneReached", body.evidence)],
  );
  return applied.length === 0 ? context.json({ title: "conflict" }, 409) : context.json({ code, version }, 201);
});

// The signer's key and serial from its certificate, kept as the platform keeps them.
const signerKeys = new Map<string, { readonly key: KeyObject; readonly serial: string }>();
const signerOf = (certificate: string) => {
  let signer = signerKeys.get(certificate);
  if (signer === undefined) {
    const parsed = new X509Certificate(Buffer.from(certificate, "base64"));
    signer = { key: parsed.publicKey, serial: parsed.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, "") };
    signerKeys.set(certificate, signer);
  }
  return signer;
};
const keyOf = (certificate: string) => signerOf(certificate).key;

// A signed response by hand, one statement for each of the platform's batched ones: the request
// with its answer if any, the signing certificate's register entry and its holder read at once;
// the ECDSA P-256 signature verified; then the request claimed, the response kept and its event
// chained in one statement. (The platform parses the CAdES around the signature, and gathers the
// reads and the writes of the responses of the moment into one statement each; here each has its own.)
app.post("/raw/responses", async (context: Context) => {
  const body = await context.req.json<{ request: string; data: string; signature: string; certificate: string }>();
  const signer = signerOf(body.certificate);
  const [found] = await raw.query<{ request: unknown; outcome: unknown; holder: string | null; revoked_at: Date | null; status: string | null }>(
    `SELECT q.request, s.outcome, c.holder, c.revoked_at, a.state->>'status' AS status
     FROM exchange_request q LEFT JOIN exchange_response s ON s.request = q.id
     LEFT JOIN certificate c ON c.serial = $2 LEFT JOIN agent a ON a.id = c.holder WHERE q.id = $1`,
    [body.request, signer.serial],
  );
  if (found === undefined) return context.json({ title: "unknown request" }, 404);
  if (found.outcome !== null) return context.json({ title: "already answered" }, 409);
  if (found.holder === null || found.revoked_at !== null || found.status !== "active") return context.json({ title: "signer refused" }, 422);
  if (!verify("sha256", Buffer.from(body.data, "base64"), signer.key, Buffer.from(body.signature, "base64")))
    return context.json({ title: "bad signature" }, 422);
  const stream = `exchange:${body.request}`;
  const signedAt = new Date().toISOString();
  const kept = await raw.query(
    `WITH claimed AS (UPDATE exchange_request SET answered_at = now() WHERE id = $1 AND answered_at IS NULL RETURNING id),
     kept AS (INSERT INTO exchange_response (request, commune, outcome, signed, signer, certificate_serial, signed_at, passed)
              SELECT id, '69123', $2::jsonb, $3, $4, $5, $6::timestamptz, true FROM claimed RETURNING request)
     SELECT append_events($7, 1, $8::jsonb) FROM kept`,
    [
      body.request,
      JSON.stringify({ _tag: "verified" }),
      Buffer.from(body.signature, "base64"),
      found.holder,
      signer.serial,
      signedAt,
      stream,
      events(stream, 1, "ResponseAccepted", {
        request: body.request,
        commune: "69123",
        outcome: "verified",
        signer: found.holder,
        certificate: signer.serial,
        signedAt,
        passed: true,
      }),
    ],
  );
  return kept.length === 0 ? context.json({ title: "already answered" }, 409) : context.json({ request: body.request, outcome: { _tag: "verified" } }, 201);
});

// A card login by hand, the platform's statements one after the other: the client's rate-limit
// count, the pending challenge, the certificate with its revocation, the holder's row; the
// answer's signature verified with the certificate's key (kept, as the platform keeps it); then
// one statement using the challenge up, opening the session and chaining its event. (The
// platform gathers the last statement of the logins of the moment into one; here each has its own.)
const certificateSerials = new Map<string, string>();
app.post("/raw/sessions", async (context: Context) => {
  const body = await context.req.json<{ challenge: string; certificate: string; signature: string }>();
  const client = context.req.header("x-forwarded-for") ?? "127.0.0.1";
  const [counted] = await raw.query<{ hits: number }>(
    `INSERT INTO rate_limit_counter (key, window_start, resets_at, hits)
     SELECT $1, starts, starts + make_interval(secs => $2::int), 1
       FROM (SELECT to_timestamp(floor(extract(epoch FROM now()) / $3::int) * $4::int) AS starts) AS bounds
     ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_counter.hits + 1
     RETURNING hits, resets_at`,
    [`raw-login:${client}`, 60, 60, 60],
  );
  if (counted === undefined || counted.hits > 60) return context.json({ title: "too many" }, 429);
  const [challenge] = await raw.query<{ nonce: string }>("SELECT nonce FROM login_challenge WHERE id = $1::uuid AND used_at IS NULL AND expires_at > now()", [
    body.challenge,
  ]);
  if (challenge === undefined) return context.json({ title: "unknown challenge" }, 401);
  let serial = certificateSerials.get(body.certificate);
  if (serial === undefined) {
    serial = new X509Certificate(Buffer.from(body.certificate, "base64")).serialNumber.toLowerCase().replace(/^(00)+(?=.)/, "");
    certificateSerials.set(body.certificate, serial);
  }
  const [certificate] = await raw.query<{ holder: string; not_after: Date; revoked_at: Date | null }>(
    `SELECT c.serial, c.card, c.holder, c.usage, c.not_after, c.der,
       coalesce(c.revoked_at, (SELECT min(w.since) FROM certificate_withdrawn w WHERE w.serial = c.serial)) AS revoked_at,
       coalesce(c.revocation_reason, (SELECT w.reason FROM certificate_withdrawn w WHERE w.serial = c.serial ORDER BY w.since LIMIT 1)) AS revocation_reason
     FROM certificate c WHERE c.serial = $1`,
    [serial],
  );
  if (certificate === undefined || certificate.revoked_at !== null || new Date(certificate.not_after).getTime() <= Date.now())
    return context.json({ title: "certificate refused" }, 401);
  const [holder] = await raw.query<{ state: { status: string; name?: unknown } }>("SELECT state, version FROM agent WHERE id = $1", [certificate.holder]);
  if (holder === undefined) return context.json({ title: "unknown holder" }, 401);
  const signed = Sessions.signedText({ id: body.challenge, nonce: challenge.nonce });
  if (!verify("sha256", signed, keyOf(body.certificate), Buffer.from(body.signature, "base64"))) return context.json({ title: "bad signature" }, 401);
  const id = randomUUID();
  const secret = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + Sessions.sessionMinutes * 60_000).toISOString();
  const stream = `session:${id}`;
  const opened = await raw.query(
    `WITH used AS (UPDATE login_challenge SET used_at = now() WHERE id = $1::uuid AND used_at IS NULL AND expires_at > now() RETURNING id),
     opened AS (INSERT INTO card_session (id, secret_hash, actor, certificate_serial, expires_at)
                SELECT $2::uuid, $3, $4::jsonb, $5, $6::timestamptz FROM used RETURNING id)
     SELECT append_events($7, 1, $8::jsonb) FROM opened`,
    [
      body.challenge,
      id,
      hash("sha256", secret, "buffer"),
      JSON.stringify({ id: certificate.holder, name: "Bench", role: "commune-operator", site: { _tag: "commune", commune: "69123" } }),
      serial,
      expiresAt,
      stream,
      events(stream, 1, "SessionOpened", { id, certificate: serial, expiresAt }),
    ],
  );
  if (opened.length === 0) return context.json({ title: "challenge already used" }, 401);
  return context.json({ token: `${Sessions.tokenPrefix}${id}.${secret}`, expiresAt }, 201);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => process.send?.({ port: info.port }));
// Requests still in flight when the load stops finish before the pool closes.
process.on("disconnect", () => server.close(() => void runtime.dispose().then(() => process.exit(0))));
