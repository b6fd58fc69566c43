/**
 * The deployment map and trend through the real app: every commune for ANTS, as parallel arrays
 * with its coordinates when known and its milestones as bits; only its département's for a
 * prefecture operator (the nation-wide listing narrowed to its own site); the milestones reached
 * counted in the month they were recorded; and the hand-over plan placing its venue and mairies,
 * for the console to draw them.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode, Onboarding } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, today, triggerConnection } from "./Routes.js";
import * as Services from "./Services.js";

const { MapFlag, milestoneFlag, unpackMap } = Contract.Communes;
const ants = Actor.Actor.make({ id: "ants-map", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const prefecture = Actor.Actor.make({
  id: "pref-13",
  name: "Préfecture",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "13" as never },
});
const corsica = Actor.Actor.make({ id: "pref-2a", name: "Préfecture", role: "prefecture-operator", site: { _tag: "prefecture", departement: "2A" as never } });
const mairie = Actor.Actor.make({ id: "mairie-13055", name: "Mairie", role: "commune-operator", site: { _tag: "commune", commune: "13055" as never } });

const commune = (code: string, name: string, departement: string, region: string, coordinates?: { latitude: number; longitude: number }) =>
  Commune.Commune.make({
    code: code as InseeCode.InseeCode,
    name,
    departement: departement as never,
    region,
    population: 1,
    ...(coordinates === undefined ? {} : { coordinates }),
  });

for (const adapter of adapters) {
  describe(`the deployment map over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { call, ok } = client(app);
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) =>
          Directory.importReference(grant, [
            commune("13055", "Marseille", "13", "93", { latitude: 43.296_482, longitude: 5.369_78 }),
            commune("13001", "Aix-en-Provence", "13", "93", { latitude: 43.528_3, longitude: 5.449_73 }),
            commune("13004", "Arles", "13", "93", { latitude: 43.676_65, longitude: 4.630_27 }),
            commune("13002", "Allauch", "13", "93"),
            commune("69123", "Lyon", "69", "84", { latitude: 45.767_22, longitude: 4.834_34 }),
            commune("75056", "Paris", "75", "11"),
          ]),
        ),
      );
      for (const [name, actor] of Object.entries({ ants, prefecture, mairie, corsica })) {
        tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
      }
      for (const code of ["13001", "13004", "69123"]) await triggerConnection(ok, tokens.ants as string, code);
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("gives ANTS every commune, located or not, with the milestones it reached as bits, in packed columns", async () => {
      const packed = await ok(tokens.ants as string, "GET", "/dashboard/map");
      expect(packed.count).toBe(6);
      expect(packed.codes).toBe("13001,13002,13004,13055,69123,75056");
      const map = unpackMap(packed);
      expect(map.today).toBe(today);
      expect(map.codes).toEqual(["13001", "13002", "13004", "13055", "69123", "75056"]);
      expect(map.names[3]).toBe("Marseille");
      expect(map.departements).toEqual(["13", "13", "13", "13", "69", "75"]);
      expect(map.regions[4]).toBe("84");
      // Four decimals, and null where the gazetteer has no coordinates.
      expect(map.latitudes).toEqual([43.5283, null, 43.6767, 43.2965, 45.7672, null]);
      expect(map.longitudes[3]).toBe(5.3698);
      const triggered = ["adhesion", "conventionsReceived", "connectionTriggered"] as const;
      const expected = triggered.reduce((flags, milestone) => flags | milestoneFlag(milestone), 0);
      expect(map.flags[0]).toBe(expected);
      expect(map.flags[3]).toBe(0);
      expect(milestoneFlag("connected")).toBe(1 << (Onboarding.Milestone.literals.length - 1));
      expect(MapFlag.underObligation & expected).toBe(0);
    });

    it("marks the communes under the obligation and late", async () => {
      // A maternity declared: under the obligation, whose deadline passed in 2018.
      await ok(tokens.ants as string, "POST", "/communes/75056/onboarding/maternity", { hasMaternity: true, reference: "recensement", expectedVersion: 0 });
      const map = unpackMap(await ok(tokens.ants as string, "GET", "/dashboard/map"));
      expect(map.flags[5]).toBe(MapFlag.underObligation | MapFlag.late);
      expect((map.flags[0] as number) & MapFlag.late).toBe(0);
    });

    it("narrows a prefecture operator's map and trend to its département, and a mairie's to itself", async () => {
      const map = unpackMap(await ok(tokens.prefecture as string, "GET", "/dashboard/map"));
      expect(map.codes).toEqual(["13001", "13002", "13004", "13055"]);
      expect(new Set(map.departements)).toEqual(new Set(["13"]));
      const trend = await ok(tokens.prefecture as string, "GET", "/dashboard/trend");
      expect(new Set(trend.months.map((row: { departement: string }) => row.departement))).toEqual(new Set(["13"]));
      // A département with no commune in the reference list: an empty map, read back as no commune.
      const empty = await ok(tokens.corsica as string, "GET", "/dashboard/map");
      expect(empty).toMatchObject({ count: 0, codes: "", names: "" });
      expect(unpackMap(empty).codes).toEqual([]);
      // A commune operator holds no dashboard permission at all.
      expect((await call(tokens.mairie as string, "GET", "/dashboard/map")).status).toBe(403);
    });

    it("counts the milestones reached in the month they were recorded, per département", async () => {
      const trend = await ok(tokens.ants as string, "GET", "/dashboard/trend");
      const month = today.slice(0, 7);
      const count = (departement: string, milestone: string) =>
        trend.months.find(
          (row: { month: string; departement: string; milestone: string }) =>
            row.month === month && row.departement === departement && row.milestone === milestone,
        )?.count;
      expect(count("13", "connectionTriggered")).toBe(2);
      expect(count("69", "adhesion")).toBe(1);
      expect(count("75", "adhesion")).toBeUndefined();
    });

    it("places the plan's venue and mairies, for the map, and leaves out the unlocated", async () => {
      const planned = await ok(tokens.prefecture as string, "POST", "/planning/hand-over-sessions", {
        departement: "13",
        prefectureCommune: "13055",
        capacity: 5,
        startOn: today,
      });
      expect(planned.sessions).toHaveLength(1);
      const [session] = planned.sessions;
      expect(session.venue).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
      expect(session.mairies.map((entry: { code: string }) => entry.code).sort()).toEqual(["13001", "13004"]);
      expect(session.mairies.find((entry: { code: string }) => entry.code === "13004")).toMatchObject({ latitude: 43.676_65, longitude: 4.630_27 });
    });
  });
}
