/**
 * The dashboard's drill-down, computed in the page from the map's packed columns: each commune's
 * stage along the card track, the tallies of the nation, a region and a département, and their
 * sub-areas — read from an answer packed as the API packs it.
 */
import { Contract } from "@comedec/http-contract";
import { describe, expect, it } from "vitest";
import * as Deployment from "../src/Deployment.js";

const { MapFlag, milestoneFlag, unpackMap } = Contract.Communes;
const bits = (...milestones: ReadonlyArray<Parameters<typeof milestoneFlag>[0]>) =>
  milestones.reduce((flags, milestone) => flags | milestoneFlag(milestone), 0);

const map = unpackMap({
  today: "2026-12-03" as never,
  count: 4,
  codes: "13001,13055,69123,75056",
  names: "Aix-en-Provence\nMarseille\nLyon\nParis",
  departements: "13,13,69,75",
  regions: "93,93,84,11",
  latitudes: "43.5283,43.2965,,48.8566",
  longitudes: "5.4497,5.3698,,2.3522",
  flags: [
    bits("adhesion", "conventionsReceived", "connectionTriggered"),
    bits("adhesion", "editorContract"),
    bits("adhesion", "conventionsReceived", "connectionTriggered", "handOverAppointment", "firstCards", "connected"),
    MapFlag.underObligation | MapFlag.late,
  ].join(","),
});

describe("the dashboard's levels", () => {
  it("reads the packed columns back, a commune without coordinates as null", () => {
    expect(map.codes).toEqual(["13001", "13055", "69123", "75056"]);
    expect(map.names[1]).toBe("Marseille");
    expect(map.latitudes).toEqual([43.5283, 43.2965, null, 48.8566]);
  });

  it("places each commune on the card track: an editor's contract alone is only under way", () => {
    expect(map.flags.map(Deployment.stageOf)).toEqual([2, 1, 4, 0]);
    expect(Deployment.isLate(map.flags[3] as number)).toBe(true);
    expect(Deployment.isUnderObligation(map.flags[0] as number)).toBe(false);
  });

  it("tallies the nation by region, a region by département, a département by commune", () => {
    const nation = Deployment.tally(map, Deployment.indexesIn(map, { _tag: "nation" }));
    expect(nation).toMatchObject({ communes: 4, underObligation: 1, late: 1, located: 3, stages: [1, 1, 1, 0, 1] });
    expect(nation.reached[1]).toBe(3);
    const regions = Deployment.rowsOf(map, { _tag: "nation" });
    expect(regions.map((row) => [row.key, row.tally.communes])).toEqual([
      ["11", 1],
      ["84", 1],
      ["93", 2],
    ]);
    expect(regions[2]?.label).toBe("Provence-Alpes-Côte d'Azur");
    const departements = Deployment.rowsOf(map, { _tag: "region", region: "93" });
    expect(departements.map((row) => row.label)).toEqual(["Bouches-du-Rhône (13)"]);
    const communes = Deployment.rowsOf(map, { _tag: "departement", region: "93", departement: "13" });
    expect(communes.map((row) => [row.label, row.level])).toEqual([
      ["Aix-en-Provence (13001)", undefined],
      ["Marseille (13055)", undefined],
    ]);
    expect(Deployment.seatOf("13")).toBe("13055");
  });
});
