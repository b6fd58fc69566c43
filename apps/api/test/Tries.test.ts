/**
 * Tries of a secret fired in parallel, over HTTP through the real app, on every persistence
 * adapter: twenty wrong activation codes cost exactly the tries the code allows and burn it, the
 * right code is refused after; twenty wrong secret-answer sets count exactly the failures allowed
 * and lock the questions. Nothing answers 5xx: each try is judged under the secret's row lock.
 */
import { Actor } from "@comedec/actor";
import { Secrets } from "@comedec/card";
import { Sealing } from "@comedec/card-agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as AtTheDesk from "./AtTheDesk.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

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
const parallel = 20;

for (const adapter of adapters) {
  describe(`tries of a secret in parallel over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};
    const ids = { alice: "", bruno: "", aliceCard: "", brunoCard: "", brunoCode: "" };

    const issue = (name: string, who: Actor.Actor) =>
      runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, Actor.platform, "bootstrap"))).then(({ token }) => {
        tokens[name] = token;
      });
    const at = AtTheDesk.onApp(app);
    const call = (who: string, method: string, path: string, body?: unknown) => at(tokens[who], method, path, body);
    const ok = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await call(who, method, path, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const audited = (stream: string, type: string) =>
      runtime
        .runPromise(
          RawSql.use((sql) =>
            Effect.promise(() => sql.query<{ n: number }>("SELECT count(*)::int AS n FROM event_log WHERE stream = $1 AND event_type = $2", [stream, type])),
          ),
        )
        .then((rows) => rows[0]?.n);
    // The agent's sealing key each hand-over names; the code is judged before anything is sealed for it.
    const agentKey = Sealing.make().publicKey;
    const handOver = (code: string) => ({
      activationCode: code,
      handOver: { document: { type: "carte-nationale-identite", number: "BF7654321" }, place: "mairie" },
      agentKey,
      reason: "remise à la mairie",
    });

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
      ids.aliceCard = (await ok("prefecture", "POST", "/cards", { holder: ids.alice, firstCard: "responsable-carte", reason: "première carte" })).id;
      ids.brunoCard = (await ok("prefecture", "POST", "/cards", { holder: ids.bruno, firstCard: "delegue", reason: "première carte" })).id;
      await ok("ants", "POST", "/communes/69266/connection", { reason: "lecteurs livrés" });
      for (const card of [ids.aliceCard, ids.brunoCard]) {
        const { serial } = await ok("ants", "POST", `/cards/${card}/production`, { reason: "commande au fabricant" });
        await ok("ants", "POST", `/cards/${card}/shipment`, { reason: "envoi à la préfecture" });
        await ok("prefecture", "POST", `/cards/${card}/receipt`, { serial, reason: "colis reçu" });
      }
      const letter = (card: string) => Letters.codeFromLetter((path, init) => app.request(path, init), tokens.ants as string, card);
      ids.brunoCode = await letter(ids.brunoCard);
      const aliceCode = await letter(ids.aliceCard);
      await ok("prefecture", "POST", `/cards/${ids.aliceCard}/personalisation-approval`, { reason: "vérification du dossier" });
      await ok("prefectureBis", "POST", `/cards/${ids.aliceCard}/personalisation-approval`, { reason: "second contrôle" });
      await ok("ants", "POST", "/communes/69266/onboarding/milestones", {
        evidence: { milestone: "handOverAppointment", reference: "rdv", appointmentOn: today, venue: "Préfecture du Rhône" },
      });
      const desk = await AtTheDesk.make(at, runtime);
      const published = await desk.publish(tokens.prefecture as string, ids.aliceCard, {
        activationCode: aliceCode,
        pin: "482915",
        handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "prefecture" },
        reason: "remise en main propre",
      });
      expect(published.body.status).toBe("active");
    }, 240_000);
    afterAll(() => runtime.dispose());

    it("counts exactly the tries an activation code allows, burns it, and refuses the right code after", async () => {
      const path = `/cards/${ids.brunoCard}/hand-over`;
      const wrong = "0000-0000-0000-0000";
      const tries = await Promise.all(Array.from({ length: parallel }, () => call("alice", "POST", path, handOver(wrong))));
      expect(tries.map((response) => `${response.status} ${response.body.code}`)).toEqual(Array(parallel).fill("422 activation-code-invalid"));
      const counted = tries.filter((response) => response.body.reason.startsWith("wrong code"));
      expect(counted.map((response) => response.body.attemptsLeft).sort()).toEqual([0, 1, 2, 3, 4].slice(0, Secrets.codeAttempts));
      expect(await audited(`activation-code:${ids.brunoCard}`, "ActivationCodeRejected")).toBe(Secrets.codeAttempts);
      const right = await call("alice", "POST", path, handOver(ids.brunoCode));
      expect({ status: right.status, code: right.body.code, attemptsLeft: right.body.attemptsLeft }).toEqual({
        status: 422,
        code: "activation-code-invalid",
        attemptsLeft: 0,
      });
      expect(await audited(`activation-code:${ids.brunoCard}`, "ActivationCodeRejected")).toBe(Secrets.codeAttempts);
      expect((await ok("alice", "GET", `/cards/${ids.brunoCard}`)).status).not.toBe("active");
    });

    it("counts exactly the wrong answer sets the questions allow, then locks them", async () => {
      await ok("alice", "PUT", `/holders/${ids.alice}/secret-questions`, { questions });
      const revocation = (answers: ReadonlyArray<string>) => ({
        revocationReason: "keyCompromise",
        answers: answers.map((answer, question) => ({ question, answer })),
        reason: "appel du porteur",
      });
      const path = `/cards/${ids.aliceCard}/revocation`;
      const tries = await Promise.all(Array.from({ length: parallel }, () => call("prefecture", "POST", path, revocation(["non", "non"]))));
      expect(tries.map((response) => `${response.status} ${response.body.code}`)).toEqual(Array(parallel).fill("403 secret-answers-refused"));
      expect(tries.filter((response) => response.body.reason === "wrong answers")).toHaveLength(Secrets.answerAttempts);
      expect(await audited(`secret-questions:${ids.alice}`, "SecretAnswersRejected")).toBe(Secrets.answerAttempts);
      const right = await call("prefecture", "POST", path, revocation(["ecole jean jaures", "saint etienne"]));
      expect({ status: right.status, code: right.body.code, locked: right.body.locked }).toEqual({ status: 403, code: "secret-answers-refused", locked: true });
      expect(await audited(`secret-questions:${ids.alice}`, "SecretAnswersAccepted")).toBe(0);
      expect((await ok("alice", "GET", `/cards/${ids.aliceCard}`)).status).toBe("active");
    });
  });
}
