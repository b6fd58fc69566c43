/**
 * Handlers of the commune directory: search with filters and cursor pagination, one commune, the
 * deployment dashboard.
 */
import { Contract } from "@comedec/http-contract";
import { Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { Effect } from "effect";
import * as Handler from "../Handler.js";
import { summaryJson, today } from "./Shared.js";

const { Communes } = Contract;

const list = Handler.handle(Communes.list, ({ grant, query }) =>
  Effect.gen(function* () {
    const on = yield* today;
    const limit = query.limit ?? 50;
    const items = yield* Directory.search(grant, {
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.departement === undefined ? {} : { departement: query.departement }),
      ...(query.region === undefined ? {} : { region: query.region }),
      ...(query.reached === undefined ? {} : { reached: query.reached }),
      ...(query.notReached === undefined ? {} : { notReached: query.notReached }),
      ...(query.underObligation === undefined ? {} : { underObligation: query.underObligation === "true" }),
      ...(query.late === undefined ? {} : { late: { on, value: query.late === "true" } }),
      ...(query.cursor === undefined ? {} : { after: query.cursor }),
      limit,
    });
    return { items: items.map((item) => summaryJson(item, on)), nextCursor: items.length === limit ? (items.at(-1)?.commune.code ?? null) : null };
  }),
);

const one = Handler.handle(Communes.get, ({ grant }) =>
  Effect.gen(function* () {
    return summaryJson(yield* OnboardingUseCases.commune(grant), yield* today);
  }),
);

const dashboard = Handler.handle(Communes.dashboard, ({ grant, query }) =>
  Effect.gen(function* () {
    const on = yield* today;
    const result = yield* Directory.dashboard(grant, query.by ?? "departement", on);
    const forecast = yield* Directory.forecast(grant, on);
    return {
      ...result,
      atRisk: result.atRisk.map((item) => summaryJson(item, on)),
      forecast: {
        deadline: forecast.deadline,
        paces: forecast.paces,
        atRisk: forecast.atRisk.map((commune) => ({ ...commune, projectedOn: commune.projectedOn ?? null })),
      },
    };
  }),
);

/** Degrees to four decimals (about ten metres): enough for a map, a third shorter on the wire. */
const degrees = (value: number) => Math.round(value * 10_000) / 10_000;

const dashboardMap = Handler.handle(Communes.dashboardMap, ({ grant }) =>
  Effect.gen(function* () {
    const on = yield* today;
    const points = yield* Directory.mapPoints(grant);
    const flagOf = (point: (typeof points)[number]) =>
      point.reached.reduce(
        (flags, milestone) => flags | Communes.milestoneFlag(milestone),
        (point.underObligation ? Communes.MapFlag.underObligation : 0) | (point.lateFrom !== undefined && point.lateFrom <= on ? Communes.MapFlag.late : 0),
      );
    return {
      today: on,
      codes: points.map((point) => point.code),
      names: points.map((point) => point.name),
      departements: points.map((point) => point.departement),
      regions: points.map((point) => point.region),
      latitudes: points.map((point) => (point.coordinates === undefined ? null : degrees(point.coordinates.latitude))),
      longitudes: points.map((point) => (point.coordinates === undefined ? null : degrees(point.coordinates.longitude))),
      flags: points.map(flagOf),
    };
  }),
);

const dashboardTrend = Handler.handle(Communes.dashboardTrend, ({ grant }) => Effect.map(Directory.trend(grant), (months) => ({ months })));

/** The handlers of the group. */
export const handlers = [list, one, dashboard, dashboardMap, dashboardTrend];
