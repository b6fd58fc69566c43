/**
 * A commune as the platform knows it: the reference data of INSEE (code, name, département,
 * region, population) with coordinates where a gazetteer has them. Whether the commune has or had
 * a maternity is not reference data: it is declared during onboarding, because it puts the commune
 * under the connection obligation of law 2016-1547.
 */
import { Site } from "@comedec/actor";
import { Schema } from "effect";
import { InseeCode } from "./InseeCode.js";

/** A point in WGS 84 degrees. */
export const Coordinates = Schema.Struct({
  latitude: Schema.Number.check(Schema.isBetween({ minimum: -90, maximum: 90 })),
  longitude: Schema.Number.check(Schema.isBetween({ minimum: -180, maximum: 180 })),
});
/** A point in WGS 84 degrees. */
export type Coordinates = typeof Coordinates.Type;

/** A region code (code officiel géographique): two digits, three for Saint-Pierre-et-Miquelon (975), which has none. */
export const RegionCode = Schema.String.check(Schema.isPattern(/^[0-9]{2,3}$/));

/** A commune of the reference list. */
export class Commune extends Schema.Class<Commune>("@comedec/commune/Commune")({
  code: InseeCode,
  name: Schema.String.check(Schema.isMinLength(1)),
  departement: Site.DepartementCode,
  region: RegionCode,
  population: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  coordinates: Schema.optionalKey(Coordinates),
}) {}

/** The date by which every commune that has or had a maternity must be connected (law J21, art. 114-XVII). */
export const connectionDeadline = "2018-11-01";

/**
 * Folds a name for search: lower case, diacritics removed, punctuation as spaces, so that
 * "saint etienne" finds "Saint-Étienne" and "l'hay" finds "L'Haÿ-les-Roses".
 */
export const foldName = (name: string): string =>
  name
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/œ/gi, "oe")
    .replace(/æ/gi, "ae")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
