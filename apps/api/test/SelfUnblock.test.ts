/**
 * A holder unblocks their own PIN-blocked card at a distance (ADR 0018), over HTTP through the
 * real app and the card agent's real local interface, with no session: the platform reads the
 * card's serial from the agent, gives the holder's questions only when the holder set them
 * themselves, counts and burns wrong answer sets, narrows its binding to one card, records the
 * unblock as the holder's in the audit trail, and seals the PUK for the agent, where the holder
 * types the new PIN — which then opens a session.
 */
import { Actor } from "@comedec/actor";
import { Secrets } from "@comedec/card";
import { LocalInterface } from "@comedec/card-agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as AtTheDesk from "./AtTheDesk.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

const reference = [
  Commune.Commune.make({ code: "69266" as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 150_000 }),
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
];
const today = new Date().toISOString().slice(0, 10);
const actor = (id: string, role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id, name: id, role, site });
const registration = (birthName: string, givenName: string, number: string) => ({
  identity: { birthName, givenNames: [givenName], sex: "F", birthDate: "1981-02-03", placeOfBirth: { _tag: "commune", commune: "69123" } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: birthName.toUpperCase(), givenNames: [givenName], birthDate: "1981-02-03" },
    check: { by: "pref-69", on: today, faceToFace: true },
  },
  contact: { email: `${givenName.toLowerCase()}@mairie-villeurbanne.fr` },
  site: { _tag: "commune", commune: "69266" },
  profile: { _tag: "officer", basis: { _tag: "deputy" } },
  rights: ["receive-requests", "sign-responses", "operate-cards"],
});
const questions = [
  { question: "Nom de votre première école ?", answer: "École Jean-Jaurès" },
  { question: "Ville de naissance de votre mère ?", answer: "Saint-Étienne" },
  { question: "Prénom de votre premier animal ?", answer: "Filou" },
  { question: "Marque de votre première voiture ?", answer: "Renault" },
];
const right = [
  { question: 1, answer: "saint etienne" },
  { question: 3, answer: "RENAULT" },
];
const wrong = [
  { question: 0, answer: "Victor Hugo" },
  { question: 2, answer: "Médor" },
];
const payloadOf = (statement: string) => JSON.parse(Buffer.from(statement.split(".")[0] as string, "base64url").toString("utf8"));

