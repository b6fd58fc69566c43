import { Actor } from "@comedec/actor";
import { describe, expect, it } from "vitest";
import { Access, Duties } from "../src/index.js";

describe("duties kept apart", () => {
  it("gives every duty a source and the permissions that exercise it", () => {
    for (const definition of Duties.duties) {
      expect(definition.source).toMatch(/RGS|DOMAIN|seed/);
      expect(definition.permissions.length).toBeGreaterThan(0);
    }
  });

  it("the matrix gives no role duties its kind of site may not combine", () => {
    for (const role of Actor.roles) {
      const held = [
        ...new Set(
          Access.Permission.literals.filter((permission) => Access.matrix[permission][role] !== undefined).flatMap((permission) => Duties.dutiesOf(permission)),
        ),
      ];
      expect({ role, combinable: Duties.mayCombine(Duties.siteKindOf(role), held) }).toEqual({ role, combinable: true });
    }
  });

  it("never lets one person audit and hold another duty", () => {
    for (const kind of ["commune", "prefecture", "national"] as const) {
      expect(Duties.mayCombine(kind, ["audit", "registration"])).toBe(false);
      expect(Duties.mayCombine(kind, ["audit", "administration"])).toBe(false);
    }
  });

  it("names a rule of the policy for each operation that takes two people", () => {
    expect(Duties.separated.map((entry) => entry.operation)).toEqual(
      expect.arrayContaining([
        "card.publish",
        "card.approve-personalisation",
        "card.revoke-operator",
        "holder.reset-secret-questions",
        "agent.delete-operator",
      ]),
    );
    for (const entry of Duties.separated) expect(["roles.dual-control", "roles.four-eyes"]).toContain(entry.rule);
  });
});
