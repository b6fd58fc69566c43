/**
 * The deadline forecast on the dashboard, over HTTP on every persistence adapter: on a day before
 * 1 November 2018, the communes under the obligation that cannot be connected by then at the pace
 * of their département are named, with the pace and the projected day; a commune on track is not;
 * a prefecture sees its département only; after the deadline, every commune under the obligation
 * not connected has missed it.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Clock, Effect, Layer, ManagedRuntime, Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client } from "./Routes.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants-forecast", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const commune = (code: string, name: string, departement: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name, departement: departement as never, region: "00", population: 1000 });
const reference = [
  commune("33063", "Bordeaux", "33"),
  commune("33281", "Mérignac", "33"),
  commune("59350", "Lille", "59"),
  commune("59512", "Roubaix", "59"),
  commune("13055", "Marseille", "13"),
];

/** The card and editor tracks in graph order, as far as the specimen file. */
const track: ReadonlyArray<Onboarding.Evidence> = [
  { milestone: "adhesion", reference: "f" },
  { milestone: "conventionsReceived", reference: "c", conventions: ["cartes", "comedec"] },
  { milestone: "connectionTriggered", reference: "t" },
  { milestone: "handOverAppointment", reference: "r", appointmentOn: "2018-03-01", venue: "Préfecture" },
  { milestone: "firstCards", reference: "p" },
  { milestone: "autonomy", reference: "a" },
  { milestone: "editorContract", reference: "e", editor: "logiciel" },
  { milestone: "installation", reference: "i" },
];

/** A clock the suite moves: the forecast reads the day from it. */
let now = Date.now();
const movable: Clock.Clock = { ...Services.clockAt(0), currentTimeMillisUnsafe: () => now, currentTimeMillis: Effect.sync(() => now) };

for (const adapter of adapters) {
  describe(`the deadline forecast on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Layer.merge(Services.on(adapter.layer()), Layer.succeed(Clock.Clock, movable)));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { ok } = client(app);
    const tokens: Record<string, string> = {};

    /** A commune's onboarding as it happened: each command decided on its day and appended to its stream. */
    const happened = (code: string, steps: ReadonlyArray<readonly [Onboarding.Command, string]>) =>
      runtime.runPromise(
        Effect.gen(function* () {
          const store = yield* OnboardingStore;
          let snapshot = yield* store.load(code as InseeCode.InseeCode);
          for (const [command, on] of steps) {
            const decision = Onboarding.decide(snapshot.state, command, { actor: ants, now: new Date(`${on}T10:00:00Z`) });
            if (Result.isFailure(decision)) return yield* Effect.die(decision.failure);
            const state = decision.success.reduce(Onboarding.evolve, snapshot.state);
            snapshot = yield* store.append({ expectedVersion: snapshot.version, state, events: decision.success, actor: ants });
          }
        }),
      );
    const obliged = (on: string) => [Onboarding.DeclareMaternity.make({ hasMaternity: true, reference: "recensement" }), on] as const;
    const record = (evidence: Onboarding.Evidence, on: string) => [Onboarding.RecordMilestone.make({ evidence }), on] as const;

    beforeAll(async () => {
      await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
      const issue = async (name: string, who: Actor.Actor) => {
        tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, ants, "bootstrap")))).token;
      };
      await issue("ants", ants);
      await issue(
        "prefecture59",
        Actor.Actor.make({ id: "pref-59", name: "Préfecture du Nord", role: "prefecture-operator", site: { _tag: "prefecture", departement: "59" as never } }),
      );
      // Gironde moves fast: Mérignac (voluntary) 8 milestones since January, Bordeaux 6 since February.
      await happened(
        "33281",
        track.map((evidence, index) => record(evidence, `2018-01-${String(1 + index * 3).padStart(2, "0")}`)),
      );
      await happened("33063", [
        obliged("2018-01-15"),
        record({ milestone: "census", reference: "c" }, "2018-02-01"),
        ...track
          .filter((evidence) => ["adhesion", "conventionsReceived", "connectionTriggered", "editorContract", "installation"].includes(evidence.milestone))
          .map((evidence) => record(evidence, "2018-03-01")),
      ]);
      // Nord crawls: Lille two milestones in a year; Roubaix has only declared its maternity.
      await happened("59350", [
        obliged("2017-05-01"),
        record({ milestone: "census", reference: "c" }, "2017-06-01"),
        record(track[0] as Onboarding.Evidence, "2017-09-01"),
      ]);
      await happened("59512", [obliged("2017-05-01")]);
      // Bouches-du-Rhône has not started: Marseille is under the obligation, nothing moves there.
      await happened("13055", [obliged("2017-05-01")]);
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("names, on 1 June 2018, the communes that cannot make the deadline at their département's pace, and not those on track", async () => {
      now = Date.parse("2018-06-01T09:00:00Z");
      const { forecast, today } = await ok(tokens.ants as string, "GET", "/dashboard");
      expect(today).toBe("2018-06-01");
      expect(forecast.deadline).toBe("2018-11-01");
      // Gironde: 14 milestones over 151 + 120 commune-days; Nord: 2 over 365 (Roubaix has not started).
      expect(forecast.paces).toEqual([
        { departement: "33", milestonesPerDay: 14 / 271, startedCommunes: 2 },
        { departement: "59", milestonesPerDay: 2 / 365, startedCommunes: 1 },
      ]);
      expect(forecast.atRisk).toEqual([
        { code: "13055", name: "Marseille", departement: "13", remaining: 13, pacePerMonth: 0, projectedOn: null, verdict: "no-progress-in-departement" },
        { code: "59350", name: "Lille", departement: "59", remaining: 11, pacePerMonth: 0.16, projectedOn: "2023-11-30", verdict: "too-slow" },
        { code: "59512", name: "Roubaix", departement: "59", remaining: 13, pacePerMonth: 0.16, projectedOn: "2024-11-29", verdict: "too-slow" },
      ]);
      // Bordeaux needs 7 more at 14/271 a day: 136 days, 15 October — on track, so not named.
      expect(forecast.atRisk.map((entry: { code: string }) => entry.code)).not.toContain("33063");
      // Nobody is late yet: the dashboard's late communes are a different list.
      expect((await ok(tokens.ants as string, "GET", "/dashboard")).atRisk).toEqual([]);
    });

    it("shows a prefecture its own département's forecast only", async () => {
      now = Date.parse("2018-06-01T09:00:00Z");
      const { forecast } = await ok(tokens.prefecture59 as string, "GET", "/dashboard");
      expect(forecast.paces.map((pace: { departement: string }) => pace.departement)).toEqual(["59"]);
      expect(forecast.atRisk.map((entry: { code: string }) => entry.code)).toEqual(["59350", "59512"]);
    });

    it("after the deadline, names every commune under the obligation not connected as having missed it", async () => {
      now = Date.parse("2018-11-02T09:00:00Z");
      const { forecast, atRisk } = await ok(tokens.ants as string, "GET", "/dashboard");
      expect(forecast.atRisk.map((entry: { code: string; verdict: string }) => [entry.code, entry.verdict])).toEqual([
        ["13055", "deadline-passed"],
        ["33063", "deadline-passed"],
        ["59350", "deadline-passed"],
        ["59512", "deadline-passed"],
      ]);
      expect(atRisk.map((entry: { code: string }) => entry.code)).toEqual(["13055", "33063", "59350", "59512"]);
    });
  });
}
