/**
 * Which communes under the connection obligation cannot make the deadline (1 November 2018) at the
 * pace of their département — DOMAIN.md §3's "which communes under the obligation will miss the
 * deadline", answered before the deadline rather than once they are late.
 *
 * The model, kept simple enough to explain to a prefecture:
 * - a commune's progress is the number of milestones it reached of those that apply to it (13 for
 *   a commune under the obligation, which takes part in the census);
 * - a département's **pace** is the milestones its started communes (at least one milestone, under
 *   the obligation or not) reached, divided by the days they have been under way (from each one's
 *   first milestone to the day of the forecast, at least one day each): milestones per commune-day,
 *   pooled so that a commune that started yesterday weighs one day, not as much as a year-old one;
 * - a commune under the obligation not yet connected needs its remaining milestones at that pace:
 *   it is projected connected `remaining / pace` days from the day of the forecast (rounded up);
 * - it **cannot make it** when that projection falls after the deadline, when its département has
 *   not started at all (no pace: nothing moves there), or when the deadline has passed.
 *
 * What it does not model: milestones are not of equal length (the hand-over waits for a session,
 * the editor's visit for a slot), a département's pace changes over time (it counts from each
 * commune's start, not a recent window), and milestones recorded in bulk after the fact look fast.
 * It ranks where to look first; it does not promise a date.
 */
import * as CalendarDate from "./CalendarDate.js";
import { connectionDeadline } from "./Commune.js";
import type { InseeCode } from "./InseeCode.js";
import * as Onboarding from "./Onboarding.js";

/** What the forecast reads of one commune. */
export interface Progress {
  readonly code: InseeCode;
  readonly name: string;
  readonly departement: string;
  readonly underObligation: boolean;
  readonly reached: ReadonlyArray<Onboarding.Milestone>;
  /** The day of its first milestone, if any. */
  readonly startedOn: CalendarDate.CalendarDate | undefined;
}

/** A département's pace: milestones per commune-day, and the communes it is measured on. */
export interface Pace {
  readonly departement: string;
  readonly milestonesPerDay: number;
  readonly startedCommunes: number;
}

/** Why a commune under the obligation cannot make the deadline. */
export type Verdict = "deadline-passed" | "no-progress-in-departement" | "too-slow";

/** One commune under the obligation that cannot make the deadline. */
export interface AtRisk {
  readonly code: InseeCode;
  readonly name: string;
  readonly departement: string;
  readonly remaining: number;
  /** The département's pace, milestones per 30 days per commune. */
  readonly pacePerMonth: number;
  /** When it would be connected at that pace; undefined when nothing moves. */
  readonly projectedOn: CalendarDate.CalendarDate | undefined;
  readonly verdict: Verdict;
}

/** The milestones that apply to a commune and are not reached. */
export const remaining = (progress: Pick<Progress, "underObligation" | "reached">): number =>
  Onboarding.machine.milestones.filter(
    (definition) => (progress.underObligation || !definition.onlyUnderObligation) && !progress.reached.includes(definition.milestone),
  ).length;

const daysBetween = (from: CalendarDate.CalendarDate, to: CalendarDate.CalendarDate): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/**
 * The started communes of a département that took their first milestone on the same day, and the
 * milestones they reached: what a pace pools, read as a few hundred groups rather than commune by
 * commune.
 */
export interface Starts {
  readonly departement: string;
  readonly startedOn: CalendarDate.CalendarDate;
  readonly communes: number;
  readonly milestones: number;
}

/** Each département's pace on a day, from its started communes grouped by the day they started. */
export const pacesOfStarts = (starts: ReadonlyArray<Starts>, today: CalendarDate.CalendarDate): ReadonlyMap<string, Pace> => {
  const sums = new Map<string, { milestones: number; days: number; communes: number }>();
  for (const group of starts) {
    if (group.communes === 0) continue;
    const sum = sums.get(group.departement) ?? { milestones: 0, days: 0, communes: 0 };
    sum.milestones += group.milestones;
    sum.days += group.communes * Math.max(1, daysBetween(group.startedOn, today));
    sum.communes += group.communes;
    sums.set(group.departement, sum);
  }
  return new Map(
    [...sums].map(([departement, sum]) => [departement, { departement, milestonesPerDay: sum.milestones / sum.days, startedCommunes: sum.communes }]),
  );
};

/** Each département's pace on a day, from its started communes. */
export const paces = (communes: ReadonlyArray<Progress>, today: CalendarDate.CalendarDate): ReadonlyMap<string, Pace> =>
  pacesOfStarts(
    communes.flatMap((commune) =>
      commune.startedOn === undefined || commune.reached.length === 0
        ? []
        : [{ departement: commune.departement, startedOn: commune.startedOn, communes: 1, milestones: commune.reached.length }],
    ),
    today,
  );

/** The communes under the obligation, not connected, that cannot make the deadline on this day, by département then code. */
export const atRisk = (communes: ReadonlyArray<Progress>, today: CalendarDate.CalendarDate, deadline = connectionDeadline): ReadonlyArray<AtRisk> =>
  atRiskAtPaces(communes, paces(communes, today), today, deadline);

/**
 * The same, at paces already known (`pacesOfStarts`): only the communes under the obligation not
 * connected need to be read one by one.
 */
export const atRiskAtPaces = (
  communes: ReadonlyArray<Pick<Progress, "code" | "name" | "departement" | "underObligation" | "reached">>,
  byDepartement: ReadonlyMap<string, Pace>,
  today: CalendarDate.CalendarDate,
  deadline = connectionDeadline,
): ReadonlyArray<AtRisk> => {
  const result: Array<AtRisk> = [];
  // A thousand communes fall on a few hundred days at most: each day computed once.
  const days = new Map<number, CalendarDate.CalendarDate>();
  const inDays = (count: number) => {
    const known = days.get(count);
    if (known !== undefined) return known;
    const day = CalendarDate.addDays(today, count);
    days.set(count, day);
    return day;
  };
  for (const commune of communes) {
    if (!commune.underObligation || commune.reached.includes("connected")) continue;
    const left = remaining(commune);
    const pace = byDepartement.get(commune.departement)?.milestonesPerDay ?? 0;
    const projectedOn = pace > 0 ? inDays(Math.ceil(left / pace)) : undefined;
    const verdict: Verdict | undefined =
      today > deadline ? "deadline-passed" : projectedOn === undefined ? "no-progress-in-departement" : projectedOn > deadline ? "too-slow" : undefined;
    if (verdict === undefined) continue;
    result.push({
      code: commune.code,
      name: commune.name,
      departement: commune.departement,
      remaining: left,
      pacePerMonth: Math.round(pace * 30 * 100) / 100,
      projectedOn,
      verdict,
    });
  }
  return result.sort((a, b) => a.departement.localeCompare(b.departement) || a.code.localeCompare(b.code));
};
