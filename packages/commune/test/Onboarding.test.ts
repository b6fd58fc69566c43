import { Actor } from "@comedec/actor";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { type InseeCode, Onboarding } from "../src/index.js";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const now = new Date("2017-09-01T10:00:00Z");
const code = "69123" as InseeCode.InseeCode;

const apply = (state: Onboarding.State, command: Onboarding.Command) => {
  const decision = Onboarding.decide(state, command, { actor: ants, now });
  return Result.isSuccess(decision) ? decision.success.reduce(Onboarding.evolve, state) : decision.failure;
};

describe("the onboarding graph", () => {
  it("is acyclic, numbered 1 to 13, and every prerequisite comes earlier", () => {
    expect(Onboarding.machine.milestones.map((definition) => definition.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const definition of Onboarding.machine.milestones) {
      for (const required of definition.requires) expect(Onboarding.definitionOf(required).step).toBeLessThan(definition.step);
    }
  });

  it("lets the card and editor tracks run in parallel after adhesion", () => {
    const state = apply(Onboarding.initial(code), { _tag: "RecordMilestone", evidence: { milestone: "adhesion", reference: "f" } }) as Onboarding.State;
    const next = Onboarding.status(state, "2017-09-02").next.map((entry) => entry.milestone);
    expect(next).toEqual(["conventionsReceived", "editorContract"]);
  });

  it("requires the census only under the obligation", () => {
    const obliged = Onboarding.initial(code, true);
    const refused = apply(obliged, { _tag: "RecordMilestone", evidence: { milestone: "adhesion", reference: "f" } });
    expect(refused).toBeInstanceOf(Onboarding.PrerequisiteMissing);
    expect((refused as Onboarding.PrerequisiteMissing).missing).toEqual(["census"]);
  });

  it("marks a commune under obligation late after the deadline, and the specimen file overdue 7 days before training", () => {
    let state = Onboarding.initial(code, true);
    expect(Onboarding.status(state, "2018-11-01").late).toBe(false);
    expect(Onboarding.status(state, "2018-11-02").overdue.map((due) => due.reason)).toEqual(["connection-deadline-missed"]);
    state = { ...Onboarding.initial(code), trainingOn: "2017-11-20" };
    expect(Onboarding.lateFrom(state)).toBe("2017-11-14");
    expect(Onboarding.status(state, "2017-11-13").late).toBe(false);
    expect(Onboarding.status(state, "2017-11-14").overdue).toEqual([{ reason: "specimen-file-overdue", dueOn: "2017-11-13" }]);
  });

  it("refuses a role the table does not list", () => {
    const agent = Actor.Actor.make({ id: "x", name: "x", role: "agent", site: { _tag: "commune", commune: code } });
    const decision = Onboarding.decide(
      Onboarding.initial(code),
      { _tag: "RecordMilestone", evidence: { milestone: "adhesion", reference: "f" } },
      { actor: agent, now },
    );
    expect(Result.isFailure(decision) && decision.failure._tag).toBe("MilestoneRoleNotAllowed");
  });
});

describe("what follows an operation of the platform", () => {
  const reach = (milestones: ReadonlyArray<Onboarding.Evidence>, state = Onboarding.initial(code)) =>
    milestones.reduce((current, evidence) => apply(current, { _tag: "RecordMilestone", evidence }) as Onboarding.State, state);
  const untilSpecimens = reach([
    { milestone: "adhesion", reference: "f" },
    { milestone: "conventionsReceived", reference: "c", conventions: ["a", "b"] },
    { milestone: "connectionTriggered", reference: "t" },
    { milestone: "handOverAppointment", reference: "r", appointmentOn: "2017-10-02", venue: "Préfecture" },
    { milestone: "editorContract", reference: "e", editor: "x" },
    { milestone: "installation", reference: "i" },
    { milestone: "specimenRequests", reference: "s" },
  ]);

  it("keeps a connection test passed before the first cards, and records it with them", () => {
    const passed = apply(untilSpecimens, { _tag: "RecordConnectionTestPassed", reference: "test", trainedBy: "editor" }) as Onboarding.State;
    expect(passed.milestones.trainingAndTest).toBeUndefined();
    expect(Onboarding.status(passed, "2017-10-03").testPassedAt).toBe(now.toISOString());
    const decision = Onboarding.decide(passed, { _tag: "RecordMilestone", evidence: { milestone: "firstCards", reference: "carte" } }, { actor: ants, now });
    expect(Result.isSuccess(decision) && decision.success.map((event) => event._tag)).toEqual(["MilestoneRecorded", "MilestoneRecorded"]);
    const after = apply(passed, { _tag: "RecordMilestone", evidence: { milestone: "firstCards", reference: "carte" } }) as Onboarding.State;
    expect(after.milestones.trainingAndTest?.evidence).toMatchObject({ milestone: "trainingAndTest", trainedBy: "editor" });
    expect(after.testPassed).toBeUndefined();
  });

  it("refuses by hand what an operation records, and takes it from the operation", () => {
    const byHand = apply(untilSpecimens, { _tag: "RecordMilestone", evidence: { milestone: "firstCards", reference: "x" }, byHand: true });
    expect(byHand).toBeInstanceOf(Onboarding.MilestoneRecordedByOperation);
    const fromOperation = apply(untilSpecimens, { _tag: "RecordMilestone", evidence: { milestone: "firstCards", reference: "x" } }) as Onboarding.State;
    expect(fromOperation.milestones.firstCards).toBeDefined();
  });
});

describe("a connection test passed early, then a new specimen file", () => {
  it("drops the pass kept: the new file's test must pass again", () => {
    const state = {
      ...Onboarding.initial(code),
      testPassed: {
        at: now.toISOString(),
        by: { id: "system", name: "p", role: "national-administrator", site: "national" },
        evidence: { milestone: "trainingAndTest" as const, reference: "t", trainedBy: "editor" as const },
      },
    };
    const reset = apply(state, { _tag: "ResetConnectionTest" }) as Onboarding.State;
    expect(reset.testPassed).toBeUndefined();
    expect(Onboarding.decide(reset, { _tag: "ResetConnectionTest" }, { actor: ants, now })).toEqual(Result.succeed([]));
  });
});
