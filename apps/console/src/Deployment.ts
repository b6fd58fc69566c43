/**
 * What the dashboard and the planning read from the deployment map's compact arrays
 * (`GET /dashboard/map`): each commune's stage, the tallies of an area (nation, region,
 * département) and its sub-areas, for the drill-down, computed in the page from one answer, so
 * that going down a level asks the platform nothing more. Names of regions and départements, and
 * each département's seat (where its prefecture is), come from INSEE's list as Etalab packages it.
 */
import { Onboarding } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import departementsList from "@etalab/decoupage-administratif/data/departements.json";
import regionsList from "@etalab/decoupage-administratif/data/regions.json";

/** The map's answer, its columns unpacked. */
export type DeploymentMap = Contract.Communes.MapColumns;

const { MapFlag, milestoneFlag } = Contract.Communes;

/** The five stages the map colours, furthest first in `stageOf`. */
export const stages = [
  { id: 0, label: "Aucune démarche", className: "comedec-stage-0" },
  { id: 1, label: "Démarches engagées (adhésion, conventions…)", className: "comedec-stage-1" },
  { id: 2, label: "Raccordement déclenché", className: "comedec-stage-2" },
  { id: 3, label: "Premières cartes remises", className: "comedec-stage-3" },
  { id: 4, label: "Raccordée", className: "comedec-stage-4" },
] as const;

const milestoneBits = (1 << Onboarding.Milestone.literals.length) - 1;

/**
 * A commune's stage along the card track, which decides when it can work: the connection
 * triggered, the first cards handed over, connected; any other milestone counts as under way.
 */
export const stageOf = (flags: number): number => {
  if ((flags & milestoneFlag("connected")) !== 0) return 4;
  if ((flags & milestoneFlag("firstCards")) !== 0) return 3;
  if ((flags & milestoneFlag("connectionTriggered")) !== 0) return 2;
  return (flags & milestoneBits) !== 0 ? 1 : 0;
};

/** Whether the commune is late today. */
export const isLate = (flags: number): boolean => (flags & MapFlag.late) !== 0;
/** Whether the commune is under the connection obligation. */
export const isUnderObligation = (flags: number): boolean => (flags & MapFlag.underObligation) !== 0;
/** Whether the commune reached the milestone. */
export const hasReached = (flags: number, milestone: Onboarding.Milestone): boolean => (flags & milestoneFlag(milestone)) !== 0;

/** A level of the drill-down. */
export type Level =
  | { readonly _tag: "nation" }
  | { readonly _tag: "region"; readonly region: string }
  | { readonly _tag: "departement"; readonly region: string; readonly departement: string };

const departementsByCode = new Map(departementsList.map((entry) => [entry.code, entry]));
const regionsByCode = new Map(regionsList.map((entry) => [entry.code, entry]));

/** A département's name ("Bouches-du-Rhône"), or its code when unknown. */
export const departementName = (code: string): string => departementsByCode.get(code)?.nom ?? code;
/** A region's name, or its code when unknown. */
export const regionName = (code: string): string => regionsByCode.get(code)?.nom ?? code;
/** The commune where the département's prefecture sits (its chef-lieu). */
export const seatOf = (departement: string): string | undefined => departementsByCode.get(departement)?.chefLieu;
/** Every département, in code order, for the planning's choice. */
export const departements: ReadonlyArray<{ readonly code: string; readonly name: string }> = departementsList
  .map((entry) => ({ code: entry.code, name: entry.nom }))
  .sort((a, b) => a.code.localeCompare(b.code));

/** The name of a level, as a heading reads it. */
export const levelName = (level: Level): string =>
  level._tag === "nation"
    ? "France entière"
    : level._tag === "region"
      ? regionName(level.region)
      : `${departementName(level.departement)} (${level.departement})`;

/** The indexes of the communes of a level. */
export const indexesIn = (map: DeploymentMap, level: Level): ReadonlyArray<number> => {
  const indexes: Array<number> = [];
  for (let i = 0; i < map.codes.length; i++) {
    if (level._tag === "region" && map.regions[i] !== level.region) continue;
    if (level._tag === "departement" && map.departements[i] !== level.departement) continue;
    indexes.push(i);
  }
  return indexes;
};

/** What an area counts. */
export interface Tally {
  readonly communes: number;
  readonly underObligation: number;
  readonly late: number;
  readonly located: number;
  /** Communes that reached each milestone, in the guide's order. */
  readonly reached: ReadonlyArray<number>;
  /** Communes at each stage. */
  readonly stages: ReadonlyArray<number>;
}

/** The tally of the communes at these indexes. */
export const tally = (map: DeploymentMap, indexes: ReadonlyArray<number>): Tally => {
  const reached = Onboarding.Milestone.literals.map(() => 0);
  const atStage = stages.map(() => 0);
  let underObligation = 0;
  let late = 0;
  let located = 0;
  for (const i of indexes) {
    const flags = map.flags[i] as number;
    if (isUnderObligation(flags)) underObligation += 1;
    if (isLate(flags)) late += 1;
    if (map.latitudes[i] !== null) located += 1;
    for (let bit = 0; bit < reached.length; bit++) if ((flags & (1 << bit)) !== 0) reached[bit] = (reached[bit] as number) + 1;
    const stage = stageOf(flags);
    atStage[stage] = (atStage[stage] as number) + 1;
  }
  return { communes: indexes.length, underObligation, late, located, reached, stages: atStage };
};

/** One row of the drill-down: a sub-area and its tally, or a commune. */
export interface Row {
  readonly key: string;
  readonly label: string;
  /** The level it opens (a commune opens none). */
  readonly level: Level | undefined;
  readonly tally: Tally;
}

/** The sub-areas of a level (regions of the nation, départements of a region), or its communes. */
export const rowsOf = (map: DeploymentMap, level: Level): ReadonlyArray<Row> => {
  const indexes = indexesIn(map, level);
  if (level._tag === "departement")
    return indexes.map((i) => ({ key: map.codes[i] as string, label: `${map.names[i]} (${map.codes[i]})`, level: undefined, tally: tally(map, [i]) }));
  const groups = new Map<string, Array<number>>();
  for (const i of indexes) {
    const key = (level._tag === "nation" ? map.regions[i] : map.departements[i]) as string;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, members]) => {
      const first = members[0] as number;
      return level._tag === "nation"
        ? { key, label: regionName(key), level: { _tag: "region", region: key } as const, tally: tally(map, members) }
        : {
            key,
            label: `${departementName(key)} (${key})`,
            level: { _tag: "departement", region: map.regions[first] as string, departement: key } as const,
            tally: tally(map, members),
          };
    });
};
