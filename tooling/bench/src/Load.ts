/**
 * HTTP load with autocannon against the server process, the same way for the platform's route and
 * its raw baseline: same connections, same duration, same client process.
 */
import autocannon from "autocannon";
import { readFileSync } from "node:fs";

/**
 * The server process's CPU time so far, in ms (Linux `/proc`), to print the CPU each request
 * costs it: on shared machines a steadier figure than throughput. Undefined elsewhere.
 */
const serverCpuMs = (): number | undefined => {
  const pid = process.env.BENCH_SERVER_PID;
  if (pid === undefined) return undefined;
  try {
    // utime and stime, fields 14 and 15 (counted after the command name's closing parenthesis), in
    // clock ticks of 1/100 s (USER_HZ on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
};

/** What one load run measured. */
export interface LoadResult {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p97_5Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses outside 2xx and socket errors: a benchmark with failures measures nothing. */
  readonly failures: number;
}

/** A request to send, built fresh for each call (distinct communes, distinct streams). */
export interface Request {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
}

/** Runs `next` as fast as `connections` concurrent clients allow, for `seconds`. */
export const load = (options: {
  readonly port: number;
  readonly token?: string;
  readonly connections: number;
  readonly seconds: number;
  readonly next: () => Request;
}): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const cpuBefore = serverCpuMs();
    let lastPath = "";
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: options.seconds,
        headers,
        requests: [
          {
            setupRequest: (request) => {
              const next = options.next();
              lastPath = next.path;
              return { ...request, method: next.method, path: next.path, ...(next.body === undefined ? {} : { body: JSON.stringify(next.body) }) };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const cpuAfter = serverCpuMs();
        if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0) {
          const path = lastPath.split("?")[0]?.split("/").slice(0, 3).join("/");
          console.error(
            `bench:   ${path}… ${Math.round(result.requests.total / options.seconds)} req/s, server CPU ${Math.round(((cpuAfter - cpuBefore) * 1000) / result.requests.total)} µs/req`,
          );
        }
        resolve({
          perSecond: result.requests.total / options.seconds,
          p50Ms: result.latency.p50,
          p97_5Ms: result.latency.p97_5,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          failures: result.non2xx + result.errors + result.timeouts,
        });
      },
    );
  });
