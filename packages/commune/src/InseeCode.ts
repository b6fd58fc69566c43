/**
 * INSEE commune codes (code officiel géographique). Five characters: the département (two digits,
 * 2A/2B for Corsica, or 971–976 overseas) followed by the commune's number within it. The
 * municipal arrondissements of Paris (75101–75120), Lyon (69381–69389) and Marseille
 * (13201–13216) have codes of their own, and nothing else lives in those ranges.
 */
import type { Site } from "@comedec/actor";
import { Schema } from "effect";

const shape = /^(?:(?:0[1-9]|[1-8][0-9]|9[0-5]|2A|2B)[0-9]{3}|97[1-6][0-9]{2})$/;

const arrondissementRanges: ReadonlyArray<{ readonly prefix: string; readonly first: number; readonly last: number }> = [
  { prefix: "751", first: 75101, last: 75120 },
  { prefix: "6938", first: 69381, last: 69389 },
  { prefix: "132", first: 13201, last: 13216 },
];

/** Whether a string has the form of an INSEE commune code, arrondissements included. */
export const isInseeCode = (code: string): boolean => {
  if (!shape.test(code) || code.startsWith("20")) return false;
  const range = arrondissementRanges.find((candidate) => code.startsWith(candidate.prefix));
  if (range === undefined) return true;
  const value = Number(code);
  return value >= range.first && value <= range.last;
};

/** A well-formed INSEE commune code (whether the commune exists is for the directory to say). */
export const InseeCode = Schema.String.check(
  Schema.makeFilter(isInseeCode, {
    expected: "an INSEE commune code",
    message: "an INSEE commune code has 5 characters: a département (01–95, 2A, 2B, 971–976) then the commune number",
  }),
).pipe(Schema.brand("InseeCode"));
/** A well-formed INSEE commune code. */
export type InseeCode = typeof InseeCode.Type;

/** The département a commune code belongs to. */
export const departementOf = (code: InseeCode): Site.DepartementCode => (code.startsWith("97") ? code.slice(0, 3) : code.slice(0, 2)) as Site.DepartementCode;
