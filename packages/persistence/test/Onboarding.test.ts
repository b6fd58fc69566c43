import { Actor, Change } from "@comedec/actor";
import { Commune, CommuneDirectory, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Audit } from "@comedec/rgs";
import { assert, describe, layer } from "@effect/vitest";
import { Effect, Result } from "effect";
import { adapters } from "../src/Testing.js";

const admin = Actor.Actor.make({ id: "ants-1", name: "Opératrice ANTS", role: "national-administrator", site: { _tag: "national" } });
const paris = Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 2_100_000 });
const lyon = Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 });

const record = (state: Onboarding.State, evidence: Onboarding.Evidence) => {
  const decision = Onboarding.decide(state, { _tag: "RecordMilestone", evidence }, { actor: admin, now: new Date() });
  if (Result.isFailure(decision)) throw new Error(decision.failure._tag);
  return decision.success;
};

for (const adapter of adapters) {
  describe(`onboarding store on ${adapter.name}`, () => {
    layer(adapter.layer(), { timeout: 120_000 })((it) => {
      it.effect("imports the reference list idempotently and reports renames and removals", () =>
        Effect.gen(function* () {
          const directory = yield* CommuneDirectory;
          const first = yield* directory.importReference([paris, lyon], admin);
          assert.deepStrictEqual({ added: first.added, renamed: first.renamed, removed: first.removed }, { added: 2, renamed: 0, removed: 0 });
          const again = yield* directory.importReference([paris, lyon], admin);
          assert.deepStrictEqual(
            { added: again.added, renamed: again.renamed, updated: again.updated, removed: again.removed },
            { added: 0, renamed: 0, updated: 0, removed: 0 },
          );
          const renamed = yield* directory.importReference([Commune.Commune.make({ ...paris, name: "Paris-Lutèce" })], admin);
          assert.deepStrictEqual({ renamed: renamed.renamed, removed: renamed.removed }, { renamed: 1, removed: 1 });
          const back = yield* directory.importReference([paris, lyon], admin);
          assert.strictEqual(back.added, 1);
          const found = yield* directory.search({ name: "lutece", limit: 10 });
          assert.strictEqual(found.length, 0);
          const folded = yield* directory.search({ name: "PÀRIS", limit: 10 });
          assert.deepStrictEqual(
            folded.map((summary) => summary.commune.code),
            ["75056"],
          );
        }),
      );

      it.effect("appends with optimistic concurrency: the second writer on the same version loses", () =>
        Effect.gen(function* () {
          const store = yield* OnboardingStore;
          const { state, version } = yield* store.load(lyon.code);
          const events = record(state, { milestone: "adhesion", reference: "form-1" });
          const next = events.reduce(Onboarding.evolve, state);
          const saved = yield* store.append({ expectedVersion: version, state: next, events, actor: admin });
          assert.strictEqual(saved.version, version + 1);
          const lost = yield* Effect.flip(store.append({ expectedVersion: version, state: next, events, actor: admin }));
          assert.instanceOf(lost, Change.ConcurrentModification);
          const reloaded = yield* store.load(lyon.code);
          assert.deepStrictEqual(Onboarding.reached(reloaded.state), ["adhesion"]);
          const history = yield* store.history(lyon.code);
          assert.strictEqual(history.length, 1);
        }),
      );

      it.effect("concurrent appends on one version: exactly one wins and the log still verifies", () =>
        Effect.gen(function* () {
          const store = yield* OnboardingStore;
          const { state, version } = yield* store.load(paris.code);
          const attempts = yield* Effect.forEach(
            Array.from({ length: 8 }, (_, index) => index),
            (index) => {
              const events = record(state, { milestone: "adhesion", reference: `form-${index}` });
              return Effect.result(store.append({ expectedVersion: version, state: events.reduce(Onboarding.evolve, state), events, actor: admin }));
            },
            { concurrency: "unbounded" },
          );
          assert.strictEqual(attempts.filter(Result.isSuccess).length, 1);
          const report = yield* (yield* Audit.AuditTrail).verify;
          assert.isTrue(report.valid);
          assert.isAbove(report.events, 3);
        }),
      );
    });
  });
}
