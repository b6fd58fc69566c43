/**
 * The dashboard's figures (ADR 0023: read from tallies the commune rows' triggers keep) against
 * the same figures counted here, independently, from the commune rows themselves, on every
 * persistence adapter: for the nation by département and by region, and for a prefecture (its
 * own département only), after milestones recorded on several days, maternities declared, a
 * milestone withdrawn, a write through the API read back at once, and a new reference list that
 * removes a commune and moves another to a new département.
 */
import { Actor } from "@comedec/actor";
import { Commune, Forecast, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { RawSql } from "@comedec/persistence";
import { Access, Tokens } from "@comedec/rgs";
import { Clock, Effect, Layer, ManagedRuntime, Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client } from "./Routes.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants-tally", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const prefecture = Actor.Actor.make({
  id: "pref-33",
  name: "Préfecture de la Gironde",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "33" as never },
});

const areas: ReadonlyArray<readonly [departement: string, region: string, count: number]> = [
  ["13", "93", 6],
  ["33", "75", 7],
  ["59", "32", 6],
  ["69", "84", 4],
  ["75", "11", 1],
];
const commune = (code: string, departement: string, region: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name: `Commune ${code}`, departement: departement as never, region, population: 100 });
const reference = areas.flatMap(([departement, region, count]) =>
  Array.from({ length: count }, (_, index) => commune(`${departement}${String(50 + index).padStart(3, "0")}`, departement, region)),
);

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

/** A commune row as the table holds it: what the figures are counted from here. */
interface Row {
  readonly code: string;
  readonly name: string;
  readonly departement: string;
  readonly region: string;
  readonly under_obligation: boolean;
  readonly reached: ReadonlyArray<Onboarding.Milestone>;
  readonly late_from: string | null;
  readonly onboarding_state: { readonly milestones: Record<string, { readonly at: string }> } | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every figure of the dashboard, counted from the rows of `scope` the way the first implementation counted them. */
const expected = (rows: ReadonlyArray<Row>, by: "departement" | "region", today: string, departement: string | undefined) => {
  const counts = new Map<string, { communes: number; underObligation: number; connected: number; late: number; reached: Record<string, number> }>();
  for (const row of rows) {
    const area = row[by];
    const entry = counts.get(area) ?? { communes: 0, underObligation: 0, connected: 0, late: 0, reached: {} };
    entry.communes += 1;
    if (row.under_obligation) entry.underObligation += 1;
    if (row.reached.includes("connected")) entry.connected += 1;
    if (row.late_from !== null && row.late_from <= today) entry.late += 1;
    for (const milestone of row.reached) entry.reached[milestone] = (entry.reached[milestone] ?? 0) + 1;
    counts.set(area, entry);
  }
  const allAreas = [...counts].map(([area, entry]) => ({ area, ...entry })).sort((a, b) => byText(a.area, b.area));
  const visible = departement === undefined ? allAreas : by === "departement" ? allAreas.filter((entry) => entry.area === departement) : [];
  const scoped = rows.filter((row) => departement === undefined || row.departement === departement);
  const progress: Array<Forecast.Progress> = scoped
    .filter((row) => row.under_obligation || row.reached.length > 0)
    .map((row) => {
      const instants = Object.values(row.onboarding_state?.milestones ?? {}).map((record) => record.at);
      return {
        code: row.code as InseeCode.InseeCode,
        name: row.name,
        departement: row.departement,
        underObligation: row.under_obligation,
        reached: row.reached,
        startedOn: instants.length === 0 ? undefined : instants.sort()[0]?.slice(0, 10),
      };
    })
    .sort((a, b) => byText(a.code, b.code));
  // The paces by hand: milestones over commune-days (at least one each) of the started communes.
  const sums = new Map<string, { milestones: number; days: number; communes: number }>();
  for (const commune of progress) {
    if (commune.startedOn === undefined || commune.reached.length === 0) continue;
    const sum = sums.get(commune.departement) ?? { milestones: 0, days: 0, communes: 0 };
    sum.milestones += commune.reached.length;
    sum.days += Math.max(1, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${commune.startedOn}T00:00:00Z`)) / 86_400_000));
    sum.communes += 1;
    sums.set(commune.departement, sum);
  }
  const paces = [...sums]
    .map(([code, sum]) => ({ departement: code, milestonesPerDay: sum.milestones / sum.days, startedCommunes: sum.communes }))
    .sort((a, b) => a.departement.localeCompare(b.departement));
  return {
    areas: visible,
    late: scoped
      .filter((row) => row.under_obligation && row.late_from !== null && row.late_from <= today)
      .map((row) => row.code)
      .sort(byText)
      .slice(0, 200),
    paces,
    atRisk: Forecast.atRisk(progress, today).map((entry) => ({ ...entry, projectedOn: entry.projectedOn ?? null })),
  };
};

let now = Date.parse("2018-06-01T09:00:00Z");
const movable: Clock.Clock = { ...Services.clockAt(0), currentTimeMillisUnsafe: () => now, currentTimeMillis: Effect.sync(() => now) };

for (const adapter of adapters) {
  describe(`the dashboard's figures against the commune rows on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Layer.merge(Services.on(adapter.layer()), Layer.succeed(Clock.Clock, movable)));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { ok } = client(app);
    const tokens: Record<string, string> = {};

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
    const importing = (communes: ReadonlyArray<Commune.Commune>) =>
      runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, communes)));

