/**
 * HTTP load with `wrk` (Debian's package) against the server process, the same way for the
 * platform's route and its raw baseline: same connections, same duration, same client. wrk is
 * native and runs in a process of its own, so the load generator does not take the core the
 * server needs (autocannon, JavaScript, drove the same routes at roughly half the rate). Each
 * load's requests are written beforehand to a file that a Lua script reads, so every request is
 * distinct (rotating communes, fresh challenges, pre-signed responses), and the script reports
 * wrk's counts and latency percentiles as one JSON line.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** wrk on PATH, else Debian's package installed the way `.ci/run` installs softhsm2 (sudo when not root). */
export const ensureWrk = (): void => {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return;
  } catch (error) {
    // `wrk --version` prints its usage and exits 1: only a missing command means it is not there.
    if ((error as { code?: string }).code !== "ENOENT") return;
  }
  console.error("bench: wrk is not installed, installing Debian's package…");
  const asRoot = (args: ReadonlyArray<string>) =>
    process.getuid?.() === 0 ? execFileSync(args[0] as string, args.slice(1), { stdio: "inherit" }) : execFileSync("sudo", args, { stdio: "inherit" });
  asRoot(["apt-get", "update"]);
  asRoot(["apt-get", "install", "-y", "--no-install-recommends", "wrk"]);
};

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
  readonly p95Ms: number;
  readonly p97_5Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses outside 2xx and 3xx, socket errors and timeouts: a benchmark with failures measures nothing. */
  readonly failures: number;
  /** The server process's CPU time per request, in µs (NaN where `/proc` is not there). */
  readonly serverCpuUs: number;
}

/** A request to send. */
export interface Request {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
  /** The client's address as a trusted reverse proxy would forward it (`X-Forwarded-For`). */
  readonly forwardedFor?: string;
}

const script = (file: string, threads: number, cycle: boolean, headers: Record<string, string>) => `
-- Written by tooling/bench/src/Load.ts: each thread sends its share of the requests in ${file}.
local file, threads, cycle = ${JSON.stringify(file)}, ${threads}, ${cycle}
local common = { ${Object.entries(headers)
  .map(([name, value]) => `[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
  .join(", ")} }
local all, counter = {}, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(all, thread)
end

local requests, index = {}, 0
exhausted = 0

function init(args)
  local line_number = 0
  for line in io.lines(file) do
    if line_number % threads == id then
      local method, path, forwarded, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
      local headers = {}
      for name, value in pairs(common) do headers[name] = value end
      if forwarded ~= "" then headers["X-Forwarded-For"] = forwarded end
      if body == "" then body = nil end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
    line_number = line_number + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    if not cycle then exhausted = exhausted + 1 end
    index = 1
  end
  return requests[index]
end

function done(summary, latency, requests)
  local wrapped = 0
  for _, thread in ipairs(all) do wrapped = wrapped + thread:get("exhausted") end
  local errors = summary.errors
  io.write(string.format('BENCH-RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p95":%d,"p97_5":%d,"p99":%d,"exhausted":%d}\\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(97.5), latency:percentile(99), wrapped))
end
`;

const runWrk = (args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`wrk exited with ${code}: ${output}`))));
  });

/**
 * Sends `requests` as fast as `connections` concurrent clients allow, for `seconds`, with wrk on
 * 2 threads. With `cycle` the list starts again when it is used up (lookups, searches); without,
 * every request is sent at most once (each challenge, commune or card used once) and running out
 * is an error: the run is too long for its list.
 */
export const load = async (options: {
  readonly port: number;
  readonly token?: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: ReadonlyArray<Request>;
  readonly cycle: boolean;
  /** A name for the log line. */
  readonly label?: string;
}): Promise<LoadResult> => {
  const directory = mkdtempSync(join(tmpdir(), "bench-wrk-"));
  try {
    const file = join(directory, "requests.tsv");
    writeFileSync(
      file,
      options.requests
        .map(
          (request) => `${request.method}\t${request.path}\t${request.forwardedFor ?? ""}\t${request.body === undefined ? "" : JSON.stringify(request.body)}\n`,
        )
        .join(""),
    );
    const threads = Math.min(2, options.connections);
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    const lua = join(directory, "load.lua");
    writeFileSync(lua, script(file, threads, options.cycle, headers));
    const cpuBefore = serverCpuMs();
    const output = await runWrk([
      `-t${threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--latency",
      "--timeout",
      "10s",
      "-s",
      lua,
      `http://127.0.0.1:${options.port}`,
    ]);
    const cpuAfter = serverCpuMs();
    const line = output.split("\n").find((entry) => entry.startsWith("BENCH-RESULT "));
    if (line === undefined) throw new Error(`wrk printed no result: ${output}`);
    const result = JSON.parse(line.slice("BENCH-RESULT ".length)) as Record<string, number>;
    const requests = result.requests as number;
    if ((result.exhausted as number) > 0)
      throw new Error(`${options.label ?? "a load"} ran out of distinct requests (${options.requests.length}): shorten the run`);
    const serverCpuUs = cpuBefore !== undefined && cpuAfter !== undefined && requests > 0 ? ((cpuAfter - cpuBefore) * 1000) / requests : Number.NaN;
    const perSecond = requests / ((result.durationUs as number) / 1_000_000);
    console.error(
      `bench:   ${options.label ?? options.requests[0]?.path.split("?")[0]} ${Math.round(perSecond)} req/s, p99 ${((result.p99 as number) / 1000).toFixed(1)} ms, server CPU ${Math.round(serverCpuUs)} µs/req`,
    );
    return {
      perSecond,
      p50Ms: (result.p50 as number) / 1000,
      p95Ms: (result.p95 as number) / 1000,
      p97_5Ms: (result.p97_5 as number) / 1000,
      p99Ms: (result.p99 as number) / 1000,
      requests,
      failures: (result.connect as number) + (result.read as number) + (result.write as number) + (result.status as number) + (result.timeout as number),
      serverCpuUs,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};
