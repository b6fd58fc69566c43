/**
 * The connection test's specimen file (DOMAIN.md §3, steps 10–11): a mairie sends it at least
 * `Onboarding.specimenLeadDays` days before its training; the platform keeps it, records the
 * `specimenRequests` milestone, and makes the specimen requests its agents will answer. A file
 * sent again replaces the previous one and starts the test afresh.
 *
 * Everything is checked before anything is written: the training scheduled, the deadline, and the
 * milestone's prerequisites (the editor's installation).
 */
import { CalendarDate, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { ExchangeStore, Specimen, SpecimenFileRefused } from "@comedec/exchange";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Result } from "effect";

/**
 * The commune of a grant made by the policy for this permission, on a commune: the API's contract
 * names the commune of the path, and a grant the policy did not make, for another permission or on
 * another kind of target is refused with `Forbidden` (a 403), never a silent pass.
 */
export const communeOf = <P extends Access.Permission>(
  grant: Access.Grant<P, "commune">,
  permission: NoInfer<P>,
): Effect.Effect<InseeCode.InseeCode, Access.Forbidden> =>
  Effect.map(Access.require(grant, permission, "commune"), (granted) => granted.target.commune as InseeCode.InseeCode);

/** Keeps the granted commune's specimen file and makes its specimen requests; says how many, and the dates. */
export const upload = (grant: Access.Grant<"specimen.upload", "commune">, file: Specimen.SpecimenFile) =>
  Effect.gen(function* () {
    const commune = yield* communeOf(grant, "specimen.upload");
    const now = new Date(yield* Clock.currentTimeMillis);
    const today = CalendarDate.ofInstant(now);
    const snapshot = yield* OnboardingStore.use((store) => store.load(commune));
    const trainingOn = snapshot.state.trainingOn;
    if (trainingOn === undefined) {
      return yield* new SpecimenFileRefused({ reason: `schedule the training first: the file is due ${Onboarding.specimenLeadDays} days before it` });
    }
    const dueOn = CalendarDate.addDays(trainingOn, -Onboarding.specimenLeadDays);
    if (today > dueOn) {
      return yield* new SpecimenFileRefused({
        reason: `the file was due on ${dueOn}, ${Onboarding.specimenLeadDays} days before the training of ${trainingOn}`,
      });
    }
    const record = Onboarding.RecordMilestone.make({
      evidence: { milestone: "specimenRequests", reference: `fichier de ${file.acts.length} actes spécimens` },
    });
    const firstFile = !("specimenRequests" in snapshot.state.milestones);
    if (firstFile) {
      // Decided now, so a refusal (prerequisites missing) writes nothing; appended once the file is kept.
      const decided = Onboarding.decide(snapshot.state, record, { actor: grant.actor, now });
      if (Result.isFailure(decided)) return yield* Effect.fail(decided.failure);
    }
    const planned = Specimen.plan(file, commune, now, () => globalThis.crypto.randomUUID());
    yield* ExchangeStore.use((store) => store.putSpecimenFile(commune, file, planned, grant.actor));
    if (firstFile) {
      const recording = yield* Access.authorize(grant.actor, "onboarding.record", grant.target);
      // Decided above: only a concurrent change of the commune's onboarding can refuse it now.
      yield* OnboardingUseCases.execute(recording, record).pipe(Effect.retry({ times: 2 }), Effect.ignore);
    } else if (snapshot.state.testPassed !== undefined) {
      // The test starts afresh with this file: a pass kept from the previous one, waiting for the first cards, goes.
      const recording = yield* Access.authorize(grant.actor, "onboarding.record", grant.target);
      yield* OnboardingUseCases.execute(recording, Onboarding.ResetConnectionTest.make({})).pipe(Effect.retry({ times: 2 }), Effect.ignore);
    }
    return { commune, requests: planned.length, trainingOn, dueOn };
  });

/** The granted commune's requests waiting for a response, oldest first. */
export const pending = (grant: Access.Grant<"exchange.read", "commune">, limit = 100) =>
  Effect.flatMap(communeOf(grant, "exchange.read"), (commune) => ExchangeStore.use((store) => store.pending(commune, limit)));

/** Where the granted commune's connection test stands. */
export const status = (grant: Access.Grant<"onboarding.read", "commune">) =>
  Effect.map(
    Effect.flatMap(communeOf(grant, "onboarding.read"), (commune) => ExchangeStore.use((store) => store.testStatus(commune))),
    summary,
  );

/** A test's figures, and whether it passed: every specimen request answered right. */
export const summary = (test: { readonly total: number; readonly answered: number; readonly passed: number }) => ({
  total: test.total,
  answered: test.answered,
  correct: test.passed,
  passed: test.total > 0 && test.passed === test.total,
});
