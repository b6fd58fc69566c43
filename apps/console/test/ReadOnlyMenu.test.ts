/**
 * The auditor's console changes nothing: every screen its grants open calls only endpoints that
 * read (GET), and it opens none of the screens that write — read from the same registry and the
 * same policy matrix the console and the API use. A prefecture operator's menu holds its
 * département's screens and none of the auditor's.
 */
import { Actor } from "@comedec/actor";
import { describe, expect, it } from "vitest";
import { screensOf } from "../src/Menu.js";

const auditor = Actor.Actor.make({ id: "auditor-1", name: "Inès Moreau", role: "auditor", site: { _tag: "national" } });
const prefecture = Actor.Actor.make({
  id: "pref-69",
  name: "Claire Lefèvre",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});

describe("the menu built from the grants", () => {
  it("gives the auditor read-only screens only", () => {
    const opened = screensOf(auditor);
    expect(opened.map((screen) => screen.id)).toEqual(["verification", "export-journal", "delais-rgs"]);
    expect(opened.flatMap((screen) => screen.needs.filter((endpoint) => endpoint.method !== "get").map((endpoint) => endpoint.operationId))).toEqual([]);
  });

  it("gives a prefecture operator its communes and appointments, and none of the auditor's screens", () => {
    const ids = screensOf(prefecture).map((screen) => screen.id);
    expect(ids.slice(0, 2)).toEqual(["communes", "rendez-vous"]);
    expect(ids).not.toContain("verification");
    expect(ids).not.toContain("export-journal");
    expect(ids).not.toContain("delais-rgs");
  });
});
