import { Actor } from "@comedec/actor";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { Access } from "../src/index.js";

const make = (role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id: role, name: role, role, site });
const lyon: Access.Target = { _tag: "commune", commune: "69123", departement: "69" };
const paris: Access.Target = { _tag: "commune", commune: "75056", departement: "75" };

describe("authorisation by role and site", () => {
  it("gives ANTS everything, a prefecture its département, a mairie itself", () => {
    expect(Access.check(make("national-administrator", { _tag: "national" }), "onboarding.record", paris)).toBe("everywhere");
    const prefecture = make("prefecture-operator", { _tag: "prefecture", departement: "69" as never });
    expect(Access.check(prefecture, "onboarding.read", lyon)).toBe("own-site");
    expect(Access.check(prefecture, "onboarding.read", paris)).toBeUndefined();
    const mairie = make("commune-operator", { _tag: "commune", commune: "69123" });
    expect(Access.check(mairie, "convention.submit", lyon)).toBe("own-site");
    expect(Access.check(mairie, "convention.submit", paris)).toBeUndefined();
    expect(Access.check(mairie, "convention.process", lyon)).toBeUndefined();
  });

  it("fails with Forbidden naming the reason", () => {
    const agent = make("agent", { _tag: "commune", commune: "69123" });
    const exit = Effect.runSyncExit(Access.authorize(agent, "editor.manage", Access.nation));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("does not hold editor.manage");
  });

  it("narrows a machine account's token to reading and reporting, whatever its role", () => {
    const person = make("commune-operator", { _tag: "commune", commune: "69123" });
    const machine = Actor.Actor.make({ ...person, credential: "machine-token" });
    expect(Access.check(person, "card.validate", lyon)).toBe("own-site");
    expect(Access.check(machine, "card.validate", lyon)).toBeUndefined();
    expect(Access.check(machine, "agent.register", lyon)).toBeUndefined();
    expect(Access.check(machine, "card.read", lyon)).toBe("own-site");
    expect(Access.check(machine, "onboarding.record", lyon)).toBe("own-site");
    const exit = Effect.runSyncExit(Access.authorize(machine, "card.validate", lyon));
    expect(JSON.stringify(exit)).toContain("machine account's token does not hold card.validate");
    // A bootstrap token keeps its role's rights (the first administrator, demonstrations).
    expect(Access.check(Actor.Actor.make({ ...person, credential: "bootstrap-token" }), "card.validate", lyon)).toBe("own-site");
  });

  it("lists, for every permission, only roles that exist", () => {
    for (const grants of Object.values(Access.matrix)) for (const role of Object.keys(grants)) expect(Actor.roles).toContain(role);
  });
});
