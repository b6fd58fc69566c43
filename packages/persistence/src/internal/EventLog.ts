/**
 * Writing to and verifying the hash-chained event log. The digest of an event is computed here
 * from its canonical JSON; the chain itself is computed by the database (`append_events`) inside
 * the writer's transaction, and recomputed here by `verify` from the rows alone.
 */
import { type Actor, Change, Site } from "@comedec/actor";
import { Audit } from "@comedec/rgs";
import { Effect } from "effect";
import { hash } from "node:crypto";
import { type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import type { Database } from "./Database.js";
import * as Merkle from "./Merkle.js";
import { prefetched } from "./Prefetched.js";
import { canonicalContent, canonicalJson, type EventContent } from "./RowDigests.js";
import { checkedSegments } from "./SegmentChecks.js";
import type { Tables } from "./Tables.js";

// The canonical JSON lives with the worker threads that recompute it for the verification.
export { canonicalContent, canonicalJson, type EventContent } from "./RowDigests.js";

/** Where the next batch of the log starts: after this row. */
const lastPosition = (row: { readonly position: string | number | bigint }): bigint => BigInt(row.position);

/** SHA-256 of an event's canonical JSON. */
const digestOfCanonical = (canonical: string): Buffer => hash("sha256", canonical, "buffer");

/** SHA-256 of the canonical JSON of an event's content. */
export const digestOf = (content: EventContent): Buffer => hash("sha256", canonicalJson(content), "buffer");

/** The chain step: sha256(previous || position as int8 big-endian || digest), as the database computes it. */
export const chainHash = (previous: Uint8Array, position: bigint, digest: Uint8Array): Buffer => {
  const input = Buffer.allocUnsafe(previous.length + 8 + digest.length);
  input.set(previous, 0);
  input.writeBigInt64BE(position, previous.length);
  input.set(digest, previous.length + 8);
  // One-shot: a verification runs it for every row of the log.
  return hash("sha256", input, "buffer");
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
  readonly root_hash: Uint8Array | null;
  readonly previous: Uint8Array | null;
}

const checkpointOf = (row: CheckpointRow): Audit.Checkpoint => ({
  position: Number(row.position),
  hash: toBytes(row.hash).toString("hex"),
  signedAt: new Date(row.signed_at).toISOString(),
  keyId: row.key_id,
  signature: toBytes(row.signature).toString("base64"),
  ...(row.root_hash === null ? {} : { rootHash: toBytes(row.root_hash).toString("hex") }),
  ...(row.previous === null ? {} : { previous: toBytes(row.previous).toString("hex") }),
});

/** The recorded checkpoints, oldest first. */
export const checkpoints = async (db: Kysely<Tables>): Promise<ReadonlyArray<Audit.Checkpoint>> =>
  (
    await sql<CheckpointRow>`SELECT position, hash, signed_at, key_id, signature, root_hash, previous FROM audit_checkpoint ORDER BY position`.execute(db)
  ).rows.map(checkpointOf);

/** The bytes of an entry's leaf: its content as canonical JSON (the digest of the chain covers the same bytes). */
export const leafInputOf = (content: EventContent): string => canonicalJson(content);

/** SHA-256 of a published checkpoint's signed text: the next one's `previous`. */
export const checkpointDigest = (checkpoint: Audit.Checkpoint): string => hash("sha256", Audit.checkpointText(checkpoint), "hex");

const fromHex = (values: ReadonlyArray<string>): Array<Buffer> => values.map((value) => Buffer.from(value, "hex"));

/** The rows after a position up to another, in order, read in batches. */
async function* rowsBetween(db: Kysely<Tables>, after: bigint, upTo: bigint | undefined, batchSize: number) {
  const batchAfter = (from: bigint) => {
    let query = db.selectFrom("event_log").selectAll().where("position", ">", from.toString());
    if (upTo !== undefined) query = query.where("position", "<=", upTo.toString());
    return query.orderBy("position").limit(batchSize).execute();
  };
  for await (const rows of prefetched(batchAfter, after, batchSize, lastPosition)) for (const row of rows) yield row;
}

/**
 * Reads the head, checks the chain from the latest published checkpoint to it, has it signed with
 * its tree's root and its predecessor's digest, records it and publishes it — all under one lock,
 * so two processes never publish two successors of the same checkpoint.
 */
export const checkpoint = async (
  db: Kysely<Tables>,
  sign: (head: {
    readonly position: number;
    readonly hash: string;
    readonly signedAt: string;
    readonly rootHash: string;
    readonly previous: string;
  }) => Promise<{ readonly keyId: string; readonly signature: string }>,
  publication: {
    readonly latest: () => Promise<Audit.PublishedCheckpoint | undefined>;
    readonly publish: (checkpoint: Audit.PublishedCheckpoint) => Promise<void>;
  },
): Promise<Audit.Checkpoint | undefined> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('comedec.audit_checkpoint'))`.execute(trx);
    const head = (await sql<{ position: string | number; hash: Uint8Array }>`SELECT position, hash FROM event_log_head`.execute(trx)).rows[0];
    if (head === undefined || Number(head.position) === 0) return undefined;
    const already = await sql`SELECT 1 FROM audit_checkpoint WHERE position = ${String(head.position)}`.execute(trx);
    const latest = await publication.latest();
    if (already.rows.length > 0 && latest !== undefined && latest.position >= Number(head.position)) return undefined;
    const from = BigInt(latest?.position ?? 0);
    const headPosition = BigInt(head.position);
    if (from > headPosition) throw new Error(`the log ends at ${headPosition}, before the published checkpoint at ${from}: not signing`);
    let frontier: Array<Buffer> = fromHex(latest?.frontier ?? []);
    let previous: Buffer = latest === undefined ? Buffer.alloc(32) : Buffer.from(latest.hash, "hex");
    if (latest !== undefined) {
      const at = (await sql<{ hash: Uint8Array }>`SELECT hash FROM event_log WHERE position = ${String(latest.position)}`.execute(trx)).rows[0];
      if (at !== undefined && !toBytes(at.hash).equals(previous))
        throw new Error(`the chain no longer passes through the published checkpoint at ${from}: not signing`);
    }
    const leaves: Array<string> = [];
    let expected = from + 1n;
    for await (const row of rowsBetween(trx, from, headPosition, 5_000)) {
      const position = BigInt(row.position);
      const content = contentOf(row);
      const link = chainHash(previous, position, digestOf(content));
      if (position !== expected || !toBytes(row.previous_hash).equals(previous) || !toBytes(row.hash).equals(link))
        throw new Error(`the chain breaks at ${expected}: not signing`);
      const leaf = Merkle.leafHash(Buffer.from(leafInputOf(content)));
      frontier = Merkle.append(frontier, Number(position) - 1, leaf);
      leaves.push(leaf.toString("hex"));
      previous = link;
      expected += 1n;
    }
    if (expected !== headPosition + 1n || !previous.equals(toBytes(head.hash)))
      throw new Error(`the chain does not reach its head at ${headPosition}: not signing`);
    const unsigned = {
      position: Number(head.position),
      hash: previous.toString("hex"),
      signedAt: new Date().toISOString(),
      rootHash: Merkle.rootOf(frontier).toString("hex"),
      previous: latest === undefined ? Audit.noPreviousCheckpoint : checkpointDigest(latest),
    };
    const { keyId, signature } = await sign(unsigned);
    const published: Audit.PublishedCheckpoint = {
      ...unsigned,
      keyId,
      signature,
      frontier: frontier.map((node) => node.toString("hex")),
      leaves,
    };
    await sql`
      INSERT INTO audit_checkpoint (position, hash, signed_at, key_id, signature, root_hash, previous, frontier)
      VALUES (${unsigned.position}, ${previous}, ${unsigned.signedAt}, ${keyId}, ${Buffer.from(signature, "base64")},
              ${Buffer.from(unsigned.rootHash, "hex")}, ${Buffer.from(unsigned.previous, "hex")}, ${JSON.stringify(published.frontier)}::jsonb)
      ON CONFLICT (position) DO NOTHING`.execute(trx);
    await publication.publish(published);
    const { frontier: _frontier, leaves: _leaves, ...signed } = published;
    return signed;
  });

/** Where the published checkpoints break: their chain, their trees, their order. */
const publicationBreak = (published: ReadonlyArray<Audit.PublishedCheckpoint>): { readonly position: number; readonly reason: string } | undefined => {
  let previous: Audit.PublishedCheckpoint | undefined;
  let frontier: Array<Buffer> = [];
  for (const signed of published) {
    const start = previous?.position ?? 0;
    if (signed.position <= start) return { position: signed.position, reason: "published checkpoints out of order" };
    if (signed.previous !== (previous === undefined ? Audit.noPreviousCheckpoint : checkpointDigest(previous)))
      return { position: signed.position, reason: "published checkpoint not chained to the previous one (a checkpoint is missing or replaced)" };
    if (signed.leaves.length !== signed.position - start) return { position: signed.position, reason: "published checkpoint without the leaves it covers" };
    signed.leaves.forEach((leaf, index) => {
      frontier = Merkle.append(frontier, start + index, Buffer.from(leaf, "hex"));
    });
    if (Merkle.rootOf(frontier).toString("hex") !== signed.rootHash || frontier.map((node) => node.toString("hex")).join() !== signed.frontier.join())
      return { position: signed.position, reason: "published checkpoint's tree does not match its leaves" };
    previous = signed;
  }
  return undefined;
};

const serialOf = (payload: unknown) => String((payload as { readonly serial?: unknown }).serial);

const isPurgeUpTo = (type: string | undefined, payload: unknown, upTo: bigint) =>
  type === "RetentionPurged" && String((payload as { readonly eventLogUpTo?: unknown } | null)?.eventLogUpTo) === upTo.toString();

/**
 * Recomputes every digest and every link of the chain, in position order, and compares with the
 * head and with every checkpoint's hash (their signatures are the signer's to check: `Audit.verifyTrail`).
 */
export const verify = async (database: Database["Service"], batchSize = 5_000, published?: ReadonlyArray<Audit.PublishedCheckpoint>): Promise<VerifyReport> => {
  const { db } = database;
  const signed = new Map((await checkpoints(db)).map((entry) => [BigInt(entry.position), entry.hash]));
  const broken = published === undefined ? undefined : publicationBreak(published);
  if (broken !== undefined) return { events: 0, checkpoints: 0, valid: false, firstBreak: broken };
  // The leaf signed for each position, and the chain's hash at each published checkpoint.
  const publishedLeaves = new Map<bigint, string>();
  const publishedHeads = new Map<bigint, string>();
  for (const entry of published ?? []) {
    for (const [index, leaf] of entry.leaves.entries()) publishedLeaves.set(BigInt(entry.position - entry.leaves.length + index + 1), leaf);
    publishedHeads.set(BigInt(entry.position), entry.hash);
  }
  const lastPublished = BigInt(published?.at(-1)?.position ?? 0);
  const revocations = new Map<string, number>();
  // Holds not released in the trail (issue 23): the register must keep them too.
  const holds = new Map<string, number>();
  let purgeAnchor: bigint | undefined;
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
    const anchor = published === undefined ? signed.get(start - 1n) : publishedHeads.get(start - 1n);
    if (anchor === undefined)
      return {
        events: 0,
        checkpoints: 0,
        valid: false,
        firstBreak: { position: 1, reason: "rows missing at the start of the log, with no signed checkpoint to start from" },
      };
    previous = Buffer.from(anchor, "hex");
    expectedPosition = start;
    passed = signed.has(start - 1n) ? 1 : 0;
    purgeAnchor = start - 1n;
  }
  let count = 0;
  const breakAt = (position: bigint, reason: string): VerifyReport => ({
    events: count,
    checkpoints: passed,
    valid: false,
    firstBreak: { position: Number(position), reason },
  });
  /**
   * The checks of one row, in position order. `matches`: the row's hash is the link recomputed
   * from its content and its own `previous_hash` — the chain's, once that equals the hash before.
   * `leaf`: its leaf hash (hex) when a published checkpoint covers its position. `type` and
   * `payload`: given at least for the `notableTypes`.
   */
  const step = (
    position: bigint,
    previousHash: Uint8Array,
    rowHash: Uint8Array,
    matches: boolean,
    leaf: string | undefined,
    type: string | undefined,
    payload: unknown,
  ) => {
    if (position !== expectedPosition) return breakAt(expectedPosition, "missing or reordered row");
    if (!previous.equals(previousHash)) return breakAt(position, "link to the previous row broken");
    if (!matches) return breakAt(position, "content does not match its hash");
    const signedLeaf = publishedLeaves.get(position);
    if (signedLeaf !== undefined && signedLeaf !== leaf) return breakAt(position, "the row is not the one the published checkpoint signed");
    if (purgeAnchor !== undefined && isPurgeUpTo(type, payload, purgeAnchor)) purgeAnchor = undefined;
    if (type === "CertificateRevoked") revocations.set(serialOf(payload), Number(position));
    else if (type === "CertificateHeld") holds.set(serialOf(payload), Number(position));
    else if (type === "CertificateReleased") holds.delete(serialOf(payload));
    const hash = Buffer.from(rowHash);
    const checkpointed = signed.get(position);
    if (checkpointed !== undefined) {
      if (checkpointed !== hash.toString("hex")) return breakAt(position, "the chain does not pass through the signed checkpoint");
      passed += 1;
    }
    previous = hash;
    expectedPosition += 1n;
    count += 1;
    return undefined;
  };
  if (database.copyOut === undefined) {
    // PGlite: the rows as objects, in batches, each checked here.
    const batchAfter = (from: bigint) =>
      db.selectFrom("event_log").selectAll().where("position", ">", from.toString()).orderBy("position").limit(batchSize).execute();
    for await (const rows of prefetched(batchAfter, expectedPosition - 1n, batchSize, lastPosition)) {
      for (const row of rows) {
        const position = BigInt(row.position);
        const canonical = canonicalContent(contentOf(row));
        const matches = toBytes(row.hash).equals(chainHash(row.previous_hash, position, digestOfCanonical(canonical)));
        const leaf = publishedLeaves.has(position) ? Merkle.leafHash(Buffer.from(canonical)).toString("hex") : undefined;
        const stop = step(position, row.previous_hash, row.hash, matches, leaf, row.event_type, row.payload);
        if (stop !== undefined) return stop;
      }
    }
  } else {
    // PostgreSQL: binary COPY, each row's own hash checked in worker threads.
    for await (const { segment, check } of checkedSegments(database.copyOut, expectedPosition - 1n, 0, Number(lastPublished))) {
      const bytes = Buffer.from(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength);
      const { starts, lengths } = segment;
      let leafIndex = 0;
      let notableIndex = 0;
      for (let index = 0; index < segment.count; index++) {
        const at = index * 11;
        const position = bytes.readBigInt64BE(starts[at]);
        const numbered = Number(position);
        const leaf =
          numbered > 0 && numbered <= Number(lastPublished)
            ? Buffer.from(check.leaves.buffer, check.leaves.byteOffset + 32 * leafIndex++, 32).toString("hex")
            : undefined;
        const notable = check.notable[notableIndex]?.index === index ? check.notable[notableIndex++] : undefined;
        const previousAt = starts[at + 9] as number;
        const hashAt = starts[at + 10] as number;
        const stop = step(
          position,
          bytes.subarray(previousAt, previousAt + (lengths[at + 9] as number)),
          bytes.subarray(hashAt, hashAt + (lengths[at + 10] as number)),
          index !== check.mismatch,
          leaf,
          notable?.type,
          notable?.payload,
        );
        if (stop !== undefined) return stop;
      }
    }
  }
  if (lastPublished >= expectedPosition)
    return {
      events: count,
      checkpoints: passed,
      valid: false,
      firstBreak: { position: Number(expectedPosition), reason: "a signed checkpoint lies beyond the log" },
    };
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
  if (published !== undefined && purgeAnchor !== undefined)
    return {
      events: count,
      checkpoints: passed,
      valid: false,
      firstBreak: { position: 1, reason: `rows up to ${purgeAnchor} deleted without a retention purge recorded in the trail` },
    };
  // The register agrees with the trail: a revocation recorded in the chain is never undone in the
  // table, nor a hold lifted without its release recorded.
  if (published !== undefined && (revocations.size > 0 || holds.size > 0)) {
    const unrevoked = await sql<{
      serial: string;
    }>`SELECT serial FROM certificate WHERE revoked_at IS NULL AND serial = ANY(${[...revocations.keys(), ...holds.keys()]}::text[])`.execute(db);
    const first = unrevoked.rows
      .map((row) => {
        const revoked = revocations.get(row.serial);
        return revoked === undefined
          ? { serial: row.serial, position: holds.get(row.serial) as number, what: "on hold" }
          : { serial: row.serial, position: revoked, what: "revoked" };
      })
      .sort((a, b) => a.position - b.position)[0];
    if (first !== undefined)
      return {
        events: count,
        checkpoints: passed,
        valid: false,
        firstBreak: { position: first.position, reason: `certificate ${first.serial} is ${first.what} in the trail but not in the register` },
      };
  }
  return { events: count, checkpoints: passed, valid: true, firstBreak: undefined };
};
