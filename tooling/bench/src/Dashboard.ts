/**
 * Issue 25's dashboard figure: the national deployment dashboard over every commune (34,877), its
 * p95 through the API for one reader at a time (a dashboard is read by a few people, not by 50 at
 * once), against a Hono route making the dashboard's readings raw on the same pool. The dashboard
 * is measured with work to show: at least 10,000 communes started and 1,000 under the obligation
 * (late since 2018, each named by the forecast), written through the API first when the runs
 * before it (the milestone writes) left fewer, so a run of this figure alone counts as much.
 */
import { load } from "./Load.js";
import type { Figure } from "./Report.js";

const started = 10_000;
const obliged = 1_000;
// The map's flag bits (the contract's `MapFlag`): thirteen milestones, then the obligation.
const milestoneBits = (1 << 13) - 1;
const underObligation = 1 << 13;

/**
 * Sends `requests` through `parallel` clients at a time; each must succeed, or find its commune
 * changed since the map was read (409: a write of the load before, still in flight when it ended).
 */
const send = async (port: number, token: string, requests: ReadonlyArray<{ readonly path: string; readonly body: unknown }>, parallel = 16): Promise<void> => {
  let next = 0;
  const client = async () => {
    while (next < requests.length) {
      const request = requests[next++] as (typeof requests)[number];
      const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(request.body),
      });
      if (!response.ok && response.status !== 409) throw new Error(`${request.path}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: parallel }, client));
};

/** Tops the communes up to `started` started and `obliged` under the obligation, through the API, reading the map again until they are. */
const seed = async (port: number, token: string, avoid: ReadonlySet<string>): Promise<{ readonly started: number; readonly obliged: number }> => {
  for (let round = 0; ; round++) {
    const response = await fetch(`http://127.0.0.1:${port}/dashboard/map`, { headers: { Authorization: `Bearer ${token}` } });
    const map = (await response.json()) as { readonly codes: string; readonly flags: string };
    const codes = map.codes.split(",");
    const flags = map.flags.split(",").map(Number);
    const fresh = codes.filter((code, index) => (flags[index] as number) === 0 && !avoid.has(code));
    const alreadyStarted = flags.filter((flag) => (flag & milestoneBits) !== 0).length;
    const alreadyObliged = flags.filter((flag) => (flag & underObligation) !== 0).length;
    // Spread over the country (codes in a fixed shuffled order): every département has some.
    const shuffled = [...fresh].sort((a, b) => hash(a) - hash(b));
    const maternities = shuffled.slice(0, Math.max(0, obliged - alreadyObliged));
    const adhesions = shuffled.slice(maternities.length, maternities.length + Math.max(0, started - alreadyStarted));
    if (maternities.length + adhesions.length === 0) return { started: alreadyStarted, obliged: alreadyObliged };
    if (round === 3) throw new Error(`the dashboard's communes could not be topped up: ${alreadyStarted} started, ${alreadyObliged} obliged`);
    console.error(
      `bench:   writing ${adhesions.length.toLocaleString("en-US")} adhesions and ${maternities.length.toLocaleString("en-US")} maternities first…`,
    );
    await send(
      port,
      token,
      maternities.map((code) => ({ path: `/communes/${code}/onboarding/maternity`, body: { hasMaternity: true, reference: "bench", expectedVersion: 0 } })),
    );
    await send(
      port,
      token,
      adhesions.map((code) => ({ path: `/communes/${code}/onboarding/milestones`, body: { evidence: { milestone: "adhesion", reference: "bench" } } })),
    );
  }
};

const hash = (code: string) => {
  let value = 2166136261;
  for (let index = 0; index < code.length; index++) value = Math.imul(value ^ code.charCodeAt(index), 16777619) >>> 0;
  return value;
};

/** GET /dashboard by a national administrator, against the raw readings, one connection. */
export const dashboardFigure = async (options: {
  readonly port: number;
  readonly token: string;
  readonly seconds: number;
  readonly communes: number;
  /** Communes another figure's raw route wrote on: their versions moved without a milestone. */
  readonly avoid?: ReadonlyArray<string>;
}): Promise<Figure> => {
  const seeded = await seed(options.port, options.token, new Set(options.avoid ?? []));
  const common = { port: options.port, token: options.token, connections: 1, seconds: options.seconds, cycle: true };
  const dashboard = [{ method: "GET" as const, path: "/dashboard?by=departement" }];
  const raw = [{ method: "GET" as const, path: "/raw/dashboard" }];
  await load({ ...common, seconds: 1, requests: dashboard, label: "warm-up /dashboard" });
  await load({ ...common, seconds: 1, requests: raw, label: "warm-up /raw/dashboard" });
  const rawResult = await load({ ...common, requests: raw, label: "/raw/dashboard" });
  const platform = await load({ ...common, requests: dashboard, label: "/dashboard" });
  if (rawResult.failures + platform.failures > 0) throw new Error(`dashboards failed: ${platform.failures} through the API, ${rawResult.failures} raw`);
  return {
    name: `national dashboard over ${options.communes.toLocaleString("en-US")} communes through the API, p95 for one reader (${seeded.started.toLocaleString("en-US")} started, ${seeded.obliged.toLocaleString("en-US")} under the obligation; counts per département, the late ones, the forecast; ${Math.round(platform.perSecond)} vs ${Math.round(rawResult.perSecond)} req/s)`,
    unit: "ms",
    platform: platform.p95Ms,
    raw: rawResult.p95Ms,
    rawName:
      "Hono route making the dashboard's five readings raw and at once on the same pool (the counts from the tallies the platform keeps, ADR 0023; the late and the obliged communes), p95",
    goal: { value: 50, better: "lower" },
    cpu: { platform: platform.serverCpuUs, raw: rawResult.serverCpuUs },
  };
};
