/**
 * Signed responses through the real app, on every persistence adapter: an officer of the commune
 * answering with the signature key of their card is accepted once; a response signed with the
 * authentication key, by an agent profile, by an officer of another commune, with a revoked card,
 * or changed after signing is rejected with the rule it breaks — and the request stays waiting.
 */
import { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import { Commune, type InseeCode, Onboarding } from "@comedec/commune";
import { Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { ExchangeStore, type Response, Specimen } from "@comedec/exchange";
import { ExchangeClient } from "@comedec/exchange-client";
import { adapters } from "@comedec/persistence/testing";
import { Authority } from "@comedec/pki";
import { Access, Tokens } from "@comedec/rgs";
import { Cades } from "@comedec/signed-message";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as AtTheDesk from "./AtTheDesk.js";
import { client, today, triggerConnection } from "./Routes.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

const lyon = "69123" as InseeCode.InseeCode;
const villeurbanne = "69266" as InseeCode.InseeCode;
const pin = "482915";
const ants = Actor.Actor.make({ id: "ants-exchange", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operatorOf = (commune: string) =>
  Actor.Actor.make({ id: `rc-${commune}`, name: `Responsable carte ${commune}`, role: "commune-operator", site: { _tag: "commune", commune } });
const deputyOf = (commune: string) =>
  Actor.Actor.make({ id: `delegue-${commune}`, name: `Délégué ${commune}`, role: "commune-operator", site: { _tag: "commune", commune } });

const registration = (commune: string, number: string, profile: unknown, rights: ReadonlyArray<string>) => ({
  identity: { birthName: `Martin${number.slice(0, 2)}`, givenNames: ["Claire"], sex: "F", birthDate: "1985-04-05", placeOfBirth: { _tag: "commune", commune } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: `MARTIN${number.slice(0, 2)}`, givenNames: ["Claire"], birthDate: "1985-04-05" },
    check: { by: "ants-exchange", on: today, faceToFace: true },
  },
  contact: { email: `claire.${number.toLowerCase()}@mairie.fr` },
  site: { _tag: "commune", commune },
  profile,
  rights,
});
const officer = { _tag: "officer", basis: { _tag: "deputy" } };

const file: Specimen.SpecimenFile = {
  acts: [
    { actType: "birth", actDate: "2001-03-04", reference: "N-1", persons: [{ birthName: "DUPONT", givenNames: ["Léa"], birthDate: "2001-03-04" }] },
    { actType: "death", actDate: "2020-11-30", reference: "D-7", persons: [{ birthName: "BLANC", givenNames: ["Jean"], birthDate: "1931-02-03" }] },
  ],
};

for (const adapter of adapters) {
  describe(`signed responses over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { call, ok } = client(app);
    /** The platform as the console page calls it, with a token or none (the desk's sign-in). */
    const at: AtTheDesk.PlatformCall = async (token, method, path, body) => {
      const response = await app.request(path, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    let desk: AtTheDesk.Desk;
    const tokens: Record<string, string> = {};
    const serials: Record<string, string> = {};
    const cards: Record<string, string> = {};
    let requests: ReadonlyArray<Specimen.Planned> = [];
    let issuing: Uint8Array = new Uint8Array();

    /** An agent registered, and their card made and handed over with its code; the card's serial. */
    const cardFor = async (name: string, commune: string, number: string, profile: unknown, rights: ReadonlyArray<string>) => {
      const operator = `rc-${commune}`;
      const holder = (await ok(tokens.ants as string, "POST", "/agents", registration(commune, number, profile, rights))).id as string;
      const card = (await ok(tokens[operator] as string, "POST", "/cards", { holder, reason: "nouvelle carte" })).id as string;
      const serial = (await ok(tokens.ants as string, "POST", `/cards/${card}/production`, { reason: "fabrication" })).serial as string;
      await ok(tokens.ants as string, "POST", `/cards/${card}/shipment`, { reason: "envoi" });
      await ok(tokens[operator] as string, "POST", `/cards/${card}/receipt`, { serial, reason: "reçue" });
      const code = await Letters.codeFromLetter((path, init) => app.request(path, init), tokens.ants as string, card);
      // The responsable carte ordered the card: the délégué approves it first, from their own session.
      await ok(tokens[`delegue-${commune}`] as string, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
      // Handed over at the mairie's desk through the card agent: the holder types the PIN there.
      const published = await desk.publish(tokens[operator] as string, card, {
        activationCode: code,
        pin,
        handOver: { document: { type: "carte-nationale-identite", number }, place: "mairie" },
        reason: "remise",
      });
      expect(published.body.status, JSON.stringify(published.body)).toBe("active");
      serials[name] = serial;
      cards[name] = card;
    };

    const answerOf = (planned: Specimen.Planned): Response.Response => ({
      request: planned.request.id,
      commune: planned.request.commune,
      outcome: Specimen.answer(file, planned.request.commune, planned.request),
    });
    const signedBy = (name: string, response: Response.Response) =>
      runtime.runPromise(ExchangeClient.signResponse(response, { serial: serials[name] as string, pin }, [issuing]));
    const send = (commune: string, request: string, signed: Uint8Array) =>
      call(tokens[`rc-${commune}`] as string, "POST", `/communes/${commune}/requests/${request}/response`, { signed: Buffer.from(signed).toString("base64") });
    const rejection = async (signed: Uint8Array, request = requests[0] as Specimen.Planned) => {
      const response = await send(lyon, request.request.id, signed);
      expect({ status: response.status, type: response.type, code: response.body.code }).toEqual({
        status: 422,
        type: "application/problem+json",
        code: "response-rejected",
      });
      return { rule: response.body.rule as string, detail: response.body.detail as string };
    };

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) =>
          Directory.importReference(grant, [
            Commune.Commune.make({ code: lyon, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
            Commune.Commune.make({ code: villeurbanne, name: "Villeurbanne", departement: "69" as never, region: "84", population: 1 }),
          ]),
        ),
      );
      for (const actor of [ants, operatorOf(lyon), operatorOf(villeurbanne), deputyOf(lyon), deputyOf(villeurbanne)]) {
        tokens[actor.id] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
      }
      tokens.ants = tokens[ants.id] as string;
      desk = await AtTheDesk.make(at, runtime);
      await cardFor("officer", lyon, "OF1111111", officer, ["receive-requests", "sign-responses"]);
      await cardFor("agent", lyon, "AG2222222", { _tag: "agent" }, ["receive-requests"]);
      await cardFor("neighbour", villeurbanne, "NE3333333", officer, ["receive-requests", "sign-responses"]);
      await cardFor("revoked", lyon, "RE4444444", officer, ["receive-requests", "sign-responses"]);
      await cardFor("later", lyon, "LA5555555", officer, ["receive-requests", "sign-responses"]);
      issuing = await runtime.runPromise(Effect.map(Authority.CaCertificates, (certificates) => certificates.issuing));
      // Lyon's specimen requests, kept as the upload keeps them (its onboarding is not the point here).
      requests = Specimen.plan(file, lyon, new Date(Date.now() - 60_000), () => globalThis.crypto.randomUUID());
      await runtime.runPromise(ExchangeStore.use((store) => store.putSpecimenFile(lyon, file, requests, ants)));
    }, 180_000);
    afterAll(() => runtime.dispose());

    it("rejects a response signed with the card's authentication key", async () => {
      const response = answerOf(requests[0] as Specimen.Planned);
      const signed = await runtime.runPromise(
        Effect.gen(function* () {
          const driver = yield* SmartCards;
          const serial = serials.officer as string;
          const certificate = yield* driver.readCertificate(serial, "authentication");
          yield* driver.login(serial, pin);
          const bytes = new TextEncoder().encode(JSON.stringify(response));
          return yield* Cades.sign(bytes, {
            certificate,
            chain: [issuing],
            signingTime: new Date(),
            sign: (data) => driver.sign(serial, "authentication", data),
          });
        }),
      );
      expect(await rejection(signed)).toEqual({
        rule: "exchange.signature-key",
        detail: "signed with the card's authentication key: a response is signed with its signature key",
      });
    });

    it("rejects a response signed by an agent d'état civil, who prepares but never signs", async () => {
      expect((await rejection(await signedBy("agent", answerOf(requests[0] as Specimen.Planned)))).rule).toBe("exchange.signer-profile");
    });

    it("rejects a response signed by an officer of another commune", async () => {
      const rejected = await rejection(await signedBy("neighbour", answerOf(requests[0] as Specimen.Planned)));
      expect(rejected).toEqual({ rule: "exchange.signer-site", detail: "the signer is an officer of commune 69266, not of 69123" });
    });

    it("rejects a response signed with a card revoked before the signature", async () => {
      await ok(tokens[`rc-${lyon}`] as string, "POST", `/cards/${cards.revoked}/revocation`, { revocationReason: "keyCompromise", reason: "carte perdue" });
      const rejected = await rejection(await signedBy("revoked", answerOf(requests[0] as Specimen.Planned)));
      expect(rejected.rule).toBe("exchange.certificate");
      expect(rejected.detail).toMatch(/^the signer's certificate is revoked \(keyCompromise\) on .+, before the signature$/);
    });

    it("rejects a response changed after signing, or signed for another request", async () => {
      const signed = await signedBy("officer", answerOf(requests[0] as Specimen.Planned));
      const tampered = Uint8Array.from(signed);
      const at = Buffer.from(tampered).indexOf(Buffer.from('"verified"'));
      tampered.set(new TextEncoder().encode('"VERIFIED"'), at);
      expect((await rejection(tampered)).rule).toBe("exchange.signature");
      expect((await rejection(signed, requests[1] as Specimen.Planned)).rule).toBe("exchange.content");
      // Nothing rejected was kept: the request still waits.
      const waiting = (await ok(tokens[`rc-${lyon}`] as string, "GET", `/communes/${lyon}/requests`)).items as ReadonlyArray<{ id: string }>;
      expect(waiting.map((request) => request.id)).toContain(requests[0]?.request.id);
    });

    it("accepts the officer's response once, and tells a wrong answer from a right one", async () => {
      const first = requests[0] as Specimen.Planned;
      const signed = await signedBy("officer", answerOf(first));
      // Another commune's operator cannot answer Lyon's request, nor see it.
      expect((await send(villeurbanne, first.request.id, signed)).body.code).toBe("verification-request-not-found");
      const accepted = await send(lyon, first.request.id, signed);
      expect(accepted.status).toBe(201);
      expect(accepted.body).toMatchObject({ request: first.request.id, outcome: "verified", specimen: { correct: true }, test: { total: 3, answered: 1 } });
      expect((await send(lyon, first.request.id, signed)).body).toMatchObject({ status: 409, code: "already-answered" });

      const second = requests[1] as Specimen.Planned;
      const wrong = await send(lyon, second.request.id, await signedBy("officer", { ...answerOf(second), outcome: { _tag: "verified" } }));
      expect(wrong.body).toMatchObject({ specimen: { correct: false, expected: second.expected }, test: { correct: 1, passed: false } });
      const standing = await ok(tokens[`rc-${lyon}`] as string, "GET", `/communes/${lyon}/connection-test`);
      expect(standing).toEqual({ total: 3, answered: 2, correct: 1, passed: false });
    });

    it("accepts a response signed before its card was revoked: the status at signing time is what counts", async () => {
      const third = requests[2] as Specimen.Planned;
      const signed = await signedBy("later", answerOf(third));
      // Signing times have whole seconds: the revocation comes in a later second.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await ok(tokens[`rc-${lyon}`] as string, "POST", `/cards/${cards.later}/revocation`, { revocationReason: "cessationOfOperation", reason: "départ" });
      const accepted = await send(lyon, third.request.id, signed);
      expect(accepted.status).toBe(201);
      expect(accepted.body).toMatchObject({ outcome: "not-found", specimen: { correct: true } });
    });

    it("takes a specimen answered wrong again, without a new file; the test passed waits for the first cards, then is recorded", async () => {
      const second = requests[1] as Specimen.Planned;
      const operator = tokens[`rc-${lyon}`] as string;
      // Answered wrong above: it waits again, and only it.
      const waiting = (await ok(operator, "GET", `/communes/${lyon}/requests`)).items as ReadonlyArray<{ id: string }>;
      expect(waiting.map((request) => request.id)).toEqual([second.request.id]);
      const right = await send(lyon, second.request.id, await signedBy("officer", answerOf(second)));
      expect(right.status).toBe(201);
      // Lyon's onboarding has neither its specimen file's milestone nor its first cards: the pass is kept.
      expect(right.body).toMatchObject({
        specimen: { correct: true },
        test: { total: 3, answered: 3, correct: 3, passed: true, milestone: "recorded once specimenRequests, firstCards are recorded" },
      });
      expect((await send(lyon, second.request.id, await signedBy("officer", answerOf(second)))).body.code).toBe("already-answered");
      expect((await ok(operator, "GET", `/communes/${lyon}/requests`)).items).toEqual([]);
      const kept = await ok(tokens.ants as string, "GET", `/communes/${lyon}/onboarding`);
      expect(kept.status.testPassedAt).toEqual(expect.any(String));
      expect(kept.status.done.map((entry: { milestone: string }) => entry.milestone)).not.toContain("trainingAndTest");

      // The onboarding catches up: the card track by hand, then the two milestones operations record.
      await triggerConnection(ok, tokens.ants as string, lyon);
      const evidence = (milestone: string, fields: Record<string, unknown> = {}) => ({ evidence: { milestone, reference: "r", ...fields } });
      await ok(
        tokens.ants as string,
        "POST",
        `/communes/${lyon}/onboarding/milestones`,
        evidence("handOverAppointment", { appointmentOn: today, venue: "Préfecture" }),
      );
      await ok(tokens.ants as string, "PUT", "/editors/logiciel-etat-civil", { name: "Logiciel", contactEmail: "contact@logiciel.fr", compatible: true });
      await ok(tokens.ants as string, "POST", `/communes/${lyon}/onboarding/milestones`, evidence("editorContract", { editor: "logiciel-etat-civil" }));
      await ok(tokens.ants as string, "POST", `/communes/${lyon}/onboarding/milestones`, evidence("installation"));
      // As the file's upload and the first card's publication record them (their own suites walk those).
      const operation = (milestone: "specimenRequests" | "firstCards") =>
        runtime.runPromise(
          Effect.flatMap(Access.authorize(ants, "onboarding.record", Access.communeTarget(lyon)), (grant) =>
            OnboardingUseCases.execute(grant, Onboarding.RecordMilestone.make({ evidence: { milestone, reference: "opération" } })),
          ),
        );
      expect((await operation("specimenRequests")).status.done.map((entry) => entry.milestone)).not.toContain("trainingAndTest");
      const caughtUp = await operation("firstCards");
      expect(caughtUp.status.done.map((entry) => entry.milestone)).toEqual(expect.arrayContaining(["firstCards", "trainingAndTest"]));
      expect(caughtUp.status.testPassedAt).toBeUndefined();
      const timeline = (await ok(tokens.ants as string, "GET", `/communes/${lyon}/onboarding/timeline`)).events as ReadonlyArray<{ event: any }>;
      expect(timeline.map((entry) => entry.event._tag)).toContain("ConnectionTestPassed");
      expect(timeline.at(-1)?.event).toMatchObject({
        _tag: "MilestoneRecorded",
        record: { by: { id: "system" }, evidence: { milestone: "trainingAndTest", trainedBy: "editor" } },
      });
    });

    it("drops a pass kept for the first cards when a new specimen file restarts the test", async () => {
      const ants_ = tokens.ants as string;
      await triggerConnection(ok, ants_, villeurbanne);
      const evidence = (milestone: string, fields: Record<string, unknown> = {}) => ({ evidence: { milestone, reference: "r", ...fields } });
      await ok(
        ants_,
        "POST",
        `/communes/${villeurbanne}/onboarding/milestones`,
        evidence("handOverAppointment", { appointmentOn: today, venue: "Préfecture" }),
      );
      await ok(ants_, "POST", `/communes/${villeurbanne}/onboarding/milestones`, evidence("editorContract", { editor: "logiciel-etat-civil" }));
      await ok(ants_, "POST", `/communes/${villeurbanne}/onboarding/milestones`, evidence("installation"));
      const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
      await ok(ants_, "POST", `/communes/${villeurbanne}/onboarding/training`, { trainingOn: inTenDays });
      await ok(tokens[`rc-${villeurbanne}`] as string, "POST", `/communes/${villeurbanne}/specimen-file`, file);
      // The test passed (as its last right answer records it), before the first cards: kept.
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "onboarding.record", Access.communeTarget(villeurbanne)), (grant) =>
          OnboardingUseCases.execute(grant, Onboarding.RecordConnectionTestPassed.make({ reference: "test", trainedBy: "editor" })),
        ),
      );
      expect((await ok(ants_, "GET", `/communes/${villeurbanne}/onboarding`)).status.testPassedAt).toEqual(expect.any(String));
      // A new file: its requests wait, and the pass kept from the previous file goes.
      await ok(tokens[`rc-${villeurbanne}`] as string, "POST", `/communes/${villeurbanne}/specimen-file`, file);
      expect((await ok(ants_, "GET", `/communes/${villeurbanne}/onboarding`)).status.testPassedAt).toBeUndefined();
      const timeline = (await ok(ants_, "GET", `/communes/${villeurbanne}/onboarding/timeline`)).events as ReadonlyArray<{ event: { _tag: string } }>;
      expect(timeline.at(-1)?.event._tag).toBe("ConnectionTestReset");
      const caughtUp = await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "onboarding.record", Access.communeTarget(villeurbanne)), (grant) =>
          OnboardingUseCases.execute(grant, Onboarding.RecordMilestone.make({ evidence: { milestone: "firstCards", reference: "opération" } })),
        ),
      );
      expect(caughtUp.status.done.map((entry) => entry.milestone)).not.toContain("trainingAndTest");
    });
  });
}
