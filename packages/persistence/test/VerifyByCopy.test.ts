/**
 * The verification of the log on PostgreSQL (binary COPY, each row checked in worker threads)
 * against the row objects' path on the same rows: a log of several segments, with contents drawn
 * at random (payloads of every JSON shape, strings with quotes, backslashes and non-ASCII
 * characters, dates from year 1 to 9999), each digest computed by the platform's `digestOf`,
 * verifies; a tampered digest, a broken link, a reordered row and a deleted one are each found at
 * the same position, for the same reason, by both paths.
 */
import { Effect } from "effect";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyBinarySegments } from "../src/internal/CopyBinary.js";
import { Database, layerPostgres } from "../src/internal/Database.js";
import { canonicalContent, canonicalJson, chainHash, digestOf, type EventContent, verify } from "../src/internal/EventLog.js";

const url = process.env.DATABASE_URL;

/** Text PostgreSQL keeps as it is given: no NUL, no lone surrogate. */
const text = fc.string({ unit: "grapheme", maxLength: 12 }).map((value) => value.replaceAll("\u0000", ""));
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
})).value;
const content = fc.record({
  stream: text,
  type: fc.oneof(text, fc.constant("MilestoneRecorded")),
  payload: fc.oneof(json, fc.dictionary(text, json, { maxKeys: 5 })),
  actorId: fc.oneof(text, fc.constant('rc-"lyon"\\1')),
  actorRole: fc.constant("commune-operator"),
  site: fc.oneof(text, fc.constant("commune:69123")),
  recordedAt: fc.date({ min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }),
});

/** Rows: enough for several segments of about a megabyte each, so several workers and their order count. */
const count = 9_000;

