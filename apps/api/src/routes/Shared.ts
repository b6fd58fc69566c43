/**
 * Schemas and helpers the route modules share: the commune path parameter, the target of a
 * commune-scoped permission, today's date, and the JSON shape of a commune summary.
 */
import { CalendarDate, type CommuneSummary, InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Schema } from "effect";

/** `{code}` in a path. */
export const CommuneParams = Schema.Struct({ code: InseeCode.InseeCode });

/** An optional expected version, for clients that want to refuse a stale write. */
export const ExpectedVersion = Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)));

/** The permission target of a commune, in its département. */
export const communeTarget = (code: InseeCode.InseeCode): Access.CommuneTarget => Access.communeTarget(code);

/** Today, from the Effect clock. */
export const today = Effect.map(Clock.currentTimeMillis, (millis) => CalendarDate.ofInstant(new Date(millis)));

/** A commune summary as JSON, with whether it is late today. */
export const summaryJson = (summary: CommuneSummary, on: CalendarDate.CalendarDate) => ({
  code: summary.commune.code,
  name: summary.commune.name,
  departement: summary.commune.departement,
  region: summary.commune.region,
  population: summary.commune.population,
  coordinates: summary.commune.coordinates ?? null,
  underObligation: summary.underObligation,
  reached: summary.reached,
  lateFrom: summary.lateFrom ?? null,
  late: summary.lateFrom !== undefined && summary.lateFrom <= on,
});