    /** The active commune rows, read straight from the table. */
    const rows = () =>
      runtime.runPromise(
        RawSql.use((raw) =>
          Effect.promise(() =>
            raw.query<Row>(
              "SELECT code, name, departement, region, under_obligation, reached, late_from::text AS late_from, onboarding_state FROM commune WHERE removed_at IS NULL",
            ),
          ),
        ),
      );

    /** Every reading of the dashboard equals the figures counted from the rows. */
    const matches = async () => {
      const table = await rows();
      for (const [token, departement] of [
        [tokens.ants as string, undefined],
        [tokens.prefecture as string, "33"],
      ] as const) {
        for (const by of ["departement", "region"] as const) {
          const dashboard = await ok(token, "GET", `/dashboard?by=${by}`);
          const wanted = expected(table, by, dashboard.today, departement);
          expect(dashboard.by).toBe(by);
          expect(dashboard.areas).toEqual(wanted.areas);
          expect(dashboard.atRisk.map((entry: { code: string }) => entry.code)).toEqual(wanted.late);
          expect(dashboard.forecast.paces).toEqual(wanted.paces);
          expect(dashboard.forecast.atRisk).toEqual(wanted.atRisk);
        }
      }
      return table;
    };

    beforeAll(async () => {
      await importing(reference);
      for (const [name, actor] of Object.entries({ ants, prefecture })) {
        tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
      }
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("counts every commune, none started, on a fresh reference list", async () => {
      const table = await matches();
      expect(table).toHaveLength(24);
    });

    it("agrees after milestones recorded on several days, maternities declared and a milestone withdrawn", async () => {
      await happened(
        "33050",
        track.map((evidence, index) => record(evidence, `2018-01-${String(1 + index * 3).padStart(2, "0")}`)),
      );
      await happened("33051", [
        obliged("2018-01-15"),
        record({ milestone: "census", reference: "c" }, "2018-02-01"),
        ...track.slice(0, 3).map((evidence) => record(evidence, "2018-03-01")),
      ]);
      await happened("33052", [record(track[0] as Onboarding.Evidence, "2018-03-01")]);
      await happened("59050", [
        obliged("2017-05-01"),
        record({ milestone: "census", reference: "c" }, "2017-06-01"),
        record(track[0] as Onboarding.Evidence, "2017-09-01"),
      ]);
      await happened("59051", [obliged("2017-05-01")]);
      await happened("13050", [obliged("2017-05-01")]);
      await happened("69050", [record(track[0] as Onboarding.Evidence, "2018-05-31"), record(track[1] as Onboarding.Evidence, "2018-06-01")]);
      // Its only milestone withdrawn: started, then not any more.
      await happened("69051", [
        record(track[0] as Onboarding.Evidence, "2018-04-01"),
        [Onboarding.WithdrawMilestone.make({ milestone: "adhesion", reason: "saisie erronée" }), "2018-04-02"],
      ]);
      now = Date.parse("2018-06-01T09:00:00Z");
      const table = await matches();
      expect(table.filter((row) => row.reached.length > 0)).toHaveLength(5);
      const { forecast } = await ok(tokens.ants as string, "GET", "/dashboard");
      expect(forecast.paces.map((pace: { departement: string }) => pace.departement)).toEqual(["33", "59", "69"]);
      expect(forecast.atRisk.length).toBeGreaterThan(1);
      // After the deadline, the same rows give other figures (late, deadline passed): the tallies keep no day.
      now = Date.parse("2018-11-02T09:00:00Z");
      await matches();
      expect((await ok(tokens.ants as string, "GET", "/dashboard")).atRisk.length).toBeGreaterThan(1);
    });

    it("shows a milestone written through the API in the very next reading", async () => {
      now = Date.now();
      const before = await ok(tokens.ants as string, "GET", "/dashboard");
      await ok(tokens.ants as string, "POST", "/communes/33053/onboarding/milestones", { evidence: { milestone: "adhesion", reference: "formulaire" } });
      await ok(tokens.ants as string, "POST", "/communes/75050/onboarding/maternity", { hasMaternity: true, reference: "recensement", expectedVersion: 0 });
      const after = await ok(tokens.ants as string, "GET", "/dashboard");
      const gironde = (dashboard: { areas: ReadonlyArray<{ area: string; reached: Record<string, number> }> }) =>
        dashboard.areas.find((area) => area.area === "33")?.reached.adhesion;
      expect(gironde(after)).toBe((gironde(before) ?? 0) + 1);
      await matches();
      // Writes at once to communes of the same département, each counted once.
      await Promise.all(
        ["13052", "13053", "13054", "13055", "69052", "69053"].map((code) =>
          ok(tokens.ants as string, "POST", `/communes/${code}/onboarding/milestones`, { evidence: { milestone: "adhesion", reference: "formulaire" } }),
        ),
      );
      const table = await matches();
      expect(table.filter((row) => row.departement === "13" && row.reached.includes("adhesion"))).toHaveLength(4);
    });

    it("follows a new reference list that removes a commune and moves another to a new département", async () => {
      const moved = reference
        .filter((entry) => entry.code !== "59051")
        .map((entry) => (entry.code === "33051" ? commune("33051", "24", "75") : entry.code === "13051" ? commune("13051", "13", "94") : entry));
      await importing(moved);
      const table = await matches();
      expect(table.find((row) => row.code === "33051")?.departement).toBe("24");
      expect(table.map((row) => row.code)).not.toContain("59051");
      // Back as it was: the removed commune returns, the moved one goes home.
      await importing(reference);
      await matches();
    });
  });
}
