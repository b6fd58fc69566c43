/**
 * Calendar dates (YYYY-MM-DD) as they appear on conventions, appointments and deadlines. Kept as
 * strings so they survive JSON and SQL untouched, and checked to be real days (no 30 February).
 */
import { Schema } from "effect";

const isRealDay = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

/** A real calendar day written YYYY-MM-DD. */
export const CalendarDate = Schema.String.check(
  Schema.makeFilter(isRealDay, { expected: "a calendar date YYYY-MM-DD", message: "not a real calendar date (YYYY-MM-DD)" }),
);
/** A real calendar day written YYYY-MM-DD. */
export type CalendarDate = typeof CalendarDate.Type;

/** The calendar day (UTC) of an instant. */
export const ofInstant = (instant: Date): CalendarDate => instant.toISOString().slice(0, 10);

/** The day `days` after (or before, when negative) a calendar day. */
export const addDays = (date: CalendarDate, days: number): CalendarDate => ofInstant(new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000));
