/**
 * The canonical JSON an event's digest covers, and the check of each row of the log against its
 * own hash, done here for segments of rows read by binary COPY — in worker threads, this module
 * being also their script: `audit verify` over 10 million rows spends most of its time in two
 * SHA-256 calls a row, and each row's link can be recomputed from the row alone (its content and
 * its `previous_hash` column), leaving to the caller only the order of the rows and the equality of
 * each `previous_hash` with the `hash` before it. Only `node:` imports, so a worker starts it from
 * the sources too (tests) — its TypeScript is erasable.
 */
import { hash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

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

/**
 * The canonical JSON of an event's content, its keys written in their sorted order: the same
 * bytes as `canonicalJson(content)` (a test holds them equal), without sorting the eight keys of
 * every row a verification reads.
 */
export const canonicalContent = (content: EventContent): string =>
  `{"actorId":${JSON.stringify(content.actorId)},"actorRole":${JSON.stringify(content.actorRole)},"payload":${canonicalJson(content.payload)},"recordedAt":${JSON.stringify(content.recordedAt)},"site":${JSON.stringify(content.site)},"stream":${JSON.stringify(content.stream)},"streamVersion":${JSON.stringify(content.streamVersion)},"type":${JSON.stringify(content.type)}}`;

/** The columns of `event_log` a segment carries, in this order. */
export const segmentColumns = "position, stream, stream_version, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash";
export const segmentWidth = 11;

/** The event types whose payload the verification reads (the purge's bound, the certificates' serials). */
export const notableTypes: ReadonlySet<string> = new Set(["RetentionPurged", "CertificateRevoked", "CertificateHeld", "CertificateReleased"]);

/** Rows read by binary COPY: their bytes and where each field lies (`segmentWidth` a row; -1 as a length: NULL). */
export interface Segment {
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** What the check of a segment found. */
export interface SegmentCheck {
  /** The first row (index in the segment) whose hash is not the link recomputed from its content and its `previous_hash`; -1 when none. */
  readonly mismatch: number;
  /** The leaf hash (32 bytes each) of every row whose position lies in the asked range, in order. */
  readonly leaves: Uint8Array;
  /** The rows of a `notableTypes` type, with their payload. */
  readonly notable: ReadonlyArray<{ readonly index: number; readonly type: string; readonly payload: unknown }>;
}

/** Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const postgresEpochMillis = 946_684_800_000;

const dayMillis = 86_400_000;

/**
 * A timestamptz's milliseconds since the Unix epoch: its microseconds since 2000, floored (as
 * `pg`'s reading of its text truncates the fraction). Exact in doubles up to about 2285; beyond, in BigInt.
 */
const millisOf = (bytes: Buffer, at: number): number => {
  const high = bytes.readInt32BE(at);
  if (high >= -0x20_0000 && high < 0x20_0000) return Math.floor((high * 4_294_967_296 + bytes.readUInt32BE(at + 4)) / 1000) + postgresEpochMillis;
  const micros = bytes.readBigInt64BE(at);
  const floored = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  return Number(floored) + postgresEpochMillis;
};

/**
 * `new Date(millis).toISOString()`, the date part made once a day: most rows of a log fall on the
 * same day as the one before. Years 0 to 9999 only (their ISO form has four digits), others by `Date`.
 */
const isoTime = (() => {
  let dayStart = Number.NaN;
  let dayPrefix = "";
  const two = (value: number) => (value < 10 ? `0${value}` : `${value}`);
  return (millis: number): string => {
    if (!(millis >= dayStart && millis < dayStart + dayMillis)) {
      const iso = new Date(millis).toISOString();
      if (iso.length !== 24) return iso;
      dayStart = Math.floor(millis / dayMillis) * dayMillis;
      dayPrefix = iso.slice(0, 11);
    }
    const inDay = millis - dayStart;
    const milli = inDay % 1000;
    const seconds = Math.floor(inDay / 1000);
    return `${dayPrefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : milli}Z`;
  };
})();

/**
 * A text field as its JSON string (`JSON.stringify` of its UTF-8 text), remembered for the next row:
 * a row's type, actor, role and stream are most often the previous row's, the same bytes.
 */
const quotedField = () => {
  let last = Buffer.alloc(0);
  let field = { text: "", quoted: '""' };
  return (bytes: Buffer, start: number, end: number): { readonly text: string; readonly quoted: string } => {
    if (end - start !== last.length || bytes.compare(last, 0, last.length, start, end) !== 0) {
      last = Buffer.from(bytes.subarray(start, end));
      const text = bytes.toString("utf8", start, end);
      field = { text, quoted: JSON.stringify(text) };
    }
    return field;
  };
};

const quoted = { stream: quotedField(), type: quotedField(), actorId: quotedField(), actorRole: quotedField(), site: quotedField() };

/**
 * Checks each row of a segment against its own hash: int8, text, int4, text, jsonb (a version
 * byte, then its text, parsed as `pg` parses it), text, text, text, timestamptz (microseconds since
 * 2000, to the millisecond as `pg` reads its text: truncated), bytea, bytea. `leafFrom` < position
 * ≤ `leafTo`: the rows whose leaf hash is also returned. The canonical JSON is `canonicalContent`'s,
 * written with each field's JSON string (a test holds both equal).
 */
export const checkSegment = (segment: Segment, leafFrom: number, leafTo: number): SegmentCheck => {
  const bytes = Buffer.from(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength);
  const { starts, lengths, count } = segment;
  const link = Buffer.allocUnsafe(72);
  const leafInputs: Array<string> = [];
  const notable: Array<{ index: number; type: string; payload: unknown }> = [];
  let mismatch = -1;
  for (let index = 0; index < count; index++) {
    const at = index * segmentWidth;
    for (let field = 0; field < segmentWidth; field++) if (lengths[at + field] === -1) throw new Error("event_log: a NULL in a NOT NULL column");
    const start = (field: number) => starts[at + field] as number;
    const end = (field: number) => (starts[at + field] as number) + (lengths[at + field] as number);
    if (lengths[at] !== 8 || lengths[at + 2] !== 4 || lengths[at + 8] !== 8 || bytes[start(4)] !== 1)
      throw new Error("event_log: unexpected binary COPY layout");
    const position = Number(bytes.readBigInt64BE(start(0)));
    const type = quoted.type(bytes, start(3), end(3));
    const payload: unknown = JSON.parse(bytes.toString("utf8", start(4) + 1, end(4)));
    if (notableTypes.has(type.text)) notable.push({ index, type: type.text, payload });
    const millis = millisOf(bytes, start(8));
    const canonical = `{"actorId":${quoted.actorId(bytes, start(5), end(5)).quoted},"actorRole":${quoted.actorRole(bytes, start(6), end(6)).quoted},"payload":${canonicalJson(payload)},"recordedAt":"${isoTime(millis)}","site":${quoted.site(bytes, start(7), end(7)).quoted},"stream":${quoted.stream(bytes, start(1), end(1)).quoted},"streamVersion":${bytes.readInt32BE(start(2))},"type":${type.quoted}}`;
    if (position > leafFrom && position <= leafTo) leafInputs.push(canonical);
    if (mismatch !== -1) continue;
    // The chain step as the database computes it: sha256(previous_hash || position int8 || digest).
    if (lengths[at + 9] !== 32) {
      mismatch = index;
      continue;
    }
    bytes.copy(link, 0, start(9), end(9));
    bytes.copy(link, 32, start(0), end(0));
    hash("sha256", canonical, "buffer").copy(link, 40);
    const recomputed = hash("sha256", link, "buffer");
    if (lengths[at + 10] !== 32 || recomputed.compare(bytes, start(10), end(10)) !== 0) mismatch = index;
  }
  const leaves = new Uint8Array(leafInputs.length * 32);
  leafInputs.forEach((input, index) => {
    // RFC 9162 leaf: sha256(0x00 || the leaf's bytes).
    leaves.set(hash("sha256", Buffer.concat([Buffer.of(0), Buffer.from(input)]), "buffer"), index * 32);
  });
  return { mismatch, leaves, notable };
};

/** What a worker is sent: a segment to check, under an id its answer carries back. */
export interface SegmentRequest {
  readonly id: number;
  readonly segment: Segment;
  readonly leafFrom: number;
  readonly leafTo: number;
}

export type SegmentAnswer = { readonly id: number; readonly check: SegmentCheck } | { readonly id: number; readonly error: string };

/** The `workerData` a worker checking segments is started with (any other thread importing this module is left alone). */
export const workerMarker = "comedec:row-digests";

if (workerData === workerMarker && parentPort !== null) {
  const port = parentPort;
  port.on("message", (request: SegmentRequest) => {
    try {
      port.postMessage({ id: request.id, check: checkSegment(request.segment, request.leafFrom, request.leafTo) } satisfies SegmentAnswer);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies SegmentAnswer);
    }
  });
}
