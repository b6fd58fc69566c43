import { describe, expect, it } from "vitest";
import { ReferenceList } from "../src/index.js";

describe("the reference list", () => {
  const list = ReferenceList.load();
  const byCode = new Map(list.communes.map((commune) => [commune.code, commune]));

  it("holds every current commune of metropolitan France and the overseas départements", () => {
    expect(list.communes.length).toBeGreaterThan(34_800);
    expect(list.communes.length).toBeLessThan(35_100);
    expect(new Set(list.communes.map((commune) => commune.code)).size).toBe(list.communes.length);
  });

  it("keeps Corsica and the overseas départements, not the municipal arrondissements", () => {
    expect(byCode.get("2A004" as never)?.name).toBe("Ajaccio");
    expect(byCode.get("97411" as never)?.departement).toBe("974");
    expect(byCode.has("75101" as never)).toBe(false);
    expect(byCode.get("75056" as never)?.name).toBe("Paris");
  });

  it("joins coordinates on the INSEE code, for the large communes at least", () => {
    expect(list.withCoordinates).toBeGreaterThan(5_000);
    const lyon = byCode.get("69123" as never)?.coordinates;
    expect(lyon?.latitude).toBeCloseTo(45.76, 1);
    expect(lyon?.longitude).toBeCloseTo(4.83, 1);
  });
});
