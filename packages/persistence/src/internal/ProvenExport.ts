/**
 * A site's entries up to the latest published checkpoint, each with its audit path in that
 * checkpoint's tree, streamed: a first pass over the log makes the tree (32 bytes a leaf, the rows
 * let go batch by batch) and checks its root against the signed one; the site's rows are then read
 * again in batches, each entry given with its proof as it is read, so that an export of 100,000
 * entries (some 100 MB of JSON) is never held whole. Once a purge took the oldest rows, the tree
 * starts from the frontier of the checkpoint the log starts after.
 */
import type { Audit } from "@comedec/rgs";
import { type Kysely, type Selectable, sql } from "kysely";
import { canonicalContent, type EventContent } from "./EventLog.js";
import * as Merkle from "./Merkle.js";
import { prefetched } from "./Prefetched.js";
import type { Tables } from "./Tables.js";

type EventRow = Selectable<Tables["event_log"]>;

/** The columns a leaf covers. */
const contentColumns = ["position", "stream", "stream_version", "event_type", "payload", "actor_id", "actor_role", "site", "recorded_at"] as const;

const contentOf = (row: Pick<EventRow, (typeof contentColumns)[number]>): EventContent => ({
  stream: row.stream,
  streamVersion: row.stream_version,
  type: row.event_type,
  payload: row.payload,
  actorId: row.actor_id,
  actorRole: row.actor_role,
  site: row.site,
  recordedAt: new Date(row.recorded_at).toISOString(),
});

/** Where the next batch starts: after this row. */
const nextFrom = (row: { readonly position: string | number | bigint }): string => String(row.position);

/** Rows per batch: the next is asked for as soon as one arrives, read by the database while this one is hashed. */
const batchSize = 5_000;

/** What the export gives: the signed checkpoint, then the site's entries in batches, read as they are asked for. */
export interface ProvenBatches {
  readonly checkpoint: Audit.Checkpoint;
  readonly entries: AsyncIterable<ReadonlyArray<Audit.ProvenEntry>>;
}

/** The export of `site` against the latest of `published` (undefined when nothing is published). */
export const exportProven = async (
  db: Kysely<Tables>,
  site: string,
  published: ReadonlyArray<Audit.PublishedCheckpoint>,
): Promise<ProvenBatches | undefined> => {
  const latest = published.at(-1);
  if (latest === undefined) return undefined;
  const first = (await sql<{ first: string | number | null }>`SELECT min(position) AS first FROM event_log`.execute(db)).rows[0]?.first;
  const start = first === null || first === undefined ? latest.position + 1 : Number(first);
  const anchor = published.find((entry) => entry.position === start - 1);
  if (start > 1 && anchor === undefined) throw new Error(`the log starts at ${start}, after no published checkpoint`);
  const treeSize = latest.position;
  const upTo = String(treeSize);
  const mismatch = () => new Error(`the log does not match the published checkpoint at ${latest.position}: run audit verify`);
  // The first pass: every leaf after the anchor, and where the site's rows are.
  const leaves = Buffer.alloc(Math.max(0, latest.position - start + 1) * 32);
  const positions: Array<number> = [];
  let expected = start;
  const contentAfter = (from: string) =>
    db.selectFrom("event_log").select(contentColumns).where("position", ">", from).where("position", "<=", upTo).orderBy("position").limit(batchSize).execute();
  for await (const rows of prefetched(contentAfter, String(start - 1), batchSize, nextFrom)) {
    for (const row of rows) {
      if (Number(row.position) !== expected) throw mismatch();
      Merkle.leafHashOfText(canonicalContent(contentOf(row))).copy(leaves, (expected - start) * 32);
      if (row.site === site) positions.push(expected);
      expected += 1;
    }
  }
  if (expected !== latest.position + 1) throw mismatch();
  const tree = Merkle.tree({ size: start - 1, frontier: (anchor?.frontier ?? []).map((node) => Buffer.from(node, "hex")) }, leaves);
  if (tree.size !== latest.position || tree.root().toString("hex") !== latest.rootHash) throw mismatch();
  const { frontier: _frontier, leaves: _leaves, ...checkpoint } = latest;
  // The second pass: the site's rows again, each checked against the leaf the tree was made of
  // (a row changed or deleted since the first pass is refused, not exported with a proof that fails).
  const siteAfter = (from: string) =>
    db
      .selectFrom("event_log")
      .selectAll()
      .where("site", "=", site)
      .where("position", ">", from)
      .where("position", "<=", upTo)
      .orderBy("position")
      .limit(batchSize)
      .execute();
  async function* entries(): AsyncGenerator<ReadonlyArray<Audit.ProvenEntry>> {
    let index = 0;
    for await (const rows of prefetched(siteAfter, String(start - 1), batchSize, nextFrom)) {
      yield rows.map((row) => {
        const position = Number(row.position);
        const content = contentOf(row);
        const leafInput = canonicalContent(content);
        const at = (position - start) * 32;
        if (positions[index] !== position || !Merkle.leafHashOfText(leafInput).equals(leaves.subarray(at, at + 32))) throw mismatch();
        index += 1;
        return {
          ...content,
          position,
          hash: Buffer.from(row.hash).toString("hex"),
          previousHash: Buffer.from(row.previous_hash).toString("hex"),
          leafInput,
          proof: { leafIndex: position - 1, treeSize, auditPath: tree.auditPathHex(position - 1) },
        };
      });
    }
    if (index !== positions.length) throw mismatch();
  }
  return { checkpoint, entries: entries() };
};
