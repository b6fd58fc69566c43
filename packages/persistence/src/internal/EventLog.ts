/**
 * Writing to and verifying the hash-chained event log. The digest of an event is computed here
 * from its canonical JSON; the chain itself is computed by the database (`append_events`) inside
 * the writer's transaction, and recomputed here by `verify` from the rows alone.
 */
import { type Actor, Change, Site } from "@comedec/actor";
import type { Audit } from "@comedec/rgs";
import { Effect } from "effect";
import { createHash, hash } from "node:crypto";
import { type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import type { Tables } from "./Tables.js";

/**
 * JSON with object keys sorted at every depth: the same value always gives the same bytes. Written
 * as one loop per level (it runs for every event appended): undefined fields are left out, as
 * `JSON.stringify` leaves them out (the digests already recorded depend on these exact bytes).
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let json = "[";
    for (let index = 0; index < value.length; index++) json += `${index === 0 ? "" : ","}${canonicalJson(value[index]) ?? ""}`;
    return `${json}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let json = "{";
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    json += `${json.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${json}}`;
};

/** The fields of a row that its digest covers. */
export interface EventContent {
  readonly stream: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly payload: unknown;
  readonly actorId: string;
  readonly actorRole: string;
  readonly site: string;
  readonly recordedAt: string;
}

/** SHA-256 of the canonical JSON of an event's content. */
export const digestOf = (content: EventContent): Buffer => hash("sha256", canonicalJson(content), "buffer");

/** The chain step: sha256(previous || position as int8 big-endian || digest), as the database computes it. */
export const chainHash = (previous: Uint8Array, position: bigint, digest: Uint8Array): Buffer => {
  const positionBytes = Buffer.alloc(8);
  positionBytes.writeBigInt64BE(position);
  return createHash("sha256").update(previous).update(positionBytes).update(digest).digest();
};

/** An event about to be appended. */
export interface PendingEvent {
  readonly type: string;
  readonly payload: unknown;
}

/** The events of one stream as `append_events` takes them, starting at `firstVersion`, each with its digest. */
export const appendEntries = (stream: string, firstVersion: number, events: ReadonlyArray<PendingEvent>, actor: Actor.Actor, now: Date) => {
  const recordedAt = now.toISOString();
  const site = Site.siteKey(actor.site);
  return events.map((event, index) => {
    // Round-trip through JSON so the digest covers exactly what jsonb will give back.
    const payload = JSON.parse(JSON.stringify(event.payload)) as unknown;
    const content: EventContent = {
      stream,
      streamVersion: firstVersion + index,
      type: event.type,
      payload,
      actorId: actor.id,
      actorRole: actor.role,
      site,
      recordedAt,
    };
    return { type: event.type, payload, actorId: actor.id, actorRole: actor.role, site, recordedAt, digest: digestOf(content).toString("hex") };
  });
};

/** The JSON argument of `append_events` for events of one stream, starting at `firstVersion`. */
export const appendArgument = (stream: string, firstVersion: number, events: ReadonlyArray<PendingEvent>, actor: Actor.Actor, now: Date): string =>
  JSON.stringify(appendEntries(stream, firstVersion, events, actor, now));

/**
 * Writes an aggregate's row and appends its events in one statement. `write` is guarded by the
 * expected version and returns a row only when it applied; when it returns none, another writer
 * got there first and nothing is appended.
 */
export const appendGuarded = (
  db: Kysely<Tables>,
  write: RawBuilder<unknown>,
  change: { readonly stream: string; readonly expectedVersion: number; readonly events: ReadonlyArray<PendingEvent>; readonly actor: Actor.Actor },
): Effect.Effect<void, Change.ConcurrentModification> => {
  const { stream, expectedVersion } = change;
  const argument = appendArgument(stream, expectedVersion + 1, change.events, change.actor, new Date());
  return Effect.flatMap(
    Effect.promise(() => sql`WITH changed AS (${write}) SELECT append_events(${stream}, ${expectedVersion + 1}, ${argument}::jsonb) FROM changed`.execute(db)),
    (result) => (result.rows.length === 0 ? Effect.fail(new Change.ConcurrentModification({ stream, expectedVersion })) : Effect.void),
  );
};

/** Appends events to one stream outside any aggregate write (reference imports, token issuance). */
export const appendStandalone = async (
  db: Kysely<Tables>,
  stream: string,
  events: ReadonlyArray<PendingEvent>,
  actor: Actor.Actor,
  now: Date,
): Promise<void> => {
  const next = await sql<{ next: number }>`SELECT coalesce(max(stream_version) + 1, 1)::int AS next FROM event_log WHERE stream = ${stream}`.execute(db);
  const first = next.rows[0]?.next ?? 1;
  await sql`SELECT append_events(${stream}, ${first}, ${appendArgument(stream, first, events, actor, now)}::jsonb)`.execute(db);
};

type EventRow = Selectable<Tables["event_log"]>;

const toBytes = (value: Uint8Array): Buffer => Buffer.from(value);

/** The content a row's digest covers, read back from the row. */
const contentOf = (row: EventRow): EventContent => ({
  stream: row.stream,
  streamVersion: row.stream_version,
  type: row.event_type,
  payload: row.payload,
  actorId: row.actor_id,
  actorRole: row.actor_role,
  site: row.site,
  recordedAt: new Date(row.recorded_at).toISOString(),
});

/** The rows recorded by actors of one site after a position, as the audit trail exports them. */
export const exportSite = async (db: Kysely<Tables>, site: string, after: number, limit: number): Promise<ReadonlyArray<Audit.Entry>> => {
  const rows = await db
    .selectFrom("event_log")
    .selectAll()
    .where("site", "=", site)
    .where("position", ">", String(after))
    .orderBy("position")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    ...contentOf(row),
    position: Number(row.position),
    hash: toBytes(row.hash).toString("hex"),
    previousHash: toBytes(row.previous_hash).toString("hex"),
  }));
};

