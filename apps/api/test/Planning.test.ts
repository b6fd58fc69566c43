/**
 * The planning route through the real app: who may plan, the refusals, and a plan (empty while no
 * mairie of the département waits for its appointment) with its CSV export.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client } from "./Routes.js";
import * as Services from "./Services.js";

const adapter = adapters[0] as (typeof adapters)[number];
const ants = Actor.Actor.make({ id: "ants-planning", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const prefecture = Actor.Actor.make({
  id: "pref-69",
  name: "Préfecture",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});

describe(`hand-over planning over HTTP on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime, Services.suiteRateLimits);
  const { call } = client(app);
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    await runtime.runPromise(
      Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) =>
        Directory.importReference(grant, [
          Commune.Commune.make({
            code: "69123" as InseeCode.InseeCode,
            name: "Lyon",
            departement: "69" as never,
            region: "84",
            population: 1,
            coordinates: { latitude: 45.76, longitude: 4.84 },
          }),
          Commune.Commune.make({ code: "69266" as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 1 }),
        ]),
      ),
    );
    for (const [name, actor] of Object.entries({ ants, prefecture })) {
      tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
    }
  }, 120_000);
  afterAll(() => runtime.dispose());

  const ask = (who: string, body: Record<string, unknown>) =>
    call(tokens[who] as string, "POST", "/planning/hand-over-sessions", {
      departement: "69",
      prefectureCommune: "69123",
      capacity: 10,
      startOn: "2026-12-01",
      ...body,
    });

  it("plans a département for ANTS and its prefecture, with the plan as CSV", async () => {
    const planned = await ask("prefecture", {});
    expect(planned.status).toBe(200);
    expect(planned.body).toMatchObject({ sessions: [], totalKm: 0, withoutCoordinates: [] });
    expect(planned.body.csv).toBe("date;lieu;code_lieu;commune;code_commune\n");
    expect((await ask("ants", {})).status).toBe(200);
  });

  it("refuses another département, a seat without coordinates, an unknown seat, and a capacity of nothing", async () => {
    expect((await ask("prefecture", { departement: "75" })).body.code).toBe("forbidden");
    expect((await ask("ants", { prefectureCommune: "69266" })).body).toMatchObject({ status: 422, code: "planning-refused" });
    expect((await ask("ants", { prefectureCommune: "69999" })).body.code).toBe("commune-not-found");
    expect((await ask("ants", { capacity: 0 })).body.code).toBe("invalid-request");
  });
});