describe.skipIf(url === undefined)("the verification of the log by binary COPY on PostgreSQL", () => {
  const name = `comedec_test_copy_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = () => new pg.Client({ connectionString: url });
  let target = "";
  let client: pg.Client;

  beforeAll(async () => {
    const creating = admin();
    await creating.connect();
    await creating.query(`CREATE DATABASE ${name}`);
    await creating.end();
    const address = new URL(url as string);
    address.pathname = `/${name}`;
    target = address.toString();
    await withDatabase(() => Promise.resolve());
    client = new pg.Client({ connectionString: target });
    await client.connect();
    const drawn = fc.sample(content, { numRuns: count, seed: 25 });
    let previous: Buffer = Buffer.alloc(32);
    const rows: Array<Array<unknown>> = [];
    drawn.forEach((event, index) => {
      const position = index + 1;
      // Round-tripped through JSON, as `appendEntries` does before its digest: what jsonb keeps.
      const payload = JSON.parse(JSON.stringify(event.payload) ?? "null") as unknown;
      const row: EventContent = { ...event, stream: `${event.stream}:${position}`, streamVersion: 1, payload, recordedAt: event.recordedAt.toISOString() };
      const hash: Buffer = chainHash(previous, BigInt(position), digestOf(row));
      rows.push([position, row.stream, 1, row.type, JSON.stringify(payload), row.actorId, row.actorRole, row.site, row.recordedAt, previous, hash]);
      previous = hash;
    });
    for (let from = 0; from < rows.length; from += 1_000) {
      const batch = rows.slice(from, from + 1_000);
      const values = batch.map((_, row) => `(${Array.from({ length: 11 }, (_, column) => `$${row * 11 + column + 1}`).join(",")})`).join(",");
      await client.query(
        `INSERT INTO event_log (position, stream, stream_version, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash) VALUES ${values}`,
        batch.flat(),
      );
    }
    await client.query("UPDATE event_log_head SET position = $1, hash = $2", [count, previous]);
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    const dropping = admin();
    await dropping.connect();
    await dropping.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropping.end();
  });

  /** Runs `work` with the migrated database (its `copyOut` included). */
  const withDatabase = <A>(work: (database: Database["Service"]) => Promise<A>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const database = yield* Database;
        return yield* Effect.promise(() => work(database));
      }).pipe(Effect.provide(layerPostgres({ connectionString: target }))),
    );
  /** The report by COPY and the report from the row objects, on the same rows. */
  const bothPaths = () =>
    withDatabase(async (database) => {
      expect(database.copyOut).toBeDefined();
      return { copy: await verify(database), objects: await verify({ db: database.db }) };
    });
  /** Changes the log with its guard switched off, verifies, and puts it back. */
  const tampered = async (change: ReadonlyArray<string>, undo: ReadonlyArray<string>) => {
    await client.query("ALTER TABLE event_log DISABLE TRIGGER USER");
    try {
      for (const statement of change) await client.query(statement);
      return await bothPaths();
    } finally {
      for (const statement of undo) await client.query(statement);
      await client.query("ALTER TABLE event_log ENABLE TRIGGER USER");
    }
  };

  it("writes each row's canonical JSON as the platform's canonical JSON of its content", () => {
    fc.assert(
      fc.property(content, (event) => {
        const row = { ...event, streamVersion: 3, recordedAt: event.recordedAt.toISOString() };
        expect(canonicalContent(row)).toBe(canonicalJson(row));
      }),
    );
  });

  it("cuts the same tuples from the COPY whatever the chunks it arrives in, down to one byte", async () => {
    const received = await withDatabase(async (database) => {
      const chunks: Array<Buffer> = [];
      for await (const chunk of (database.copyOut as (statement: string) => AsyncIterable<Buffer>)(
        "COPY (SELECT position, stream, payload FROM event_log WHERE position <= 400 ORDER BY position) TO STDOUT (FORMAT binary)",
      ))
        chunks.push(chunk);
      return Buffer.concat(chunks);
    });
    /** Each tuple's fields as hex, from the segments cut out of `chunks`. */
    const tuples = async (chunks: ReadonlyArray<Buffer>, segmentBytes: number) => {
      const found: Array<string> = [];
      async function* source() {
        yield* chunks;
      }
      const room = (size: number) => new Uint8Array(new SharedArrayBuffer(size));
      for await (const segment of copyBinarySegments(source(), 3, segmentBytes, room, () => undefined)) {
        const bytes = Buffer.from(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength);
        for (let field = 0; field < segment.count * 3; field++)
          found.push(bytes.toString("hex", segment.starts[field], (segment.starts[field] as number) + (segment.lengths[field] as number)));
      }
      return found;
    };
    const whole = await tuples([received], 1 << 20);
    expect(whole.length).toBe(400 * 3);
    const oneByOne = Array.from({ length: received.length }, (_, index) => received.subarray(index, index + 1));
    expect(await tuples(oneByOne, 1)).toEqual(whole);
    const uneven: Array<Buffer> = [];
    for (let at = 0, size = 1; at < received.length; at += size, size = (size * 7) % 97) uneven.push(received.subarray(at, at + size));
    expect(await tuples(uneven, 300)).toEqual(whole);
    await expect(tuples([received.subarray(0, received.length - 1)], 1 << 20)).rejects.toThrow("without its trailer");
  });

  it("verifies a log of random contents, the digests the platform's, as the row objects' path does", async () => {
    const { copy, objects } = await bothPaths();
    expect(copy).toEqual({ events: count, checkpoints: 0, valid: true, firstBreak: undefined });
    expect(copy).toEqual(objects);
  }, 120_000);

  it("finds a tampered digest, a broken link, a reordered row and a deleted one where the row objects' path does", async () => {
    const saved = await client.query<{ payload: unknown; previous_hash: Buffer }>("SELECT payload, previous_hash FROM event_log WHERE position = 7001");
    const original = saved.rows[0] as { payload: unknown; previous_hash: Buffer };
    const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, ReadonlyArray<string>, { readonly position: number; readonly reason: string }]> = [
      [
        "digest",
        ["UPDATE event_log SET payload = '{\"forged\": true}' WHERE position = 7001"],
        [`UPDATE event_log SET payload = '${JSON.stringify(original.payload).replaceAll("'", "''")}' WHERE position = 7001`],
        { position: 7001, reason: "content does not match its hash" },
      ],
      [
        "link",
        [`UPDATE event_log SET previous_hash = '\\x${randomBytes(32).toString("hex")}' WHERE position = 7001`],
        [`UPDATE event_log SET previous_hash = '\\x${original.previous_hash.toString("hex")}' WHERE position = 7001`],
        { position: 7001, reason: "link to the previous row broken" },
      ],
      [
        "reordered",
        [
          "UPDATE event_log SET position = -1 WHERE position = 5000",
          "UPDATE event_log SET position = 5000 WHERE position = 5001",
          "UPDATE event_log SET position = 5001 WHERE position = -1",
        ],
        [
          "UPDATE event_log SET position = -1 WHERE position = 5001",
          "UPDATE event_log SET position = 5001 WHERE position = 5000",
          "UPDATE event_log SET position = 5000 WHERE position = -1",
        ],
        { position: 5000, reason: "link to the previous row broken" },
      ],
      [
        "deleted",
        ["UPDATE event_log SET position = -1 WHERE position = 3000"],
        ["UPDATE event_log SET position = 3000 WHERE position = -1"],
        { position: 3000, reason: "missing or reordered row" },
      ],
    ];
    for (const [label, change, undo, firstBreak] of cases) {
      const { copy, objects } = await tampered(change, undo);
      expect({ label, ...copy }).toMatchObject({ label, valid: false, firstBreak });
      expect({ label, ...copy }).toEqual({ label, ...objects });
    }
    expect((await bothPaths()).copy.valid).toBe(true);
  }, 240_000);
});
