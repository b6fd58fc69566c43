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
    // The counts and the forecast read apart: both at once.
    const [result, forecast] = yield* Effect.all([Directory.dashboard(grant, query.by ?? "departement", on), Directory.forecast(grant, on)], {
      concurrency: "unbounded",
    });
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

const dashboardMap = Handler.handle(Communes.dashboardMap, ({ grant }) =>
  Effect.gen(function* () {
    const on = yield* today;
    const columns = yield* Directory.mapColumns(grant, on);
    const flags = columns.milestones.map(
      (milestones, i) => milestones | (columns.underObligation[i] ? Communes.MapFlag.underObligation : 0) | (columns.late[i] ? Communes.MapFlag.late : 0),
    );
    const degrees = (values: ReadonlyArray<number | undefined>) => values.map((value) => (value === undefined ? "" : String(value))).join(",");
    return {
      today: on,
      count: columns.codes.length,
      codes: columns.codes.join(","),
      names: columns.names.join("\n"),
      departements: columns.departements.join(","),
      regions: columns.regions.join(","),
      latitudes: degrees(columns.latitudes),
      longitudes: degrees(columns.longitudes),
      flags: flags.join(","),
    };
  }),
);

const dashboardTrend = Handler.handle(Communes.dashboardTrend, ({ grant }) => Effect.map(Directory.trend(grant), (months) => ({ months })));

/** The handlers of the group. */
export const handlers = [list, one, dashboard, dashboardMap, dashboardTrend];
