import { Site } from "@comedec/actor";
import { assert, describe, it } from "@effect/vitest";
import { Schema } from "effect";
import { Agent } from "../src/index.js";

describe("an agent's site", () => {
  it("is an actor's site: the same département codes, so no département 00", () => {
    const decode = Schema.decodeUnknownExit(Agent.AgentSite);
    assert.strictEqual(decode({ _tag: "prefecture", departement: "00" })._tag, "Failure");
    assert.strictEqual(decode({ _tag: "prefecture", departement: "2A" })._tag, "Success");
    assert.strictEqual(decode({ _tag: "commune", commune: "00000" })._tag, "Failure");
    assert.strictEqual(decode({ _tag: "commune", commune: "69123" })._tag, "Success");
    const site: Site.Site = Schema.decodeUnknownSync(Agent.AgentSite)({ _tag: "prefecture", departement: "69" });
    assert.strictEqual(Site.siteKey(site), Agent.siteKey(site as Agent.AgentSite));
  });

  it("may be the national site (ANTS), which lies in no département", () => {
    const site: Site.Site = Schema.decodeUnknownSync(Agent.AgentSite)({ _tag: "national" });
    assert.strictEqual(Agent.siteKey(site as Agent.AgentSite), "national");
    assert.strictEqual(Site.siteKey(site), "national");
    assert.isUndefined(Agent.departementOf(site as Agent.AgentSite));
    assert.strictEqual(Agent.departementOf({ _tag: "commune", commune: "2A004" as never }), "2A");
    // An editor is an actor's site, never an agent's.
    assert.strictEqual(Schema.decodeUnknownExit(Agent.AgentSite)({ _tag: "editor", editor: "e-1" })._tag, "Failure");
  });
});
