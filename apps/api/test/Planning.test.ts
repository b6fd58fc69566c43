/**
 * The planning routes through the real app: who may plan, the refusals, a plan (empty while no
 * mairie of the département waits for its appointment) with its CSV export; then mairies whose
 * connection was triggered planned into sessions, the plan confirmed as their appointments, and a
 * re-plan that no longer holds them.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, triggerConnection } from "./Routes.js";
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
  const { call, ok } = client(app);
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
          ...[
            { code: "69029", name: "Bron", latitude: 45.7386, longitude: 4.9133 },
            { code: "69256", name: "Vaulx-en-Velin", latitude: 45.7786, longitude: 4.9203 },
            { code: "69264", name: "Villefranche-sur-Saône", latitude: 45.9894, longitude: 4.7189 },
          ].map(({ code, name, latitude, longitude }) =>
            Commune.Commune.make({
              code: code as InseeCode.InseeCode,
              name,
              departement: "69" as never,
              region: "84",
              population: 1,
              coordinates: { latitude, longitude },
            }),
          ),
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

  it("plans the mairies whose connection was triggered, records the confirmed sessions as their appointments, and re-plans without them", async () => {
    for (const code of ["69029", "69256", "69264"]) await triggerConnection(ok, tokens.ants as string, code);
    const planned = await ask("prefecture", { capacity: 2 });
    expect(planned.status).toBe(200);
    const sessions = planned.body.sessions as ReadonlyArray<{ date: string; venue: { code: string; name: string }; mairies: ReadonlyArray<{ code: string }> }>;
    // Three mairies, two per session: two sessions, Bron and Vaulx-en-Velin (3 km apart) together.
    expect(sessions).toHaveLength(2);
    expect(sessions.map((session) => session.mairies.map((mairie) => mairie.code).sort())).toContainEqual(["69029", "69256"]);
    expect(planned.body.csv.trim().split("\n")).toHaveLength(4);
    const confirmed = sessions.map((session) => ({ date: session.date, venue: session.venue.name, mairies: session.mairies.map((mairie) => mairie.code) }));

    // A confirmation with a mairie of another département, or one mairie twice, records nothing.
    const confirm = (body: Record<string, unknown>) =>
      call(tokens.prefecture as string, "POST", "/planning/hand-over-sessions/confirmation", {
        departement: "69",
        reference: "plan 69-1",
        sessions: confirmed,
        ...body,
      });
    const foreign = await confirm({ sessions: [...confirmed, { date: "2026-12-10", venue: "Paris", mairies: ["75056"] }] });
    expect(foreign.body).toMatchObject({ status: 422, code: "appointments-refused" });
    const twice = await confirm({ sessions: [...confirmed, { date: "2026-12-10", venue: "Bron", mairies: ["69029"] }] });
    expect(twice.body).toMatchObject({ status: 422, code: "appointments-refused" });
    expect((await ask("prefecture", { capacity: 2 })).body.sessions).toHaveLength(2);

    const done = await confirm({});
    expect(done.status).toBe(200);
    expect([...done.body.recorded].sort()).toEqual(["69029", "69256", "69264"]);
    expect(done.body.refused).toEqual([]);
    const status = await ok(tokens.ants as string, "GET", "/communes/69264/onboarding");
    expect(status.status.done).toContainEqual(expect.objectContaining({ milestone: "handOverAppointment", by: expect.objectContaining({ id: "pref-69" }) }));
    const timeline = await ok(tokens.ants as string, "GET", "/communes/69264/onboarding/timeline");
    expect(timeline.events.at(-1).event.record.evidence).toMatchObject({
      milestone: "handOverAppointment",
      reference: "plan 69-1",
      appointmentOn: expect.any(String),
    });
    // Re-planned, they no longer wait; confirmed again, each is refused with its reason.
    expect((await ask("prefecture", { capacity: 2 })).body.sessions).toEqual([]);
    const again = await confirm({});
    expect(again.body.recorded).toEqual([]);
    expect(again.body.refused).toHaveLength(3);
    expect(again.body.refused[0]).toEqual({ commune: expect.any(String), reason: "appointment already recorded" });
  }, 60_000);
});
