import { Actor } from "@comedec/actor";
import { AgentStore } from "@comedec/agent";
import { type Card, CardSecrets, CardStore, CertificateAuthority } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit, Layer } from "effect";
import { Production, Revocation, Tracking } from "../src/index.js";

const paris: Card.State = { id: "c-paris", holder: "h-paris", site: { _tag: "commune", commune: "75056" as never }, status: "active", lastReason: "" };
const lyon: Card.State = { ...paris, id: "c-lyon", holder: "h-lyon", site: { _tag: "commune", commune: "69123" as never } };
const mairie = Actor.Actor.make({ id: "rc-lyon", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });

// Partial test doubles: a store of two cards; anything else a use case touched would be a defect.
const unused = () => Effect.die("not used by this test");
const services = Layer.mergeAll(
  Layer.succeed(CardStore, CardStore.of({ load: (id: string) => Effect.succeed({ state: id === lyon.id ? lyon : paris, version: 3 }) } as never)),
  Layer.succeed(AgentStore, AgentStore.of({ load: unused } as never)),
  Layer.succeed(CardSecrets, CardSecrets.of({} as never)),
  Layer.succeed(CertificateAuthority, CertificateAuthority.of({ revoke: unused } as never)),
);

const refusal = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) return "granted";
  return JSON.stringify(exit.cause);
};

describe("the card platform's use cases take their grant", () => {
  it.effect("refuse a forged grant at run time", () =>
    Effect.gen(function* () {
      const forged = { permission: "card.operate", actor: ants, target: Access.nation, reach: "everywhere" } as any;
      const revoked = yield* Effect.exit(Revocation.revoke(forged, lyon.id, { revocationReason: "keyCompromise", reason: "perdue" }));
      assert.include(refusal(revoked), "Forbidden");
      assert.include(refusal(revoked), "not made by the policy");
      const read = yield* Effect.exit(Tracking.card({ permission: "card.read", actor: ants, target: Access.nation, reach: "everywhere" } as any, lyon.id));
      assert.include(refusal(read), "not made by the policy");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse a grant for another permission", () =>
    Effect.gen(function* () {
      const ordering = yield* Access.authorize(mairie, "card.order", Access.nation);
      // @ts-expect-error a grant of card.order is not one of card.read
      const exit = yield* Effect.exit(Tracking.card(ordering, lyon.id));
      assert.include(refusal(exit), "the grant is for card.order, not card.read");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse a grant whose target does not cover the card loaded", () =>
    Effect.gen(function* () {
      const onLyon = yield* Access.authorize(mairie, "card.read", Access.communeTarget("69123"));
      assert.strictEqual((yield* Tracking.card(onLyon, lyon.id)).state.id, lyon.id);
      assert.include(refusal(yield* Effect.exit(Tracking.card(onLyon, paris.id))), "outside the actor's site");
      // Over the nation, an own-site operator reaches their own site only.
      const listing = yield* Access.authorize(mairie, "card.read", Access.nation);
      assert.include(refusal(yield* Effect.exit(Tracking.card(listing, paris.id))), "outside the actor's site");
      // ANTS authorised on Lyon's route reaches Lyon's cards, not Paris's.
      const antsOnLyon = yield* Access.authorize(ants, "card.operate", Access.communeTarget("69123"));
      const revoked = yield* Effect.exit(Revocation.revoke(antsOnLyon, paris.id, { revocationReason: "keyCompromise", reason: "perdue" }));
      assert.include(refusal(revoked), "outside the actor's site");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse, in the type checker, a call without a grant or with a grant of the wrong target kind", () =>
    Effect.gen(function* () {
      const onNation = yield* Access.authorize(ants, "card.produce", Access.nation);
      const wrongKind = () =>
        // @ts-expect-error triggering a connection takes a grant on a commune, not on the nation
        Production.triggerConnection(onNation, "lecteurs expédiés");
      // @ts-expect-error a use case cannot be called without its grant
      const withoutGrant = () => Tracking.card(lyon.id);
      assert.isFunction(withoutGrant);
      // And at run time, a nation grant passed as if it were a commune's is refused by its kind.
      const exit = yield* Effect.exit(wrongKind() as Effect.Effect<unknown, unknown>);
      assert.include(refusal(exit), "a commune was expected");
    }).pipe(Effect.provide(services)),
  );
});
