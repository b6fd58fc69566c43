/**
 * Property: whatever sequence of onboarding commands arrives, accepted or refused, the event log
 * verifies afterwards and replaying a commune's history gives back its stored state.
 */
import { Actor } from "@comedec/actor";
import { Commune, CommuneDirectory, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { adapters } from "../src/Testing.js";
import { Audit } from "@comedec/rgs";
import { Effect, ManagedRuntime, Result, Schema } from "effect";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const codes = ["01001", "01002", "01004"] as unknown as ReadonlyArray<InseeCode.InseeCode>;

// Valid evidence for every milestone: the milestones that fix facts need their fields.
const facts: Partial<Record<Onboarding.Milestone, Record<string, unknown>>> = {
  conventionsReceived: { conventions: ["a", "b"] },
  handOverAppointment: { appointmentOn: "2017-10-02", venue: "Préfecture" },
  editorContract: { editor: "editeur" },
  trainingAndTest: { trainedBy: "editor" },
  connectionDate: { connectionOn: "2018-10-15" },
};
const decodeEvidence = Schema.decodeUnknownSync(Onboarding.Evidence);
const evidence = fc
  .constantFrom(...Onboarding.machine.milestones.map(({ milestone }) => milestone))
  .map((milestone) => decodeEvidence({ milestone, reference: "r", ...facts[milestone] }));

const command = fc.oneof(
  fc.record({ _tag: fc.constant("RecordMilestone" as const), evidence }),
  fc.record({ _tag: fc.constant("DeclareMaternity" as const), hasMaternity: fc.boolean(), reference: fc.string({ minLength: 1, maxLength: 20 }) }),
);

for (const adapter of adapters) {
  describe(`random command sequences on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(adapter.layer());
    afterAll(() => runtime.dispose());

    it("leave a log that verifies and histories that replay to the stored state", async () => {
      await runtime.runPromise(
        CommuneDirectory.use((directory) =>
          directory.importReference(
            codes.map((code) => Commune.Commune.make({ code, name: code, departement: "01" as never, region: "84", population: 1 })),
            ants,
          ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...codes), command), { minLength: 1, maxLength: 25 }), async (steps) => {
          for (const [code, next] of steps) {
            await runtime.runPromise(
              Effect.gen(function* () {
                const store = yield* OnboardingStore;
                const snapshot = yield* store.load(code);
                const decision = Onboarding.decide(snapshot.state, next as Onboarding.Command, { actor: ants, now: new Date() });
                if (Result.isFailure(decision)) return;
                yield* store.append({
                  expectedVersion: snapshot.version,
                  state: decision.success.reduce(Onboarding.evolve, snapshot.state),
                  events: decision.success,
                  actor: ants,
                });
              }),
            );
          }
          const report = await runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify));
          expect(report.valid).toBe(true);
          for (const code of codes) {
            const [snapshot, history] = await runtime.runPromise(
              Effect.all([OnboardingStore.use((store) => store.load(code)), OnboardingStore.use((store) => store.history(code))]),
            );
            expect(history.map((entry) => entry.event).reduce(Onboarding.evolve, Onboarding.initial(code))).toEqual(snapshot.state);
            expect(history.length).toBe(snapshot.version);
          }
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  });
}