for (const adapter of adapters) {
  describe(`a holder's own unblock at a distance over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};
    const ids = { alice: "", bruno: "", aliceCard: "", brunoCard: "", aliceSerial: "", brunoSerial: "" };
    let desk: AtTheDesk.Desk;

    const issue = (name: string, who: Actor.Actor) =>
      runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, Actor.platform, "bootstrap"))).then(({ token }) => {
        tokens[name] = token;
      });
    const at = AtTheDesk.onApp(app);
    const ok = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await at(tokens[who], method, path, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const events = (stream: string, type: string) =>
      runtime.runPromise(
        RawSql.use((sql) =>
          Effect.promise(() =>
            sql.query<{ actor_id: string; payload: { reason?: string; holderAuthentication?: string } }>(
              "SELECT actor_id, payload FROM event_log WHERE stream = $1 AND event_type = $2 ORDER BY position",
              [stream, type],
            ),
          ),
        ),
      );
    /** The page's request to the agent, as the console sends it. */
    const atAgent = async (path: string, pairing: string, body: unknown) => {
      const response = await desk.agent.request(path, {
        method: "POST",
        headers: { host: "127.0.0.1:7300", origin: AtTheDesk.consoleOrigin, "content-type": "application/json", [LocalInterface.pairingHeader]: pairing },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    /** Steps 1 and 2 of the walk: a binding with its pairing, the agent's sealing key, and the cards it reads. */
    const started = async () => {
      const start = await at(undefined, "POST", "/card-agent/self-unblock", { origin: AtTheDesk.consoleOrigin });
      expect(start.status).toBe(201);
      const paired = await atAgent("/v1/pairing", start.body.pairing, {});
      expect(paired.status).toBe(200);
      const cards = await atAgent("/v1/cards", start.body.pairing, { ticket: start.body.ticket });
      expect(cards.status).toBe(200);
      return {
        binding: start.body.binding as string,
        pairing: start.body.pairing as string,
        agentKey: paired.body.sealingKey.publicKey as string,
        cards: cards.body.cards as ReadonlyArray<{ serial: string; pin: { locked: boolean } }>,
      };
    };
    const lock = async (serial: string) => {
      await desk.signIn(serial, "000001");
      await desk.signIn(serial, "000002");
      const last = await desk.signIn(serial, "000003", { finalTry: true });
      expect(last.body.code).toBe("pin-locked");
    };

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      await issue("ants", actor("ants", "national-administrator", { _tag: "national" }));
      await issue("prefecture", actor("pref-69", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await issue("prefectureBis", actor("pref-69-bis", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await ok("ants", "POST", "/communes/69266/onboarding/milestones", { evidence: { milestone: "adhesion", reference: "formulaire" } });
      const conventions: Array<string> = [];
      for (const kind of ["CARTES", "COMEDEC"]) {
        const submitted = await ok("ants", "POST", "/communes/69266/conventions", {
          kind,
          signatory: { name: "Maire de Villeurbanne", quality: "maire" },
          signedOn: today,
          responsableCarte: { name: "Alice Roux", email: "alice@mairie-villeurbanne.fr" },
          delegue: { name: "Bruno Faure", email: "bruno@mairie-villeurbanne.fr" },
        });
        await ok("ants", "POST", `/conventions/${submitted.id}/receipt`, { receipt: { channel: "email", copies: 1, receivedOn: today } });
        await ok("ants", "POST", `/conventions/${submitted.id}/validation`, {});
        conventions.push(submitted.id);
      }
      await ok("ants", "POST", "/communes/69266/onboarding/milestones", { evidence: { milestone: "conventionsReceived", reference: "courriel", conventions } });
      ids.alice = (await ok("prefecture", "POST", "/agents", registration("Roux", "Alice", "AR1234567"))).id;
      ids.bruno = (await ok("prefecture", "POST", "/agents", registration("Faure", "Bruno", "BF7654321"))).id;
      await issue("alice", actor(ids.alice, "commune-operator", { _tag: "commune", commune: "69266" }));
      await issue("colleague", actor("colleague-69266", "commune-operator", { _tag: "commune", commune: "69266" }));
      ids.aliceCard = (await ok("prefecture", "POST", "/cards", { holder: ids.alice, firstCard: "responsable-carte", reason: "première carte" })).id;
      ids.brunoCard = (await ok("prefecture", "POST", "/cards", { holder: ids.bruno, firstCard: "delegue", reason: "première carte" })).id;
      await ok("ants", "POST", "/communes/69266/connection", { reason: "lecteurs livrés" });
      for (const card of [ids.aliceCard, ids.brunoCard]) {
        const { serial } = await ok("ants", "POST", `/cards/${card}/production`, { reason: "commande au fabricant" });
        await ok("ants", "POST", `/cards/${card}/shipment`, { reason: "envoi à la préfecture" });
        await ok("prefecture", "POST", `/cards/${card}/receipt`, { serial, reason: "colis reçu" });
        if (card === ids.aliceCard) ids.aliceSerial = serial;
        else ids.brunoSerial = serial;
      }
      const aliceCode = await Letters.codeFromLetter((path, init) => app.request(path, init), tokens.ants as string, ids.aliceCard);
      await ok("prefecture", "POST", `/cards/${ids.aliceCard}/personalisation-approval`, { reason: "vérification du dossier" });
      await ok("prefectureBis", "POST", `/cards/${ids.aliceCard}/personalisation-approval`, { reason: "second contrôle" });
      await ok("ants", "POST", "/communes/69266/onboarding/milestones", {
        evidence: { milestone: "handOverAppointment", reference: "rdv", appointmentOn: today, venue: "Préfecture du Rhône" },
      });
      desk = await AtTheDesk.make(at, runtime);
      const published = await desk.publish(tokens.prefecture as string, ids.aliceCard, {
        activationCode: aliceCode,
        pin: "482915",
        handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "prefecture" },
        reason: "remise en main propre",
      });
      expect(published.body.status).toBe("active");
      await lock(ids.aliceSerial);
    }, 240_000);
    afterAll(() => runtime.dispose());

    it("reads the locked card at the agent, but refuses questions an operator set: that operator could answer them", async () => {
      const walk = await started();
      expect(walk.cards.find((card) => card.serial === ids.aliceSerial)?.pin.locked).toBe(true);
      // Her colleague, the site's other operator, sets them for her.
      await ok("colleague", "PUT", `/holders/${ids.alice}/secret-questions`, { questions });
      const asked = await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding: walk.binding, serial: ids.aliceSerial });
      expect({ status: asked.status, code: asked.body.code }).toEqual({ status: 403, code: "self-unblock-refused" });
      expect(asked.body.reason).toContain("set by someone else");
      expect(JSON.stringify(asked.body)).not.toContain(ids.alice);
      // No answer is judged, so none is counted.
      expect(await events(`secret-questions:${ids.alice}`, "SecretAnswersRejected")).toHaveLength(0);
    });

    it("refuses an unknown serial, a forged binding and a binding with no card the same way, naming no holder", async () => {
      const walk = await started();
      const unknown = await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding: walk.binding, serial: "NOPE0000" });
      expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 403, code: "self-unblock-refused" });
      const [part, signature] = walk.binding.split(".");
      const forgedPart = Buffer.from(JSON.stringify({ ...payloadOf(walk.binding), card: ids.aliceSerial }), "utf8").toString("base64url");
      const forged = await at(undefined, "POST", "/card-agent/self-unblock/ticket", {
        binding: `${forgedPart}.${signature}`,
        answers: right,
        agentKey: walk.agentKey,
      });
      expect({ status: forged.status, code: forged.body.code, reason: forged.body.reason }).toEqual({
        status: 403,
        code: "self-unblock-refused",
        reason: "the binding is not the platform's",
      });
      const cardless = await at(undefined, "POST", "/card-agent/self-unblock/ticket", {
        binding: `${part}.${signature}`,
        answers: right,
        agentKey: walk.agentKey,
      });
      expect(cardless.body.reason).toContain("names no card yet");
    });

    it("counts a wrong answer set, narrows the binding to one card, and unblocks the holder's card with her answers: the PIN typed at the agent only", async () => {
      // Alice sets her own questions from her session: now they are hers.
      await ok("alice", "PUT", `/holders/${ids.alice}/secret-questions`, { questions });
      const walk = await started();
      const asked = await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding: walk.binding, serial: ids.aliceSerial });
      expect(asked.status).toBe(200);
      expect(asked.body.questions).toEqual(questions.map((entry) => entry.question));
      expect(asked.body.asked).toBe(Secrets.questionsAsked);
      const binding = asked.body.binding as string;
      expect(payloadOf(binding)).toMatchObject({ kind: "self-unblock", card: ids.aliceSerial, session: payloadOf(walk.binding).session });

      // The binding is this card's now: another card's questions are refused with it.
      const other = await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding, serial: ids.brunoSerial });
      expect({ status: other.status, code: other.body.code, reason: other.body.reason }).toEqual({
        status: 403,
        code: "self-unblock-refused",
        reason: "the binding was narrowed to another card",
      });

      const missed = await at(undefined, "POST", "/card-agent/self-unblock/ticket", { binding, answers: wrong, agentKey: walk.agentKey });
      expect({ status: missed.status, code: missed.body.code, reason: missed.body.reason, holder: missed.body.holder }).toEqual({
        status: 403,
        code: "secret-answers-refused",
        reason: "wrong answers",
        holder: "",
      });
      expect(await events(`secret-questions:${ids.alice}`, "SecretAnswersRejected")).toHaveLength(1);
      expect((await ok("alice", "GET", `/cards/${ids.aliceCard}`)).status).toBe("active");

      const issued = await at(undefined, "POST", "/card-agent/self-unblock/ticket", { binding, answers: right, agentKey: walk.agentKey });
      expect(issued.status).toBe(201);
      expect(JSON.stringify(issued.body)).not.toMatch(/"(pin|puk|newPin)"/);
      const ticket = payloadOf(issued.body.ticket);
      expect(ticket).toMatchObject({ kind: "ticket", operation: "unblock", card: ids.aliceSerial, session: payloadOf(binding).session });
      // Recorded as the holder's own unblock, by her secret answers, the block the agent saw first.
      const card = await ok("alice", "GET", `/cards/${ids.aliceCard}`);
      expect(card.status).toBe("active");
      const unblocked = await events(`card:${ids.aliceCard}`, "CardUnblocked");
      expect(unblocked.map((event) => ({ actor: event.actor_id, how: event.payload.holderAuthentication }))).toEqual([
        { actor: ids.alice, how: "secret-answers" },
      ]);
      expect((await events(`card:${ids.aliceCard}`, "CardPinBlocked")).map((event) => event.actor_id)).toEqual([ids.alice]);
      expect(await events(`secret-questions:${ids.alice}`, "SecretAnswersAccepted")).toHaveLength(1);

      // The ticket opens under this walk's pairing only, not another session's.
      const stranger = await started();
      const elsewhere = await atAgent("/v1/unblock", stranger.pairing, { ticket: issued.body.ticket, newPin: "135790" });
      expect(elsewhere.body.code).toBe("agent-ticket-other-session");
      const done = await atAgent("/v1/unblock", walk.pairing, { ticket: issued.body.ticket, newPin: "135790" });
      expect(done.status).toBe(200);
      const session = await desk.signIn(ids.aliceSerial, "135790");
      expect(session.token).toBeDefined();
    });

    it("burns the questions after three wrong sets: the right answers are refused after, and the card stays as it was", async () => {
      await lock(ids.aliceSerial);
      const walk = await started();
      const binding = (await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding: walk.binding, serial: ids.aliceSerial })).body
        .binding as string;
      const before = (await events(`secret-questions:${ids.alice}`, "SecretAnswersRejected")).length;
      for (let index = 0; index < Secrets.answerAttempts; index++) {
        const missed = await at(undefined, "POST", "/card-agent/self-unblock/ticket", { binding, answers: wrong, agentKey: walk.agentKey });
        expect(missed.body.code).toBe("secret-answers-refused");
      }
      expect((await events(`secret-questions:${ids.alice}`, "SecretAnswersRejected")).length - before).toBe(Secrets.answerAttempts);
      const late = await at(undefined, "POST", "/card-agent/self-unblock/ticket", { binding, answers: right, agentKey: walk.agentKey });
      expect({ status: late.status, code: late.body.code, locked: late.body.locked }).toEqual({ status: 403, code: "secret-answers-refused", locked: true });
      const asked = await at(undefined, "POST", "/card-agent/self-unblock/questions", { binding, serial: ids.aliceSerial });
      expect({ code: asked.body.code, locked: asked.body.locked }).toEqual({ code: "secret-answers-refused", locked: true });
      expect(await events(`card:${ids.aliceCard}`, "CardUnblocked")).toHaveLength(1);
    });
  });
}
