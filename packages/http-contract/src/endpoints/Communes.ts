/**
 * The commune directory: search with filters and cursor pagination, one commune, the deployment
 * dashboard.
 */
import { Site } from "@comedec/actor";
import { CalendarDate, Commune, CommuneNotFound, InseeCode, Onboarding } from "@comedec/commune";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, CommuneSummary } from "./Shared.js";

const Flag = Schema.Literals(["true", "false"]);

/** A page of communes, with the cursor of the next one (`null` on the last page). */
export const CommunePage = Schema.Struct({ items: Schema.Array(CommuneSummary), nextCursor: Schema.NullOr(InseeCode.InseeCode) });

/** Search communes. */
export const list = Endpoint.make({
  operationId: "listCommunes",
  method: "get",
  path: "/communes",
  tag: "communes",
  summary: "Search communes (name with accents folded, département, region, milestone, obligation, lateness), by pages",
  query: Schema.Struct({
    name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))),
    departement: Schema.optionalKey(Site.DepartementCode),
    region: Schema.optionalKey(Commune.RegionCode),
    reached: Schema.optionalKey(Onboarding.Milestone),
    notReached: Schema.optionalKey(Onboarding.Milestone),
    underObligation: Schema.optionalKey(Flag),
    late: Schema.optionalKey(Flag),
    cursor: Schema.optionalKey(InseeCode.InseeCode),
    limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))),
  }),
  success: CommunePage,
  errors: [],
  authorization: { _tag: "permission", permission: "commune.read", target: { _tag: "nation" } },
});

/** One commune. */
export const get = Endpoint.make({
  operationId: "getCommune",
  method: "get",
  path: "/communes/{code}",
  tag: "communes",
  summary: "One commune: reference data and onboarding progress",
  params: CommuneParams,
  success: CommuneSummary,
  errors: [CommuneNotFound],
  authorization: { _tag: "permission", permission: "commune.read", target: { _tag: "commune", in: "params", field: "code" } },
});

/** Counts of one area (a département or a region). */
export const AreaCounts = Schema.Struct({
  area: Schema.String,
  communes: Schema.Int,
  underObligation: Schema.Int,
  connected: Schema.Int,
  late: Schema.Int,
  // Only the milestones some commune of the area reached.
  reached: Schema.Record(Schema.String, Schema.Int),
});

/** One commune under the obligation that cannot make the deadline at its département's pace. */
export const ForecastAtRisk = Schema.Struct({
  code: InseeCode.InseeCode,
  name: Schema.String,
  departement: Schema.String,
  /** Milestones that apply to it and are not reached. */
  remaining: Schema.Int,
  /** Its département's pace: milestones per 30 days per commune under way. */
  pacePerMonth: Schema.Number,
  /** When it would be connected at that pace (`null`: nothing moves in its département). */
  projectedOn: Schema.NullOr(CalendarDate.CalendarDate),
  verdict: Schema.Literals(["deadline-passed", "no-progress-in-departement", "too-slow"]),
}).annotate({ identifier: "ForecastAtRisk" });

/**
 * The forecast (model in `@comedec/commune`'s `Forecast` and the README's dashboard section): each
 * département's pace, and the communes under the obligation that cannot make the deadline at it.
 */
export const DeadlineForecast = Schema.Struct({
  deadline: CalendarDate.CalendarDate,
  paces: Schema.Array(Schema.Struct({ departement: Schema.String, milestonesPerDay: Schema.Number, startedCommunes: Schema.Int })),
  atRisk: Schema.Array(ForecastAtRisk),
}).annotate({ identifier: "DeadlineForecast" });

/** The deployment dashboard. */
export const dashboard = Endpoint.make({
  operationId: "getDashboard",
  method: "get",
  path: "/dashboard",
  tag: "dashboard",
  summary:
    "Deployment dashboard: counts per milestone per département or region, the communes under obligation already late (atRisk), and the forecast of those that cannot make the deadline at their département's pace",
  query: Schema.Struct({ by: Schema.optionalKey(Schema.Literals(["departement", "region"])) }),
  success: Schema.Struct({
    by: Schema.Literals(["departement", "region"]),
    today: CalendarDate.CalendarDate,
    areas: Schema.Array(AreaCounts),
    /** The communes under the obligation late today. */
    atRisk: Schema.Array(CommuneSummary),
    forecast: DeadlineForecast,
  }),
  errors: [],
  authorization: { _tag: "permission", permission: "dashboard.read", target: { _tag: "nation" } },
});

/** Every endpoint of the group. */
export const endpoints = [list, get, dashboard] as const;
