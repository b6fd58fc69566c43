/**
 * A commune's onboarding timeline over HTTP names who appended each event — the actor's id, role
 * and site as the event log keeps them — also for the events that carry no record of their own (a
 * maternity declared), on every persistence adapter.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";

const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 })];

for (const adapter of adapters) {
  describe(`the onboarding timeline on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime);
    const tokens: Record<string, string> = {};
    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    beforeAll(async () => {
      const system = Actor.platform;
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      for (const who of [
        Actor.Actor.make({ id: "ants-claire", name: "Claire Vidal", role: "national-administrator", site: { _tag: "national" } }),
        Actor.Actor.make({ id: "rc-lyon", name: "Alice Roux", role: "commune-operator", site: { _tag: "commune", commune: "69123" } }),
      ])
        tokens[who.role] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, system, "bootstrap")))).token;
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("names who appended each event, a maternity declared included", async () => {
      expect(
        (await call("national-administrator", "POST", "/communes/69123/onboarding/maternity", { hasMaternity: true, reference: "recensement 2017" })).status,
      ).toBe(201);
      expect(
        (await call("commune-operator", "POST", "/communes/69123/onboarding/milestones", { evidence: { milestone: "census", reference: "formulaire" } }))
          .status,
      ).toBe(201);
      const timeline = await call("commune-operator", "GET", "/communes/69123/onboarding/timeline");
      expect(timeline.status).toBe(200);
      expect(timeline.body.events.map((entry: { event: { _tag: string }; by: unknown }) => ({ event: entry.event._tag, by: entry.by }))).toEqual([
        { event: "MaternityDeclared", by: { id: "ants-claire", role: "national-administrator", site: "national" } },
        { event: "MilestoneRecorded", by: { id: "rc-lyon", role: "commune-operator", site: "commune:69123" } },
      ]);
    });
  });
}