type VerifyReport = Audit.VerifyReport;

interface CheckpointRow {
  readonly position: string | number;
  readonly hash: Uint8Array;
  readonly signed_at: Date | string;
  readonly key_id: string;
  readonly signature: Uint8Array;
}

const checkpointOf = (row: CheckpointRow): Audit.Checkpoint => ({
  position: Number(row.position),
  hash: toBytes(row.hash).toString("hex"),
  signedAt: new Date(row.signed_at).toISOString(),
  keyId: row.key_id,
  signature: toBytes(row.signature).toString("base64"),
});

/** The recorded checkpoints, oldest first. */
export const checkpoints = async (db: Kysely<Tables>): Promise<ReadonlyArray<Audit.Checkpoint>> =>
  (await sql<CheckpointRow>`SELECT position, hash, signed_at, key_id, signature FROM audit_checkpoint ORDER BY position`.execute(db)).rows.map(checkpointOf);

/** Reads the head, has it signed, and records the checkpoint unless the head already has one. */
export const checkpoint = async (
  db: Kysely<Tables>,
  sign: (head: {
    readonly position: number;
    readonly hash: string;
    readonly signedAt: string;
  }) => Promise<{ readonly keyId: string; readonly signature: string }>,
): Promise<Audit.Checkpoint | undefined> => {
  const head = (await sql<{ position: string | number; hash: Uint8Array }>`SELECT position, hash FROM event_log_head`.execute(db)).rows[0];
  if (head === undefined || Number(head.position) === 0) return undefined;
  const unsigned = { position: Number(head.position), hash: toBytes(head.hash).toString("hex"), signedAt: new Date().toISOString() };
  const { keyId, signature } = await sign(unsigned);
  const inserted = await sql<CheckpointRow>`
    INSERT INTO audit_checkpoint (position, hash, signed_at, key_id, signature)
    VALUES (${unsigned.position}, ${toBytes(head.hash)}, ${unsigned.signedAt}, ${keyId}, ${Buffer.from(signature, "base64")})
    ON CONFLICT (position) DO NOTHING
    RETURNING position, hash, signed_at, key_id, signature`.execute(db);
  const row = inserted.rows[0];
  return row === undefined ? undefined : checkpointOf(row);
};

