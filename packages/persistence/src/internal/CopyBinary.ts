/**
 * The rows of a `COPY … TO STDOUT (FORMAT binary)`, cut from the bytes PostgreSQL sends into
 * segments of whole tuples: a signature and header, then each tuple as a field count and, for each
 * field, its length and its bytes in the type's binary form
 * (https://www.postgresql.org/docs/current/sql-copy.html), the trailer last. No text escapes, no
 * row objects made by the driver; each segment's bytes in shared memory, so worker threads read
 * them without a copy.
 */
import type { Segment } from "./RowDigests.js";

const signature = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/**
 * The tuples of a binary COPY in segments of about `segmentBytes`, each tuple of `width` fields,
 * their bytes copied once, from the chunks received, into the bytes `room` gives (shared memory;
 * the partial tuple at its end copied on into the next; given back to `unused` when they hold no
 * whole tuple); the stream must end with the trailer.
 */
export async function* copyBinarySegments(
  chunks: AsyncIterable<Buffer>,
  width: number,
  segmentBytes: number,
  room: (size: number) => Uint8Array,
  unused: (bytes: Uint8Array) => void,
): AsyncGenerator<Segment> {
  let pending: Array<Buffer> = [];
  let pendingBytes = 0;
  let headerRead = false;
  let ended = false;
  const cut = (final: boolean): Segment | undefined => {
    const target = room(pendingBytes);
    let filled = 0;
    for (const chunk of pending) {
      target.set(chunk, filled);
      filled += chunk.length;
    }
    const joined = Buffer.from(target.buffer, target.byteOffset, pendingBytes);
    let offset = 0;
    if (!headerRead) {
      if (joined.length < signature.length + 8 || joined.length < signature.length + 8 + joined.readInt32BE(signature.length + 4)) {
        if (final) throw new Error("COPY binary: no header");
        pending = [Buffer.from(joined)];
        unused(target);
        return undefined;
      }
      if (!joined.subarray(0, signature.length).equals(signature)) throw new Error("COPY binary: not a binary COPY");
      offset = signature.length + 8 + joined.readInt32BE(signature.length + 4);
      headerRead = true;
    }
    const first = offset;
    const starts: Array<number> = [];
    const lengths: Array<number> = [];
    tuples: while (offset + 2 <= joined.length) {
      const count = joined.readInt16BE(offset);
      if (count === -1) {
        ended = true;
        offset += 2;
        break;
      }
      if (count !== width) throw new Error(`COPY binary: ${count} fields in a tuple instead of ${width}`);
      let at = offset + 2;
      for (let field = 0; field < width; field++) {
        if (at + 4 > joined.length) break tuples;
        const length = joined.readInt32BE(at);
        at += 4 + Math.max(length, 0);
        if (at > joined.length) break tuples;
      }
      // The tuple is whole: its fields are read again, now known to lie in the bytes.
      at = offset + 2;
      for (let field = 0; field < width; field++) {
        const length = joined.readInt32BE(at);
        starts.push(at + 4 - first);
        lengths.push(length);
        at += 4 + Math.max(length, 0);
      }
      offset = at;
    }
    const count = starts.length / width;
    const rest = joined.subarray(offset);
    if (ended && rest.length > 0) throw new Error("COPY binary: bytes after the trailer");
    if (final && !ended) throw new Error("COPY binary: the stream ends inside a tuple or without its trailer");
    // The partial tuple left is copied out: the shared bytes go with the segment.
    pending = rest.length === 0 ? [] : [Buffer.from(rest)];
    pendingBytes = rest.length;
    if (count === 0) {
      unused(target);
      return undefined;
    }
    return {
      bytes: target.subarray(first, offset),
      count,
      starts: Int32Array.from(starts),
      lengths: Int32Array.from(lengths),
    };
  };
  for await (const chunk of chunks) {
    if (ended) throw new Error("COPY binary: bytes after the trailer");
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < segmentBytes) continue;
    const segment = cut(false);
    if (segment !== undefined) yield segment;
  }
  const segment = cut(true);
  if (segment !== undefined) yield segment;
}
