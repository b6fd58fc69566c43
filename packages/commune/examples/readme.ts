import { Actor } from "@comedec/actor";
import { InseeCode, Onboarding } from "@comedec/commune";
import { Result, Schema } from "effect";

console.log(InseeCode.isInseeCode("2A004"), InseeCode.isInseeCode("20004")); // true false

const ants = Actor.Actor.make({ id: "ants-1", name: "Opératrice ANTS", role: "national-administrator", site: { _tag: "national" } });
const lyon = Schema.decodeUnknownSync(InseeCode.InseeCode)("69123");

// A commune with a maternity is under the obligation: the census comes first.
let state = Onboarding.initial(lyon, true);
const decision = Onboarding.decide(
  state,
  { _tag: "RecordMilestone", evidence: { milestone: "adhesion", reference: "adhesion-2017-118" } },
  { actor: ants, now: new Date("2017-09-01T09:00:00Z") },
);
if (Result.isFailure(decision)) {
  console.log(decision.failure._tag); // "PrerequisiteMissing" (missing: ["census"])
} else {
  state = decision.success.reduce(Onboarding.evolve, state);
}

const status = Onboarding.status(state, "2017-09-01");
console.log(status.next.map((step) => `${step.title} — ${step.party}`)); // who acts next
console.log(status.late, status.blocked.length);