/**
 * Recomputes every digest and every link of the chain, in position order, and compares with the
 * head and with every checkpoint's hash (their signatures are the signer's to check: `Audit.verifyTrail`).
 */
export const verify = async (db: Kysely<Tables>, batchSize = 5_000): Promise<VerifyReport> => {
  const signed = new Map((await checkpoints(db)).map((entry) => [BigInt(entry.position), entry.hash]));
  let passed = 0;
  let previous: Buffer<ArrayBufferLike> = Buffer.alloc(32);
  let expectedPosition = 1n;
  // After a retention purge the log starts past 1, at a signed checkpoint: the chain goes on from its hash.
  const bounds = (
    await sql<{ first: string | number | null; head: string | number }>`
    SELECT (SELECT min(position) FROM event_log) AS first, (SELECT position FROM event_log_head) AS head`.execute(db)
  ).rows[0];
  const start = bounds?.first === null || bounds?.first === undefined ? BigInt(bounds?.head ?? 0) + 1n : BigInt(bounds.first);
  if (start > 1n) {
    const anchor = signed.get(start - 1n);
    if (anchor === undefined)
      return {
        events: 0,
        checkpoints: 0,
        valid: false,
        firstBreak: { position: 1, reason: "rows missing at the start of the log, with no signed checkpoint to start from" },
      };
    previous = Buffer.from(anchor, "hex");
    expectedPosition = start;
    passed = 1;
  }
  let after = expectedPosition - 1n;
  let count = 0;
  for (;;) {
    const rows = await db.selectFrom("event_log").selectAll().where("position", ">", after.toString()).orderBy("position").limit(batchSize).execute();
    for (const row of rows) {
      const position = BigInt(row.position);
      if (position !== expectedPosition)
        return { events: count, checkpoints: passed, valid: false, firstBreak: { position: Number(expectedPosition), reason: "missing or reordered row" } };
      const digest = digestOf(contentOf(row));
      if (!toBytes(row.previous_hash).equals(previous))
        return { events: count, checkpoints: passed, valid: false, firstBreak: { position: Number(position), reason: "link to the previous row broken" } };
      const hash = chainHash(previous, position, digest);
      if (!toBytes(row.hash).equals(hash))
        return { events: count, checkpoints: passed, valid: false, firstBreak: { position: Number(position), reason: "content does not match its hash" } };
      const checkpointed = signed.get(position);
      if (checkpointed !== undefined) {
        if (checkpointed !== hash.toString("hex"))
          return {
            events: count,
            checkpoints: passed,
            valid: false,
            firstBreak: { position: Number(position), reason: "the chain does not pass through the signed checkpoint" },
          };
        passed += 1;
      }
      previous = hash;
      expectedPosition += 1n;
      count += 1;
    }
    if (rows.length < batchSize) break;
    after = expectedPosition - 1n;
  }
  const head = await sql<{ position: string | number; hash: Uint8Array }>`SELECT position, hash FROM event_log_head`.execute(db);
  const headRow = head.rows[0];
  if (headRow === undefined || BigInt(headRow.position) !== expectedPosition - 1n || !toBytes(headRow.hash).equals(previous)) {
    return {
      events: count,
      checkpoints: passed,
      valid: false,
      firstBreak: { position: Number(expectedPosition), reason: "rows missing at the end of the log" },
    };
  }
  if (passed !== signed.size)
    return {
      events: count,
      checkpoints: passed,
      valid: false,
      firstBreak: { position: Number(expectedPosition), reason: "a signed checkpoint lies beyond the log" },
    };
  return { events: count, checkpoints: passed, valid: true, firstBreak: undefined };
};
