import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Access, Audit, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import { adapters } from "@comedec/persistence/testing";

const commune = (code: string, name: string, departement: string, region: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name, departement: departement as never, region, population: 1000 });
const reference = [
  commune("75056", "Paris", "75", "11"),
  commune("69123", "Lyon", "69", "84"),
  commune("69266", "Villeurbanne", "69", "84"),
  commune("13055", "Marseille", "13", "93"),
  commune("2A004", "Ajaccio", "2A", "94"),
];
const actor = (id: string, role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id, name: id, role, site });

for (const adapter of adapters) {
  describe(`the API on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime);
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      const system = Actor.platform;
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      const issue = (name: string, who: Actor.Actor) =>
        runtime
          .runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, system, who.role === "editor" ? "machine" : "bootstrap")))
          .then(({ token }) => {
            tokens[name] = token;
          });
      await issue("ants", actor("ants", "national-administrator", { _tag: "national" }));
      await issue("prefecture69", actor("pref-69", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await issue("lyon", actor("rc-lyon", "commune-operator", { _tag: "commune", commune: "69123" }));
      await issue("paris", actor("rc-paris", "commune-operator", { _tag: "commune", commune: "75056" }));
      await issue("editor", actor("dev-logiciel", "editor", { _tag: "editor", editor: "logiciel-etat-civil" }));
      await issue("otherEditor", actor("dev-autre", "editor", { _tag: "editor", editor: "autre-editeur" }));
    }, 120_000);
    afterAll(() => runtime.dispose());

    const call = async (who: string | undefined, method: string, path: string, body?: unknown, raw?: string) => {
      const response = await app.request(path, {
        method,
        headers: { ...(who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }), "content-type": "application/json" },
        ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as any };
    };
    const milestone = (who: string, code: string, evidence: Record<string, unknown>, expectedVersion?: number) =>
      call(who, "POST", `/communes/${code}/onboarding/milestones`, {
        evidence: { reference: "ref", ...evidence },
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
      });
    const events = async (code: string) => (await call("ants", "GET", `/communes/${code}/onboarding/timeline`)).body.events.length as number;

    it("walks the whole onboarding of a commune under the obligation, from census to connection", async () => {
      expect((await call("ants", "POST", "/communes/69123/onboarding/maternity", { hasMaternity: true, reference: "census-2017" })).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "census" })).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "adhesion" })).status).toBe(201);

      const conventions: Array<string> = [];
      for (const kind of ["CARTES", "COMEDEC"]) {
        const submitted = await call("lyon", "POST", "/communes/69123/conventions", {
          kind,
          signatory: { name: "Maire de Lyon", quality: "maire" },
          signedOn: "2017-09-01",
          responsableCarte: { name: "Alice Martin", email: "alice@mairie-lyon.fr" },
          delegue: { name: "Bruno Petit", email: "bruno@mairie-lyon.fr" },
        });
        expect(submitted.status).toBe(201);
        expect(submitted.body.status).toBe("incomplete");
        const oneCopy = await call("ants", "POST", `/conventions/${submitted.body.id}/receipt`, {
          receipt: { channel: "post", copies: 1, receivedOn: "2017-09-05" },
        });
        expect(oneCopy.body.status).toBe("incomplete");
        expect(oneCopy.body.reasons[0]).toMatch(/two signed copies/);
        const early = await call("ants", "POST", `/conventions/${submitted.body.id}/validation`, {});
        expect(early.status).toBe(409);
        expect(early.body).toMatchObject({ code: "illegal-transition", state: "incomplete" });
        expect(
          (await call("ants", "POST", `/conventions/${submitted.body.id}/receipt`, { receipt: { channel: "post", copies: 2, receivedOn: "2017-09-06" } })).body
            .status,
        ).toBe("received");
        expect((await call("ants", "POST", `/conventions/${submitted.body.id}/validation`, {})).body.status).toBe("validated");
        conventions.push(submitted.body.id);
      }
      expect((await milestone("lyon", "69123", { milestone: "conventionsReceived", conventions })).status).toBe(403);
      expect((await milestone("ants", "69123", { milestone: "conventionsReceived", conventions })).status).toBe(201);
      expect((await milestone("ants", "69123", { milestone: "connectionTriggered" })).status).toBe(201);
      expect((await milestone("ants", "69123", { milestone: "handOverAppointment", appointmentOn: "2017-10-02", venue: "Préfecture du Rhône" })).status).toBe(
        201,
      );
      expect((await milestone("prefecture69", "69123", { milestone: "firstCards" })).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "autonomy" })).status).toBe(201);

      const refused = await milestone("lyon", "69123", { milestone: "editorContract", editor: "logiciel-etat-civil" });
      expect(refused.body.code).toBe("editor-not-found");
      expect(
        (await call("ants", "PUT", "/editors/logiciel-etat-civil", { name: "Logiciel État Civil", contactEmail: "contact@logiciel.fr", compatible: true }))
          .status,
      ).toBe(200);
      expect((await milestone("lyon", "69123", { milestone: "editorContract", editor: "logiciel-etat-civil" })).status).toBe(201);
      expect((await call("lyon", "POST", "/communes/69123/onboarding/training", { trainingOn: "2017-11-20" })).status).toBe(201);
      expect((await milestone("otherEditor", "69123", { milestone: "installation" })).body.code).toBe("editor-not-contracted");
      expect((await milestone("editor", "69123", { milestone: "installation" })).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "specimenRequests" })).status).toBe(201);
      expect((await milestone("editor", "69123", { milestone: "trainingAndTest", trainedBy: "editor" })).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "connectionDate", connectionOn: "2018-10-15" })).status).toBe(201);
      const connected = await milestone("ants", "69123", { milestone: "connected" });
      expect(connected.status).toBe(201);
      expect(connected.body.status).toMatchObject({ connected: true, late: false, next: [], blocked: [] });
      expect(connected.body.status.done).toHaveLength(13);

      const listed = await call("ants", "GET", "/communes?reached=connected");
      expect(listed.body.items.map((item: { code: string }) => item.code)).toEqual(["69123"]);
    });

    it("walks a voluntary commune, for which the census does not apply", async () => {
      const census = await milestone("paris", "75056", { milestone: "census" });
      expect(census.status).toBe(422);
      expect(census.body.code).toBe("milestone-not-applicable");
      const adhesion = await milestone("paris", "75056", { milestone: "adhesion" });
      expect(adhesion.status).toBe(201);
      expect(adhesion.body.status.next.map((next: { milestone: string }) => next.milestone).sort()).toEqual(["conventionsReceived", "editorContract"]);
    });

    it("refuses an out-of-order milestone with a problem naming the missing prerequisite, and writes nothing", async () => {
      const before = await events("13055");
      const response = await milestone("ants", "13055", { milestone: "connected" });
      expect(response.status).toBe(409);
      expect(response.type).toBe("application/problem+json");
      expect(response.body).toMatchObject({ code: "milestone-prerequisite-missing", milestone: "connected", missing: ["connectionDate"] });
      expect(response.body.detail).toContain("connectionDate");
      expect(await events("13055")).toBe(before);
    });

    it("answers bad input with a clear problem and writes nothing", async () => {
      const before = await events("2A004");
      const malformed = await call("ants", "POST", "/communes/2A004/onboarding/milestones", undefined, "{not json");
      expect(malformed).toMatchObject({ status: 400, body: { code: "malformed-json" } });
      const wrongType = await call("ants", "POST", "/communes/2A004/onboarding/maternity", { hasMaternity: "yes", reference: "x" });
      expect(wrongType).toMatchObject({ status: 400, body: { code: "invalid-request" } });
      expect(wrongType.body.detail).not.toMatch(/at .*\.ts:\d+/);
      const unknownField = await call("ants", "POST", "/communes/2A004/onboarding/maternity", { hasMaternity: true, reference: "x", extra: 1 });
      expect(unknownField).toMatchObject({ status: 400, body: { code: "invalid-request" } });
      const unknown = await call("ants", "GET", "/communes/2A999");
      expect(unknown).toMatchObject({ status: 404, body: { code: "commune-not-found" } });
      const malformedCode = await call("ants", "GET", "/communes/20001");
      expect(malformedCode).toMatchObject({ status: 400, body: { code: "invalid-request" } });
      const oversized = await call("ants", "POST", "/communes/2A004/onboarding/maternity", { hasMaternity: true, reference: "x".repeat(App.maximumBodyBytes) });
      expect(oversized).toMatchObject({ status: 413, body: { code: "body-too-large" } });
      expect((await call("ants", "POST", "/communes/2A004/onboarding/maternity", { hasMaternity: true, reference: "ok", expectedVersion: 0 })).status).toBe(
        201,
      );
      const stale = await call("ants", "POST", "/communes/2A004/onboarding/maternity", { hasMaternity: false, reference: "late", expectedVersion: 0 });
      expect(stale).toMatchObject({ status: 409, body: { code: "stale-version" } });
      const late = await call("ants", "GET", "/communes/2A004");
      expect(late.body).toMatchObject({ underObligation: true, lateFrom: "2018-11-02", late: true });
      expect(await events("2A004")).toBe(before + 1);
    });

    it("keeps every actor inside its role and site", async () => {
      expect((await call(undefined, "GET", "/communes")).status).toBe(401);
      expect((await call("paris", "GET", "/communes/69123")).body.code).toBe("forbidden");
      expect((await call("paris", "GET", "/communes/69123/onboarding")).status).toBe(403);
      expect((await milestone("paris", "69266", { milestone: "adhesion" })).status).toBe(403);
      const ownListing = await call("paris", "GET", "/communes?limit=50");
      expect(ownListing.body.items.map((item: { code: string }) => item.code)).toEqual(["75056"]);
      const prefectureListing = await call("prefecture69", "GET", "/communes");
      expect(prefectureListing.body.items.map((item: { code: string }) => item.code)).toEqual(["69123", "69266"]);
      expect((await call("prefecture69", "GET", "/communes/75056")).status).toBe(403);
      expect((await call("lyon", "PUT", "/editors/x-editor", { name: "X", contactEmail: "x@x.fr", compatible: true })).status).toBe(403);
      expect((await call("lyon", "GET", "/dashboard")).status).toBe(403);
      const dashboard = await call("prefecture69", "GET", "/dashboard");
      expect(dashboard.body.areas.map((area: { area: string }) => area.area)).toEqual(["69"]);
    });

    it("never loses an event when conflicting writes race, and the audit trail verifies", async () => {
      await milestone("ants", "69266", { milestone: "adhesion" });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => milestone("ants", "69266", { milestone: "editorContract", editor: "logiciel-etat-civil" })),
      );
      expect(results.filter((result) => result.status === 201)).toHaveLength(1);
      expect(
        results.every((result) => result.status === 201 || result.body.code === "stale-version" || result.body.code === "milestone-already-recorded"),
      ).toBe(true);
      expect(await events("69266")).toBe(2);
      const report = await runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify));
      expect(report.valid).toBe(true);
    });

    it("serves an OpenAPI 3.1 document generated from the validating Schemas", async () => {
      const response = await app.request("/openapi.json");
      const document = (await response.json()) as any;
      expect(document.openapi).toBe("3.1.0");
      expect(Object.keys(document.paths)).toContain("/communes/{code}/onboarding/milestones");
      expect(JSON.stringify(document.paths["/communes/{code}/onboarding/maternity"].post.requestBody)).toContain("hasMaternity");
    });
  });
}
