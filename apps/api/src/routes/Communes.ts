/**
 * Routes of the commune directory: search with filters and cursor pagination, one commune, the
 * deployment dashboard.
 */
import { Site } from "@comedec/actor";
import { Commune, InseeCode, Onboarding } from "@comedec/commune";
import { Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, communeTarget, summaryJson, today } from "./Shared.js";

const Flag = Schema.Literals(["true", "false"]);

const ListQuery = Schema.Struct({
  name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))),
  departement: Schema.optionalKey(Site.DepartementCode),
  region: Schema.optionalKey(Commune.RegionCode),
  reached: Schema.optionalKey(Onboarding.Milestone),
  notReached: Schema.optionalKey(Onboarding.Milestone),
  underObligation: Schema.optionalKey(Flag),
  late: Schema.optionalKey(Flag),
  cursor: Schema.optionalKey(InseeCode.InseeCode),
  limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))),
});

const list = Endpoint.make({
  method: "get",
  path: "/communes",
  tag: "communes",
  summary: "Search communes (name with accents folded, département, region, milestone, obligation, lateness), by pages",
  query: ListQuery,
  handler: ({ actor, query }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "commune.read", Access.nation);
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
});

const one = Endpoint.make({
  method: "get",
  path: "/communes/{code}",
  tag: "communes",
  summary: "One commune: reference data and onboarding progress",
  params: CommuneParams,
  handler: ({ actor, params }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "commune.read", communeTarget(params.code));
      return summaryJson(yield* OnboardingUseCases.commune(grant), yield* today);
    }),
});

const dashboard = Endpoint.make({
  method: "get",
  path: "/dashboard",
  tag: "dashboard",
  summary: "Deployment dashboard: counts per milestone per département or region, communes under obligation at risk",
  query: Schema.Struct({ by: Schema.optionalKey(Schema.Literals(["departement", "region"])) }),
  handler: ({ actor, query }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "dashboard.read", Access.nation);
      const on = yield* today;
      const result = yield* Directory.dashboard(grant, query.by ?? "departement", on);
      return { ...result, atRisk: result.atRisk.map((item) => summaryJson(item, on)) };
    }),
});

/** The directory's endpoints. */
export const endpoints = [list, one, dashboard];
