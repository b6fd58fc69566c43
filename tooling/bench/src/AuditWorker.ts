/**
 * The audit trail's work at scale, in a process of its own so that its time and peak memory are
 * the platform's alone: `verify` runs `Audit.verifyTrail`, what `comedec audit verify` runs;
 * `export` signs a checkpoint of the log, then times `Audit.exportProvenStream` of one site, what
 * the auditor's export runs, and the JSON it is written as (streamed, into a sink that counts),
 * sampling the resident memory while it runs; `baseline` makes the runtime and reads nothing.
 * Started by `AuditTrail.ts`, which reads the answer on the IPC channel.
 */
import * as Platform from "@comedec/platform";
import { Persistence } from "@comedec/persistence";
import { Audit } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, ManagedRuntime, Stream } from "effect";
import { performance } from "node:perf_hooks";

const connectionString = process.env.BENCH_DATABASE_URL;
const directory = process.env.BENCH_PKI_DIRECTORY;
if (connectionString === undefined || directory === undefined) throw new Error("BENCH_DATABASE_URL and BENCH_PKI_DIRECTORY are required");

const runtime = ManagedRuntime.make(
  Platform.services(Persistence.postgres({ connectionString }), {
    pki: { directory, passphrase: "bench", baseUrl: "http://127.0.0.1/pki" },
    smartCards: Simulator.layer({ seed: "bench" }),
  }),
);

/** What the parent reads: the work's time, what it found, and the process's peak resident memory. */
const answer = async () => {
  if (process.env.BENCH_AUDIT_TASK === "export") {
    const site = process.env.BENCH_AUDIT_SITE ?? "national";
    await runtime.runPromise(Audit.checkpoint);
    // The process's peak counts the checkpoint's signing too: the export's own is sampled while it runs.
    const startRssMb = process.memoryUsage.rss() / 1048576;
    let exportRssMb = startRssMb;
    const sampling = setInterval(() => {
      exportRssMb = Math.max(exportRssMb, process.memoryUsage.rss() / 1048576);
    }, 20);
    const started = performance.now();
    // Written as the CLI writes it, one JSON line an entry, into a sink that only counts the bytes:
    // the export streamed, its memory the tree's and one batch's.
    const written = await runtime.runPromise(
      Effect.gen(function* () {
        const proven = yield* Audit.exportProvenStream(site);
        if (proven === undefined) return undefined;
        let bytes = JSON.stringify(proven.checkpoint).length + 1;
        let entries = 0;
        yield* Stream.runForEachArray(proven.entries, (batch) =>
          Effect.sync(() => {
            for (const entry of batch) bytes += JSON.stringify(entry).length + 1;
            entries += batch.length;
          }),
        );
        return { bytes, entries };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampling);
    return { seconds, entries: written?.entries ?? 0, bytes: written?.bytes ?? 0, valid: written !== undefined, startRssMb, exportRssMb };
  }
  // The runtime (migrations checked, keys opened) is made before the clock starts.
  await runtime.runPromise(Effect.void);
  // `baseline`: the same process reading nothing, the floor its memory starts from.
  if (process.env.BENCH_AUDIT_TASK === "baseline") return { seconds: 0, entries: 0, valid: true };
  const started = performance.now();
  const report = await runtime.runPromise(Audit.verifyTrail);
  return { seconds: (performance.now() - started) / 1000, entries: report.events, valid: report.valid, reason: report.firstBreak?.reason };
};

const result = await answer();
process.send?.({ ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 });
await runtime.dispose();
process.disconnect?.();
