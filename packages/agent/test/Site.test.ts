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
});
