import { Actor } from "@comedec/actor";
import { Commune, type InseeCode, Onboarding } from "@comedec/commune";
import { Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
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
  commune("33063", "Bordeaux", "33", "75"),
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
      await issue("bordeaux", actor("rc-bordeaux", "commune-operator", { _tag: "commune", commune: "33063" }));
      await issue("prefecture33", actor("pref-33", "prefecture-operator", { _tag: "prefecture", departement: "33" as never }));
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
    const lastEvent = async (code: string) => (await call("ants", "GET", `/communes/${code}/onboarding/timeline`)).body.events.at(-1).event;
    const withdraw = (who: string, code: string, milestone: string, reason = "enregistré par erreur") =>
      call(who, "POST", `/communes/${code}/onboarding/milestones/${milestone}/withdrawal`, { reason });
    const move = (who: string, code: string, appointmentOn: string, venue: string) =>
      call(who, "POST", `/communes/${code}/onboarding/appointment/move`, { appointmentOn, venue, reference: "replanification", reason: "salle indisponible" });
    /**
     * A milestone recorded as the platform's operation records it (the publication of a first card,
     * the specimen file, the connection test: their own suites walk them over HTTP) — through the
     * same use case, without the API's `byHand`.
     */
    const byOperation = (who: Actor.Actor, code: string, evidence: Record<string, unknown>) =>
      runtime.runPromise(
        Effect.flatMap(Access.authorize(who, "onboarding.record", Access.communeTarget(code as InseeCode.InseeCode)), (grant) =>
          OnboardingUseCases.execute(grant, Onboarding.RecordMilestone.make({ evidence: { reference: "opération", ...evidence } as Onboarding.Evidence })),
        ),
      );
    const prefecture69 = actor("pref-69", "prefecture-operator", { _tag: "prefecture", departement: "69" as never });

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
      // The appointment moves before the hand-over, by the roles that record it; the timeline keeps both.
      expect((await move("lyon", "69123", "2017-10-09", "Mairie de Lyon")).body.code).toBe("milestone-role-not-allowed");
      const moved = await move("prefecture69", "69123", "2017-10-09", "Mairie de Lyon");
      expect(moved.status).toBe(201);
      expect(await lastEvent("69123")).toMatchObject({
        _tag: "AppointmentMoved",
        reason: "salle indisponible",
        previous: { appointmentOn: "2017-10-02", venue: "Préfecture du Rhône" },
        record: { evidence: { appointmentOn: "2017-10-09", venue: "Mairie de Lyon" }, by: { id: "pref-69" } },
      });
      expect((await move("prefecture69", "69123", "2017-10-09", "Mairie de Lyon")).body.code).toBe("appointment-not-movable");
      // The first cards are the publication's to record: by hand, refused, with nothing written.
      const before = await events("69123");
      const byHand = await milestone("prefecture69", "69123", { milestone: "firstCards" });
      expect(byHand).toMatchObject({ status: 409, body: { code: "milestone-recorded-by-operation", milestone: "firstCards" } });
      expect(byHand.body.detail).toContain("publication");
      expect(await events("69123")).toBe(before);
      await byOperation(prefecture69, "69123", { milestone: "firstCards" });
      expect((await move("prefecture69", "69123", "2017-10-16", "Préfecture du Rhône")).body).toMatchObject({
        status: 409,
        code: "appointment-not-movable",
      });
      expect((await milestone("lyon", "69123", { milestone: "autonomy" })).body.code).toBe("milestone-recorded-by-operation");
      await byOperation(actor("rc-lyon", "commune-operator", { _tag: "commune", commune: "69123" }), "69123", { milestone: "autonomy" });

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
      expect((await milestone("lyon", "69123", { milestone: "specimenRequests" })).body.code).toBe("milestone-recorded-by-operation");
      await byOperation(actor("rc-lyon", "commune-operator", { _tag: "commune", commune: "69123" }), "69123", { milestone: "specimenRequests" });
      expect((await milestone("editor", "69123", { milestone: "trainingAndTest", trainedBy: "editor" })).body.code).toBe("milestone-recorded-by-operation");
      await byOperation(Actor.platform, "69123", { milestone: "trainingAndTest", trainedBy: "editor" });
      // Under the obligation, the connection date is the deadline at the latest.
      const afterDeadline = await milestone("lyon", "69123", { milestone: "connectionDate", connectionOn: "2018-11-02" });
      expect(afterDeadline).toMatchObject({
        status: 422,
        body: { code: "connection-date-after-deadline", connectionOn: "2018-11-02", deadline: "2018-11-01" },
      });
      expect((await milestone("lyon", "69123", { milestone: "connectionDate", connectionOn: "2018-11-01" })).status).toBe(201);
      expect((await withdraw("lyon", "69123", "connectionDate", "date avancée")).status).toBe(201);
      expect((await milestone("lyon", "69123", { milestone: "connectionDate", connectionOn: "2018-10-15" })).status).toBe(201);
      const connected = await milestone("ants", "69123", { milestone: "connected" });
      expect(connected.status).toBe(201);
      expect(connected.body.status).toMatchObject({ connected: true, late: false, next: [], blocked: [] });
      expect(connected.body.status.done).toHaveLength(13);

      const listed = await call("ants", "GET", "/communes?reached=connected");
      expect(listed.body.items.map((item: { code: string }) => item.code)).toEqual(["69123"]);

      // Connected by mistake: withdrawn, the commune is late again — from the day after the date it
      // chose, before the deadline — and its listing follows.
      const withdrawn = await withdraw("ants", "69123", "connected", "raccordement confirmé par erreur : test en échec");
      expect(withdrawn.status).toBe(201);
      expect(withdrawn.body.status).toMatchObject({ connected: false, late: true, next: [{ milestone: "connected" }] });
      expect(withdrawn.body.status.overdue.map((due: { reason: string }) => due.reason).sort()).toEqual([
        "connection-date-passed",
        "connection-deadline-missed",
      ]);
      expect((await call("ants", "GET", "/communes/69123")).body).toMatchObject({ lateFrom: "2018-10-16", late: true });
      expect((await call("ants", "GET", "/communes?reached=connected")).body.items).toEqual([]);
      expect(await lastEvent("69123")).toMatchObject({
        _tag: "MilestoneWithdrawn",
        milestone: "connected",
        reason: "raccordement confirmé par erreur : test en échec",
        by: { id: "ants", role: "national-administrator" },
        withdrawn: { evidence: { milestone: "connected" } },
      });
      expect((await milestone("ants", "69123", { milestone: "connected" })).body.status).toMatchObject({ connected: true, late: false });
    });

    it("refuses by hand every milestone an operation of the platform records, and says so in the machine", async () => {
      const machine = (await call("ants", "GET", "/onboarding/machine")).body;
      const throughOperation = machine.milestones.filter((definition: { recordedThrough: string }) => definition.recordedThrough === "operation");
      expect(throughOperation.map((definition: { milestone: string }) => definition.milestone)).toEqual([
        "firstCards",
        "autonomy",
        "specimenRequests",
        "trainingAndTest",
      ]);
      const before = await events("13055");
      for (const definition of throughOperation as ReadonlyArray<{ milestone: string; operation: string }>) {
        const refused = await milestone("ants", "13055", {
          milestone: definition.milestone,
          ...(definition.milestone === "trainingAndTest" ? { trainedBy: "editor" } : {}),
        });
        expect(refused).toMatchObject({ status: 409, type: "application/problem+json", body: { code: "milestone-recorded-by-operation" } });
        expect(refused.body.operation).toBe(definition.operation);
      }
      expect(await events("13055")).toBe(before);
    });

    it("withdraws a milestone recorded by hand, by a role that records it, with the reason, and the status follows", async () => {
      expect((await call("ants", "POST", "/communes/33063/onboarding/maternity", { hasMaternity: true, reference: "recensement" })).status).toBe(201);
      for (const evidence of [{ milestone: "census" }, { milestone: "adhesion" }]) expect((await milestone("bordeaux", "33063", evidence)).status).toBe(201);
      expect((await milestone("bordeaux", "33063", { milestone: "editorContract", editor: "logiciel-etat-civil" })).status).toBe(201);
      const recorded = await events("33063");

      // Each refusal names why, and writes nothing.
      const operation = await withdraw("ants", "33063", "firstCards");
      expect(operation).toMatchObject({ status: 409, body: { code: "milestone-not-withdrawable", milestone: "firstCards" } });
      expect(operation.body.detail).toContain("not by hand");
      expect((await withdraw("ants", "33063", "adhesion")).body).toMatchObject({ code: "milestone-not-withdrawable", dependents: ["editorContract"] });
      expect((await withdraw("prefecture33", "33063", "editorContract")).body.code).toBe("milestone-role-not-allowed");
      expect((await withdraw("paris", "33063", "editorContract")).status).toBe(403);
      expect((await withdraw("bordeaux", "33063", "installation")).body).toMatchObject({ code: "milestone-not-withdrawable", dependents: [] });
      expect((await call("bordeaux", "POST", "/communes/33063/onboarding/milestones/editorContract/withdrawal", { reason: "" })).status).toBe(400);
      expect(await events("33063")).toBe(recorded);

      const withdrawn = await withdraw("bordeaux", "33063", "editorContract", "contrat signé avec un autre éditeur");
      expect(withdrawn.status).toBe(201);
      expect(withdrawn.body.status.done.map((entry: { milestone: string }) => entry.milestone)).toEqual(["census", "adhesion"]);
      expect(withdrawn.body.status.next.map((entry: { milestone: string }) => entry.milestone)).toContain("editorContract");
      expect((await call("ants", "GET", "/communes/33063")).body.reached).toEqual(["census", "adhesion"]);
      expect((await call("ants", "GET", "/communes?notReached=editorContract&departement=33")).body.items.map((item: { code: string }) => item.code)).toEqual([
        "33063",
      ]);
      expect(await lastEvent("33063")).toMatchObject({
        _tag: "MilestoneWithdrawn",
        milestone: "editorContract",
        reason: "contrat signé avec un autre éditeur",
        by: { id: "rc-bordeaux", role: "commune-operator", site: "commune:33063" },
        withdrawn: { evidence: { editor: "logiciel-etat-civil" }, by: { id: "rc-bordeaux" } },
      });
      expect((await withdraw("bordeaux", "33063", "editorContract")).body).toMatchObject({ code: "milestone-not-withdrawable" });
      // Recorded again once right.
      expect((await milestone("bordeaux", "33063", { milestone: "editorContract", editor: "logiciel-etat-civil" })).status).toBe(201);
      const trail = await runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify));
      expect(trail.valid).toBe(true);
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
