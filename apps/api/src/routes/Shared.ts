/**
 * Helpers the route modules share: today's date, and the JSON shape of a commune summary (the
 * request and answer Schemas are the contract's).
 */
import { CalendarDate, type CommuneSummary } from "@comedec/commune";
import { Clock, Effect } from "effect";

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
