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

/**
 * Bits of a commune's `flags` on the deployment map: bit i (0 to 12) set when the i-th milestone of
 * `Onboarding.Milestone` (the guide's order) is reached, then the obligation and lateness today.
 */
export const MapFlag = { underObligation: 1 << 13, late: 1 << 14 } as const;

/** The bit of a milestone in a commune's `flags`. */
export const milestoneFlag = (milestone: Onboarding.Milestone): number => 1 << Onboarding.Milestone.literals.indexOf(milestone);

/**
 * Every commune within the reader's reach, as parallel columns packed in strings (entry i of each
 * is the i-th commune, in code order): 35,000 communes travel in 1.5 MB and are checked as nine
 * strings, not 250,000 values. `unpackMap` reads them back.
 */
export const DeploymentMap = Schema.Struct({
  today: CalendarDate.CalendarDate,
  /** How many communes. */
  count: Schema.Int,
  /** INSEE codes, separated by commas. */
  codes: Schema.String,
  /** Names, separated by line feeds. */
  names: Schema.String,
  /** Département codes, separated by commas. */
  departements: Schema.String,
  /** Region codes, separated by commas. */
  regions: Schema.String,
  /** Degrees to four decimals, separated by commas; empty where the gazetteer has no coordinates. */
  latitudes: Schema.String,
  longitudes: Schema.String,
  /** Milestones reached, obligation and lateness as the bits of `MapFlag` and `milestoneFlag`, separated by commas. */
  flags: Schema.String,
}).annotate({ identifier: "DeploymentMap" });

/** The map's columns, unpacked. */
export interface MapColumns {
  readonly today: string;
  readonly codes: ReadonlyArray<string>;
  readonly names: ReadonlyArray<string>;
  readonly departements: ReadonlyArray<string>;
  readonly regions: ReadonlyArray<string>;
  readonly latitudes: ReadonlyArray<number | null>;
  readonly longitudes: ReadonlyArray<number | null>;
  readonly flags: ReadonlyArray<number>;
}

/** Reads the map's packed columns back into arrays. */
export const unpackMap = (map: typeof DeploymentMap.Type): MapColumns => {
  const list = (text: string, separator: string) => (map.count === 0 ? [] : text.split(separator));
  const degrees = (text: string) => list(text, ",").map((value) => (value === "" ? null : Number(value)));
  return {
    today: map.today,
    codes: list(map.codes, ","),
    names: list(map.names, "\n"),
    departements: list(map.departements, ","),
    regions: list(map.regions, ","),
    latitudes: degrees(map.latitudes),
    longitudes: degrees(map.longitudes),
    flags: list(map.flags, ",").map(Number),
  };
};

/** The deployment map's communes. */
export const dashboardMap = Endpoint.make({
  operationId: "getDeploymentMap",
  method: "get",
  path: "/dashboard/map",
  tag: "dashboard",
  summary:
    "Every commune within the reader's reach (a prefecture: its département) with its coordinates when known, the milestones it reached, its obligation and lateness, as parallel columns packed in strings",
  success: DeploymentMap,
  errors: [],
  authorization: { _tag: "permission", permission: "dashboard.read", target: { _tag: "nation" } },
});

/** The milestones reached per month (UTC) and département, within the reader's reach. */
export const DeploymentTrend = Schema.Struct({
  months: Schema.Array(Schema.Struct({ month: Schema.String, departement: Schema.String, milestone: Onboarding.Milestone, count: Schema.Int })),
}).annotate({ identifier: "DeploymentTrend" });

/** The deployment's trend over time. */
export const dashboardTrend = Endpoint.make({
  operationId: "getDeploymentTrend",
  method: "get",
  path: "/dashboard/trend",
  tag: "dashboard",
  summary: "The milestones the communes reached, per month and département, within the reader's reach (a prefecture: its département)",
  success: DeploymentTrend,
  errors: [],
  authorization: { _tag: "permission", permission: "dashboard.read", target: { _tag: "nation" } },
});

/** Every endpoint of the group. */
export const endpoints = [list, get, dashboard, dashboardMap, dashboardTrend] as const;
