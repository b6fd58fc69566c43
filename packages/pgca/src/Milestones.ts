/**
 * The onboarding milestones a commune's first two cards advance: the connection triggered, the
 * responsable carte's card handed over, the délégué's activated (the commune is then autonomous).
 * Checked before the card's work, so a refusal comes first; recorded after its commit.
 */
import type { Actor } from "@comedec/actor";
import { type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Effect, Result } from "effect";
import { now } from "./Writes.js";

/**
 * Checks that a milestone can be recorded now, and returns what records it (nothing when it
 * already is, or when the actor's role does not record it: ANTS then records it by hand).
 */
export const prepare = Effect.fnUntraced(function* (commune: string, evidence: Onboarding.Evidence, actor: Actor.Actor) {
  const onboarding = yield* OnboardingStore;
  const definition = Onboarding.machine.milestones.find((entry) => entry.milestone === evidence.milestone);
  if (definition === undefined || !(definition.recordedBy as ReadonlyArray<string>).includes(actor.role)) return Effect.void;
  const at = yield* now;
  const decide = (snapshot: { readonly state: Onboarding.State }) =>
    Onboarding.decide(snapshot.state, { _tag: "RecordMilestone", evidence }, { actor, now: at });
  const first = decide(yield* onboarding.load(commune as InseeCode.InseeCode));
  if (Result.isFailure(first)) return first.failure._tag === "MilestoneAlreadyRecorded" ? Effect.void : yield* Effect.fail(first.failure);
  // The milestone is appended after the card's own commit: reload, and let a concurrent recording win.
  const record = Effect.gen(function* () {
    const snapshot = yield* onboarding.load(commune as InseeCode.InseeCode);
    const decision = decide(snapshot);
    if (Result.isFailure(decision)) return;
    const state = decision.success.reduce(Onboarding.evolve, snapshot.state);
    yield* onboarding.append({ expectedVersion: snapshot.version, state, events: decision.success, actor });
  }).pipe(Effect.retry({ times: 3 }), Effect.ignore);
  return record;
});
