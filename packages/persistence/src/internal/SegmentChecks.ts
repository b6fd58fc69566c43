/**
 * The log read by binary COPY for its verification, each segment of rows checked against its own
 * hashes in worker threads (`RowDigests`), the segments given back in order with what their check
 * found: the caller checks the order of the rows and the links between them, which is sequential
 * and cheap. One COPY statement per `copyBatch` rows, each starting after the last position read.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { copyBinarySegments } from "./CopyBinary.js";
import { type Segment, type SegmentAnswer, type SegmentCheck, segmentColumns, segmentWidth, workerMarker } from "./RowDigests.js";

/** Rows per COPY statement: each well inside the statement timeout. */
const copyBatch = 250_000;

/** About this many bytes a segment (some 3,000 rows): large enough that a message costs nothing beside its hashing. */
const segmentBytes = 1 << 20;

/** The worker script: the compiled module, or its source when the sources run (tests). */
const script = new URL(import.meta.url.endsWith(".ts") ? "./RowDigests.ts" : "./RowDigests.js", import.meta.url);

/** Workers checking segments, each answer matched to its request. */
const workerPool = (threads: number) => {
  const waiting = new Map<number, { readonly resolve: (check: SegmentCheck) => void; readonly reject: (error: Error) => void }>();
  let failure: Error | undefined;
  const workers = Array.from({ length: threads }, () => {
    // A small heap: a worker holds one segment's strings at a time (the process's peak memory is a goal of its own).
    const worker = new Worker(script, { workerData: workerMarker, resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 48 } });
    worker.on("message", (answer: SegmentAnswer) => {
      const pending = waiting.get(answer.id);
      waiting.delete(answer.id);
      if ("error" in answer) pending?.reject(new Error(answer.error));
      else pending?.resolve(answer.check);
    });
    worker.on("error", (error) => {
      failure = error;
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    });
    return worker;
  });
  let next = 0;
  return {
    check: (segment: Segment, leafFrom: number, leafTo: number): Promise<SegmentCheck> => {
      if (failure !== undefined) return Promise.reject(failure);
      const id = next++;
      const answer = new Promise<SegmentCheck>((resolve, reject) => waiting.set(id, { resolve, reject }));
      (workers[id % workers.length] as Worker).postMessage({ id, segment, leafFrom, leafTo });
      return answer;
    },
    close: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
};

/**
 * The log's rows after `after`, in segments in position order, each with its check; the leaf hash
 * of every row whose position lies in (`leafFrom`, `leafTo`]. Reading ahead by two segments a
 * worker, so the database and the workers are never idle waiting for each other.
 */
export async function* checkedSegments(
  copyOut: (statement: string) => AsyncIterable<Buffer>,
  after: bigint,
  leafFrom: number,
  leafTo: number,
): AsyncGenerator<{ readonly segment: Segment; readonly check: SegmentCheck }> {
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  const pool = workerPool(threads);
  const inFlight: Array<{ readonly segment: Segment; readonly check: Promise<SegmentCheck> }> = [];
  // Shared memory is freed only once every thread that saw it has collected it, and the workers
  // rarely collect: a few buffers, reused, hold the segments — those in flight, the one the caller
  // reads, the one being cut.
  const free: Array<SharedArrayBuffer> = Array.from({ length: threads * 2 + 2 }, () => new SharedArrayBuffer(segmentBytes * 2));
  let lent: SharedArrayBuffer | undefined;
  const room = (size: number): Uint8Array => {
    const buffer = size <= segmentBytes * 2 ? free.pop() : undefined;
    return new Uint8Array(buffer ?? new SharedArrayBuffer(size), 0, size);
  };
  const unused = (bytes: Uint8Array) => {
    if (bytes.buffer.byteLength === segmentBytes * 2) free.push(bytes.buffer as SharedArrayBuffer);
  };
  const handOver = async (head: (typeof inFlight)[number]) => {
    const check = await head.check;
    return { segment: head.segment, check };
  };
  // The segment the caller has finished with goes back to the free buffers.
  const giveBack = () => {
    if (lent !== undefined && lent.byteLength === segmentBytes * 2) free.push(lent);
    lent = undefined;
  };
  try {
    let from = after;
    for (;;) {
      let read = 0;
      const statement = `COPY (SELECT ${segmentColumns} FROM event_log WHERE position > ${from.toString()} ORDER BY position LIMIT ${copyBatch}) TO STDOUT (FORMAT binary)`;
      for await (const segment of copyBinarySegments(copyOut(statement), segmentWidth, segmentBytes, room, unused)) {
        read += segment.count;
        const last = (segment.count - 1) * segmentWidth;
        if (segment.lengths[last] !== 8) throw new Error("event_log: unexpected binary COPY layout");
        from = Buffer.from(segment.bytes.buffer, segment.bytes.byteOffset, segment.bytes.byteLength).readBigInt64BE(segment.starts[last]);
        inFlight.push({ segment, check: pool.check(segment, leafFrom, leafTo) });
        if (inFlight.length >= threads * 2) {
          const head = await handOver(inFlight.shift() as (typeof inFlight)[number]);
          lent = head.segment.bytes.buffer as SharedArrayBuffer;
          yield head;
          giveBack();
        }
      }
      if (read < copyBatch) break;
    }
    while (inFlight.length > 0) {
      const head = await handOver(inFlight.shift() as (typeof inFlight)[number]);
      lent = head.segment.bytes.buffer as SharedArrayBuffer;
      yield head;
      giveBack();
    }
  } finally {
    // Checks still running when the caller stops (a break found) are not waited for.
    for (const pending of inFlight) pending.check.catch(() => undefined);
    await pool.close();
  }
}
