/**
 * Issue 25's dashboard figure: the national deployment dashboard over every commune (34,877, with
 * the milestones the writes before it recorded), its p95 through the API for one reader at a time
 * (a dashboard is read by a few people, not by 50 at once), against a Hono route running the dashboard's two counting queries raw on the same pool.
 */
import { load } from "./Load.js";
import type { Figure } from "./Report.js";

/** GET /dashboard by a national administrator, against the raw counts, one connection. */
export const dashboardFigure = async (options: {
  readonly port: number;
  readonly token: string;
  readonly seconds: number;
  readonly communes: number;
}): Promise<Figure> => {
  const common = { port: options.port, token: options.token, connections: 1, seconds: options.seconds, cycle: true };
  const dashboard = [{ method: "GET" as const, path: "/dashboard?by=departement" }];
  const raw = [{ method: "GET" as const, path: "/raw/dashboard" }];
  await load({ ...common, seconds: 1, requests: dashboard, label: "warm-up /dashboard" });
  await load({ ...common, seconds: 1, requests: raw, label: "warm-up /raw/dashboard" });
  const rawResult = await load({ ...common, requests: raw, label: "/raw/dashboard" });
  const platform = await load({ ...common, requests: dashboard, label: "/dashboard" });
  if (rawResult.failures + platform.failures > 0) throw new Error(`dashboards failed: ${platform.failures} through the API, ${rawResult.failures} raw`);
  return {
    name: `national dashboard over ${options.communes.toLocaleString("en-US")} communes through the API, p95 for one reader (counts per département, the late ones, the forecast; ${Math.round(platform.perSecond)} vs ${Math.round(rawResult.perSecond)} req/s)`,
    unit: "ms",
    platform: platform.p95Ms,
    raw: rawResult.p95Ms,
    rawName: "Hono route running the dashboard's two counting queries raw on the same pool, p95",
    goal: { value: 50, better: "lower" },
    cpu: { platform: platform.serverCpuUs, raw: rawResult.serverCpuUs },
  };
};
