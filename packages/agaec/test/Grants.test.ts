import { Actor } from "@comedec/actor";
import { type Agent, AgentCards, AgentStore } from "@comedec/agent";
import { CommuneDirectory } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { assert, describe, it } from "@effect/vitest";
import { Effect, Exit, Layer } from "effect";
import { Lookup, Maintenance, Registration } from "../src/index.js";

const record = (id: string, commune: string): Agent.State => ({ id, site: { _tag: "commune", commune: commune as never }, status: "active", rights: [] });
const lyonAgent = record("a-lyon", "69123");
const parisAgent = record("a-paris", "75056");
const mairie = Actor.Actor.make({ id: "rc-lyon", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });

// Partial test doubles: a store of two records; anything else a use case touched would be a defect.
const unused = () => Effect.die("not used by this test");
const services = Layer.mergeAll(
  Layer.succeed(
    AgentStore,
    AgentStore.of({ load: (id: string) => Effect.succeed({ state: id === lyonAgent.id ? lyonAgent : parisAgent, version: 2 }) } as never),
  ),
  Layer.succeed(AgentCards, AgentCards.of({ suspendAll: unused, resumeAll: unused, revokeAll: unused, operatorCards: unused })),
  Layer.succeed(CommuneDirectory, CommuneDirectory.of({} as never)),
);

const refusal = <A, E>(exit: Exit.Exit<A, E>): string => (Exit.isSuccess(exit) ? "granted" : JSON.stringify(exit.cause));

describe("the directory's use cases take their grant", () => {
  it.effect("refuse a forged grant at run time", () =>
    Effect.gen(function* () {
      const forged = { permission: "agent.manage", actor: ants, target: Access.nation, reach: "everywhere" } as any;
      const exit = yield* Effect.exit(Maintenance.deactivate(forged, lyonAgent.id, "départ en retraite"));
      assert.include(refusal(exit), "Forbidden");
      assert.include(refusal(exit), "not made by the policy");
      const read = yield* Effect.exit(Lookup.find({ permission: "agent.read", actor: ants, target: Access.nation, reach: "everywhere" } as any, lyonAgent.id));
      assert.include(refusal(read), "not made by the policy");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse a grant for another permission", () =>
    Effect.gen(function* () {
      const reading = yield* Access.authorize(mairie, "agent.read", Access.nation);
      // @ts-expect-error a grant of agent.read is not one of agent.manage
      const exit = yield* Effect.exit(Maintenance.remove(reading, lyonAgent.id, "doublon"));
      assert.include(refusal(exit), "the grant is for agent.read, not agent.manage");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse a grant whose target does not cover the record loaded", () =>
    Effect.gen(function* () {
      const onLyon = yield* Access.authorize(mairie, "agent.read", Access.communeTarget("69123"));
      assert.strictEqual((yield* Lookup.find(onLyon, lyonAgent.id)).state.id, lyonAgent.id);
      assert.include(refusal(yield* Effect.exit(Lookup.find(onLyon, parisAgent.id))), "outside the actor's site");
      const antsOnLyon = yield* Access.authorize(ants, "agent.manage", Access.communeTarget("69123"));
      assert.include(refusal(yield* Effect.exit(Maintenance.deactivate(antsOnLyon, parisAgent.id, "départ en retraite"))), "outside the actor's site");
    }).pipe(Effect.provide(services)),
  );

  it.effect("refuse, in the type checker, a call without a grant or with a grant of the wrong target kind", () =>
    Effect.gen(function* () {
      const onNation = yield* Access.authorize(ants, "agent.register", Access.nation);
      const wrongKind = () =>
        // @ts-expect-error an import is for one site: a grant on a commune or a département, not the nation
        Registration.importCsv(onNation, "nom;prénom\n");
      // @ts-expect-error a use case cannot be called without its grant
      const withoutGrant = () => Lookup.find(lyonAgent.id);
      assert.isFunction(withoutGrant);
      assert.include(refusal(yield* Effect.exit(wrongKind() as Effect.Effect<unknown, unknown>)), "an import is for one site");
    }).pipe(Effect.provide(services)),
  );
});
