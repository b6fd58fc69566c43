import { Actor } from "@comedec/actor";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit } from "effect";
import { Access } from "../src/index.js";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const mairie = Actor.Actor.make({ id: "rc-lyon", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const prefecture = Actor.Actor.make({
  id: "pref-69",
  name: "Préfecture",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});
const lyon = Access.communeTarget("69123");
const paris = Access.communeTarget("75056");

const reasonOf = <A>(exit: Exit.Exit<A, Access.Forbidden>) => (Exit.isFailure(exit) ? JSON.stringify(exit.cause) : "granted");

describe("grants", () => {
  it.effect("are made by authorize only: a look-alike or a copy is refused at run time", () =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(mairie, "card.order", lyon);
      assert.isTrue(Access.isGrant(grant));
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(Access.require(grant, "card.order"))));
      const forged = { permission: "card.order", actor: ants, target: Access.nation, reach: "everywhere" } as any;
      assert.isFalse(Access.isGrant(forged));
      assert.include(reasonOf(yield* Effect.exit(Access.require(forged, "card.order"))), "not made by the policy");
      assert.include(reasonOf(yield* Effect.exit(Access.require({ ...grant }, "card.order"))), "not made by the policy");
      assert.isTrue(Object.isFrozen(grant));
    }),
  );

  it.effect("name their permission: a grant for another one is refused", () =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(mairie, "card.read", lyon);
      // @ts-expect-error a grant of card.read is not one of card.order
      const exit = yield* Effect.exit(Access.require(grant, "card.order"));
      assert.include(reasonOf(exit), "the grant is for card.read, not card.order");
    }),
  );

  it.effect("carry their target's kind, checked at run time when asked", () =>
    Effect.gen(function* () {
      const onCommune: Access.Grant<"card.read", "commune"> = yield* Access.authorize(mairie, "card.read", lyon);
      assert.strictEqual(onCommune.target.commune, "69123");
      const onNation = yield* Access.authorize(ants, "card.read", Access.nation);
      // @ts-expect-error a nation grant is not a commune grant
      const wrongKind: Access.Grant<"card.read", "commune"> = onNation;
      assert.strictEqual(wrongKind.target._tag, "nation");
      const wide: Access.Grant<"card.read"> = onNation;
      assert.include(reasonOf(yield* Effect.exit(Access.require(wide, "card.read", "commune"))), "a commune was expected");
      const narrowed = yield* Access.require(onCommune as Access.Grant<"card.read">, "card.read", "commune");
      assert.strictEqual(narrowed.target.commune, "69123");
    }),
  );

  it.effect("cover what lies within their target and the actor's reach", () =>
    Effect.gen(function* () {
      const onLyon = yield* Access.authorize(mairie, "card.operate", lyon);
      yield* Access.covers(onLyon, Access.siteTarget({ _tag: "commune", commune: "69123" }));
      assert.include(reasonOf(yield* Effect.exit(Access.covers(onLyon, paris))), "outside the actor's site");
      // An own-site holder authorised over the nation (a listing) covers their own site only.
      const listing = yield* Access.authorize(mairie, "card.read", Access.nation);
      yield* Access.covers(listing, lyon);
      assert.include(reasonOf(yield* Effect.exit(Access.covers(listing, paris))), "outside the actor's site");
      // A prefecture covers its département's communes; ANTS on one commune covers that one only.
      const departement = yield* Access.authorize(prefecture, "card.order", Access.departementTarget("69"));
      yield* Access.covers(departement, Access.communeTarget("69266"));
      assert.isTrue(Exit.isFailure(yield* Effect.exit(Access.covers(departement, paris))));
      const antsOnLyon = yield* Access.authorize(ants, "card.order", lyon);
      assert.isTrue(Exit.isFailure(yield* Effect.exit(Access.covers(antsOnLyon, paris))));
      yield* Access.covers(yield* Access.authorize(ants, "card.order", Access.nation), paris);
    }),
  );

  it.effect("reach the national site (ANTS's own holders and cards) from the national level only", () =>
    Effect.gen(function* () {
      const nationalSite = Access.siteTarget({ _tag: "national" });
      assert.deepStrictEqual(nationalSite, Access.nationalSite);
      yield* Access.authorize(ants, "agent.register", nationalSite);
      yield* Access.covers(yield* Access.authorize(ants, "card.operate", Access.nation), nationalSite);
      // A prefecture or a commune is refused it, on the site itself or through a listing's nation-wide grant.
      for (const actor of [prefecture, mairie]) {
        assert.include(reasonOf(yield* Effect.exit(Access.authorize(actor, "agent.register", nationalSite))), "outside the actor's site");
        const listing = yield* Access.authorize(actor, "card.read", Access.nation);
        assert.include(reasonOf(yield* Effect.exit(Access.covers(listing, nationalSite))), "outside the actor's site");
      }
      // Within the nation only: no département or commune holds it, and it holds none of them.
      assert.isTrue(Access.within(nationalSite, Access.nation));
      assert.isFalse(Access.within(nationalSite, Access.departementTarget("69")));
      assert.isFalse(Access.within(lyon, nationalSite));
      assert.isFalse(Exit.isSuccess(yield* Effect.exit(Access.covers(yield* Access.authorize(ants, "card.operate", nationalSite), lyon))));
    }),
  );

  it("keep the platform a typed actor of its own credential", () => {
    assert.isTrue(Access.isPlatform(Access.platform));
    assert.strictEqual(Access.platform.id, Actor.platformId);
    assert.isFalse(Access.isPlatform(Actor.Actor.make({ ...ants, id: "system" })));
  });
});
