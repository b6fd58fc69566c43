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

/** The handlers of the group. */
export const handlers = [list, one, dashboard];
