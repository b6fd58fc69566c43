import { Actor, Change } from "@comedec/actor";
import { Agent, AgentStore, DuplicatePerson, type Identity } from "@comedec/agent";
import { assert, describe, layer } from "@effect/vitest";
import { Effect, Result } from "effect";
import { adapters } from "../src/Testing.js";

const registrar = Actor.Actor.make({ id: "rc-lyon", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const site: Agent.AgentSite = { _tag: "commune", commune: "69123" as never };

const registered = (id: string, birthName: string, givenName: string, at: Agent.AgentSite = site) => {
  const identity: Identity.Identity = {
    birthName,
    givenNames: [givenName],
    sex: "M",
    birthDate: "1970-01-31",
    placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" },
  };
  const registration: Agent.Registration = {
    identity,
    document: {
      type: "passeport",
      number: "EH123456",
      issuingAuthority: "Ambassade",
      expiresOn: "2035-01-01",
      holder: { birthName, givenNames: [givenName], birthDate: "1970-01-31" },
      check: { by: "rc-lyon", on: "2026-01-05", faceToFace: true },
    },
    contact: { email: "x@mairie-lyon.fr" },
    site: at,
    profile: { _tag: "agent" },
    rights: [],
  };
  const events = Agent.decide(undefined, { _tag: "Register", id, registration }, { actor: registrar, today: "2026-01-05" });
  if (Result.isFailure(events)) throw new Error(events.failure._tag);
  return { expectedVersion: 0, state: Agent.evolve(undefined, events.success[0] as Agent.Event), events: events.success, actor: registrar };
};

for (const adapter of adapters) {
  describe(`agent store on ${adapter.name}`, () => {
    layer(adapter.layer(), { timeout: 120_000 })((it) => {
      it.effect("refuses a second active record of the same person at a site, even when both writers checked first", () =>
        Effect.gen(function* () {
          const store = yield* AgentStore;
          const first = registered("00000000-0000-4000-8000-000000000001", "Lambert", "Hugo");
          const twin = registered("00000000-0000-4000-8000-000000000002", "LAMBERT", "Hugo");
          const outcomes = yield* Effect.all([Effect.result(store.append(first)), Effect.result(store.append(twin))], { concurrency: 2 });
          const failures = outcomes.filter(Result.isFailure).map((outcome) => outcome.failure);
          assert.strictEqual(failures.length, 1);
          assert.instanceOf(failures[0], DuplicatePerson);
          assert.strictEqual((yield* store.search({ name: "lambert", limit: 10 })).items.length, 1);
        }),
      );

      it.effect("lets only one of two writers based on the same version win", () =>
        Effect.gen(function* () {
          const store = yield* AgentStore;
          const saved = yield* store.append(registered("00000000-0000-4000-8000-000000000003", "Girard", "Noé"));
          const change = (email: string) => {
            const event: Agent.Event = { _tag: "AgentContactChanged", contact: { email } };
            return store.append({ expectedVersion: saved.version, state: Agent.evolve(saved.state, event), events: [event], actor: registrar });
          };
          const outcomes = yield* Effect.all([Effect.result(change("a@mairie-lyon.fr")), Effect.result(change("b@mairie-lyon.fr"))], { concurrency: 2 });
          const failures = outcomes.filter(Result.isFailure).map((outcome) => outcome.failure);
          assert.strictEqual(failures.length, 1);
          assert.instanceOf(failures[0], Change.ConcurrentModification);
          assert.strictEqual((yield* store.load(saved.state.id)).version, 2);
        }),
      );

      it.effect("keeps a holder of the national site in no département: found at their site, in no prefecture's listing", () =>
        Effect.gen(function* () {
          const store = yield* AgentStore;
          const national: Agent.AgentSite = { _tag: "national" };
          const saved = yield* store.append(registered("00000000-0000-4000-8000-000000000010", "Vasseur", "Inès", national));
          assert.deepStrictEqual((yield* store.load(saved.state.id)).state.site, national);
          assert.deepStrictEqual(
            (yield* store.search({ site: national, limit: 10 })).items.map((item) => item.state.id),
            [saved.state.id],
          );
          assert.strictEqual((yield* store.search({ name: "vasseur", departement: "69", limit: 10 })).items.length, 0);
          assert.strictEqual(yield* store.countAt(national), 1);
        }),
      );

      it.effect("writes a batch all together or not at all", () =>
        Effect.gen(function* () {
          const store = yield* AgentStore;
          const batch = [
            registered("00000000-0000-4000-8000-000000000004", "Roussel", "Théo"),
            registered("00000000-0000-4000-8000-000000000005", "Lambert", "Hugo"),
          ];
          const refused = yield* Effect.result(store.appendAll(batch));
          assert.isTrue(Result.isFailure(refused));
          assert.strictEqual((yield* store.search({ name: "roussel", limit: 10 })).items.length, 0);
          assert.strictEqual(yield* store.appendAll([registered("00000000-0000-4000-8000-000000000006", "Roussel", "Théo")]), 1);
          assert.strictEqual(yield* store.countAt(site), 3);
        }),
      );
    });
  });
}
