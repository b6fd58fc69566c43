/**
 * Use cases of a commune's onboarding: read where it stands, record a milestone, declare the
 * maternity, schedule the training. Each takes the grant of its permission (so it cannot run
 * without the policy check), loads the stream, lets the domain decide, and appends the events.
 */
import { CalendarDate, CommuneDirectory, EditorRegistry, Editor, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { ConventionStore } from "@comedec/convention";
import { Change } from "@comedec/actor";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Result } from "effect";

/** Conventions named as evidence are not both validated (the domain's refusal, kept importable from here). */
export const ConventionsNotValidated = Onboarding.ConventionsNotValidated;
/** Conventions named as evidence are not both validated. */
export type ConventionsNotValidated = Onboarding.ConventionsNotValidated;

// Commune-scoped use cases read the commune from the grant, so they act on exactly what was authorised.
// The kind is in the grant's type (the API's contract names the commune of the path), and checked at
// run time too: a grant the policy did not make, for another permission or on another kind of
// target is refused with `Forbidden`, never a silent pass.
type CommuneGrant<P extends Access.Permission> = Access.Grant<P, "commune">;

/** The commune of a grant made by the policy for this permission, on a commune (`Forbidden` otherwise). */
const communeOf = <P extends Access.Permission>(grant: CommuneGrant<P>, permission: NoInfer<P>) =>
  Effect.map(Access.require(grant, permission, "commune"), (granted) => granted.target.commune as InseeCode.InseeCode);

const today = Effect.map(Clock.currentTimeMillis, (millis) => CalendarDate.ofInstant(new Date(millis)));

/** The onboarding status of the granted commune, with its timeline. */
export const status = Effect.fnUntraced(function* (grant: CommuneGrant<"onboarding.read">) {
  const store = yield* OnboardingStore;
  const code = yield* communeOf(grant, "onboarding.read");
  const snapshot = yield* store.load(code);
  return { version: snapshot.version, status: Onboarding.status(snapshot.state, yield* today) };
});

/** The granted commune's events, oldest first. */
export const timeline = Effect.fnUntraced(function* (grant: CommuneGrant<"onboarding.read">) {
  const store = yield* OnboardingStore;
  const code = yield* communeOf(grant, "onboarding.read");
  yield* store.load(code);
  return yield* store.history(code);
});

const checkEvidence = Effect.fnUntraced(function* (code: InseeCode.InseeCode, evidence: Onboarding.Evidence) {
  if (evidence.milestone === "editorContract") {
    const editor = yield* (yield* EditorRegistry).find(evidence.editor);
    if (!editor.compatible) return yield* new Editor.EditorNotCompatible({ editor: editor.id });
  }
  if (evidence.milestone === "conventionsReceived") {
    const conventions = yield* (yield* ConventionStore).listByCommune(code);
    const named = conventions.filter((convention) => evidence.conventions.includes(convention.state.id));
    const validatedKinds = new Set(named.filter((convention) => convention.state.status === "validated").map((convention) => convention.state.terms.kind));
    if (named.length !== evidence.conventions.length) {
      return yield* new Onboarding.ConventionsNotValidated({ commune: code, reason: "a named convention is not one of this commune's" });
    }
    if (!validatedKinds.has("CARTES") || !validatedKinds.has("COMEDEC")) {
      return yield* new Onboarding.ConventionsNotValidated({ commune: code, reason: "both the CARTES and the COMEDEC conventions must be validated" });
    }
  }
});

/** Decides and appends one onboarding command on the granted commune. Returns the new status. */
export const execute = Effect.fnUntraced(function* (grant: CommuneGrant<"onboarding.record">, command: Onboarding.Command, expectedVersion?: number) {
  const store = yield* OnboardingStore;
  const code = yield* communeOf(grant, "onboarding.record");
  const snapshot = yield* store.load(code);
  if (expectedVersion !== undefined && expectedVersion !== snapshot.version) {
    // The caller decided on a state it read earlier: refuse rather than apply it to a newer one.
    return yield* new Change.ConcurrentModification({ stream: `onboarding:${code}`, expectedVersion });
  }
  if (command._tag === "RecordMilestone") yield* checkEvidence(code, command.evidence);
  const now = new Date(yield* Clock.currentTimeMillis);
  const decision = Onboarding.decide(snapshot.state, command, { actor: grant.actor, now });
  if (Result.isFailure(decision)) return yield* Effect.fail(decision.failure);
  const events = decision.success;
  // A command with nothing to change (a reset with nothing kept) writes nothing.
  if (events.length === 0) return { version: snapshot.version, status: Onboarding.status(snapshot.state, CalendarDate.ofInstant(now)) };
  const state = events.reduce(Onboarding.evolve, snapshot.state);
  const saved = yield* store.append({ expectedVersion: snapshot.version, state, events, actor: grant.actor });
  return { version: saved.version, status: Onboarding.status(saved.state, CalendarDate.ofInstant(now)) };
});

/** The granted commune's reference data and progress. */
export const commune = Effect.fnUntraced(function* (grant: CommuneGrant<"commune.read">) {
  const code = yield* communeOf(grant, "commune.read");
  return yield* CommuneDirectory.use((directory) => directory.find(code));
});
