/**
 * Holders at the national site (ANTS, ADR 0018): their card signs them in as national
 * administrators of the national level, no prefecture reaches their cards, and their cards keep
 * the second person of every other site's.
 */
import { Actor } from "@comedec/actor";
import type { Agent } from "@comedec/agent";
import type { Card } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit } from "effect";
import { Login, Publication, Reach } from "../src/index.js";

const national = { _tag: "national" } as const;
const holder = (site: Agent.AgentSite, rights: ReadonlyArray<Agent.Right>): Agent.State => ({ id: "h-1", site, status: "active", rights });
const claire = Actor.Actor.make({ id: "claire", name: "Claire", role: "national-administrator", site: national, credential: "card" });
const marc = Actor.Actor.make({ id: "marc", name: "Marc", role: "national-administrator", site: national, credential: "card" });
const rhone = Actor.Actor.make({ id: "pref-69", name: "Préfecture", role: "prefecture-operator", site: { _tag: "prefecture", departement: "69" as never } });
const card: Card.State = { id: "c-1", holder: "h-1", site: national, status: "received", lastReason: "", orderedBy: "claire" };

describe("the national site", () => {
  it("signs an operator of the national site in as a national administrator, its auditor as the auditor, and no one there without a right that opens a session", () => {
    assert.strictEqual(Login.roleOf(holder(national, ["operate-cards"])), "national-administrator");
    assert.strictEqual(Login.roleOf(holder(national, ["register-agents"])), "national-administrator");
    assert.isUndefined(Login.roleOf(holder(national, ["receive-requests"])));
    // ANTS's auditor has a card too, and administers nothing; rights that would make both open no session.
    assert.strictEqual(Login.roleOf(holder(national, ["audit-trail"])), "auditor");
    assert.isUndefined(Login.roleOf(holder(national, ["audit-trail", "operate-cards"])));
    assert.isUndefined(Login.roleOf(holder({ _tag: "commune", commune: "69123" as never }, ["audit-trail"])));
    assert.strictEqual(Login.roleOf(holder({ _tag: "prefecture", departement: "69" as never }, ["operate-cards"])), "prefecture-operator");
    assert.strictEqual(Login.roleOf(holder({ _tag: "commune", commune: "69123" as never }, [])), "agent");
  });

  it.effect("keeps its cards from a prefecture, listing or not, and opens them to ANTS", () =>
    Effect.gen(function* () {
      const listing = yield* Access.authorize(rhone, "card.read", Access.nation);
      const refused = yield* Effect.exit(Reach.card(listing, card));
      assert.isTrue(Exit.isFailure(refused));
      assert.include(JSON.stringify(refused), "outside the actor's site");
      yield* Reach.card(yield* Access.authorize(claire, "card.operate", Access.nation), card);
    }),
  );

  it.effect("keeps dual control: whoever ordered the card publishes it once another national administrator approved it", () =>
    Effect.gen(function* () {
      const alone = yield* Effect.exit(Publication.checkSecondPerson(claire, card, holder(national, ["operate-cards"])));
      assert.include(JSON.stringify(alone), "DualControlRequired");
      yield* Publication.checkSecondPerson(claire, { ...card, personalisationApprovedBy: "marc" }, holder(national, ["operate-cards"]));
      // Another national administrator, neither its registrar nor its orderer, is its second person.
      yield* Publication.checkSecondPerson(marc, card, holder(national, ["operate-cards"]));
    }),
  );
});
