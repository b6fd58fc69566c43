/**
 * The whole life of a commune's first two cards and of a later card, over HTTP through the real
 * app, on every persistence adapter: connection triggered, order, production, shipping, receipt,
 * hand-over and activation at the desk through the card agent (with its refusals, a race and a
 * resumption), PIN locked at the agent after three wrong PINs and recorded, unblock on secret
 * answers, certificate renewal, a holder's renewal request validated by an operator, revocation,
 * tracking views, and the onboarding milestones these events advance. PINs are typed at the agent
 * only (AtTheDesk): no request to the platform carries one.
 */
import { Actor } from "@comedec/actor";
import { CardNotifications, CertificateRegistry } from "@comedec/card";
import { Sealing } from "@comedec/card-agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { ActivationLetters } from "@comedec/pgca";
import { Access, Audit, Tokens } from "@comedec/rgs";
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
const system = Actor.platform;

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

for (const adapter of adapters) {
  describe(`the card platform over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};
    const ids = { alice: "", bruno: "", aliceCard: "", brunoCard: "", brunoNewCard: "" };

    const issue = (name: string, who: Actor.Actor) =>
      runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, system, "bootstrap"))).then(({ token }) => {
        tokens[name] = token;
      });
    const at = async (token: string | undefined, method: string, path: string, body?: unknown) => {
      const response = await app.request(path, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as any };
    };
    const call = (who: string, method: string, path: string, body?: unknown) => at(tokens[who], method, path, body);
    const ok = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await call(who, method, path, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const problem = async (who: string, method: string, path: string, body: unknown, status: number, code: string) => {
      const response = await call(who, method, path, body);
      expect(response.type).toBe("application/problem+json");
      expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
      return response.body;
    };
    // The desk's walk with the card agent on the suite's cards, made once the platform is up.
    let desk: AtTheDesk.Desk;
    // An agent's sealing key, for the requests a suite sends the platform itself: their refusals come before anything is sealed for it.
    const agentKey = Sealing.make().publicKey;
    /** An answer of the desk, as `status code` (the first refusal's, or the platform's last answer's status). */
    const outcome = (answer: AtTheDesk.Answer) => `${answer.status} ${answer.body.code}`;
    const milestones = async () =>
      ((await ok("ants", "GET", "/communes/69266/onboarding")).status.done as ReadonlyArray<{ milestone: string }>).map((entry) => entry.milestone);
    const letterCode = (card: string) => Letters.codeFromLetter((path, init) => app.request(path, init), tokens.ants as string, card);
    const produceAndShip = async (card: string) => {
      const produced = await ok("ants", "POST", `/cards/${card}/production`, { reason: "commande au fabricant" });
      await ok("ants", "POST", `/cards/${card}/shipment`, { reason: "envoi à la préfecture" });
      return produced.serial as string;
    };

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      await issue("ants", actor("ants", "national-administrator", { _tag: "national" }));
      await issue("prefecture", actor("pref-69", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await issue("prefectureBis", actor("pref-69-bis", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await issue("lyon", actor("rc-lyon", "commune-operator", { _tag: "commune", commune: "69123" }));
      // Villeurbanne's adhesion and conventions, as the onboarding routes record them.
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
      // The prefecture registers the two holders named in the conventions.
      ids.alice = (await ok("prefecture", "POST", "/agents", registration("Roux", "Alice", "AR1234567"))).id;
      ids.bruno = (await ok("prefecture", "POST", "/agents", registration("Faure", "Bruno", "BF7654321"))).id;
      await issue("alice", actor(ids.alice, "commune-operator", { _tag: "commune", commune: "69266" }));
      await issue("bruno", actor(ids.bruno, "agent", { _tag: "commune", commune: "69266" }));
      desk = await AtTheDesk.make(at, runtime);
    }, 180_000);
    afterAll(() => runtime.dispose());

    it("hands over and activates the commune's first two cards, advancing its onboarding", async () => {
      await problem("ants", "POST", "/communes/69266/connection", { reason: "raccordement" }, 409, "first-cards-missing");
      await problem("alice", "POST", "/cards", { holder: ids.bruno, firstCard: "delegue", reason: "première carte" }, 403, "forbidden");
      const aliceCard = await ok("prefecture", "POST", "/cards", { holder: ids.alice, firstCard: "responsable-carte", reason: "première carte" });
      const brunoCard = await ok("prefecture", "POST", "/cards", { holder: ids.bruno, firstCard: "delegue", reason: "première carte" });
      ids.aliceCard = aliceCard.id;
      ids.brunoCard = brunoCard.id;
      expect(aliceCard).toMatchObject({ status: "ordered", site: { commune: "69266" }, lastReason: "première carte", version: 1 });
      await problem("prefecture", "POST", "/cards", { holder: ids.alice, firstCard: "responsable-carte", reason: "doublon" }, 409, "stale-version");

      expect(await ok("ants", "POST", "/communes/69266/connection", { reason: "lecteurs livrés" })).toEqual({ codesSent: 2 });
      expect(await milestones()).toContain("connectionTriggered");
      const serials = { alice: await produceAndShip(ids.aliceCard), bruno: await produceAndShip(ids.brunoCard) };
      // The codes reach their holders by letter only: ANTS's mail room gets each letter once, and
      // no one else gets it — not the commune's operators, the prefecture, nor the holder.
      const letterPath = `/cards/${ids.aliceCard}/activation-letter`;
      for (const who of ["alice", "bruno", "lyon", "prefecture"]) await problem(who, "GET", letterPath, undefined, 403, "forbidden");
      const letter = await app.request(letterPath, { headers: { authorization: `Bearer ${tokens.ants}` } });
      expect({ status: letter.status, type: letter.headers.get("content-type"), cache: letter.headers.get("cache-control") }).toEqual({
        status: 200,
        type: "application/pdf",
        cache: "no-store",
      });
      const pdf = new Uint8Array(await letter.arrayBuffer());
      const text = ActivationLetters.textOf(pdf);
      expect(text).toEqual(expect.arrayContaining(["Madame Alice ROUX", "Mairie de Villeurbanne"]));
      const aliceCode = ActivationLetters.codeOf(pdf) as string;
      expect(aliceCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      const again = await problem("ants", "GET", letterPath, undefined, 409, "activation-letter-unavailable");
      expect(again.producedAt).toEqual(expect.any(String));
      const brunoCode = await letterCode(ids.brunoCard);
      // The site learns that the letters were produced, and when; no mailbox entry, stored notification or mail carries a code.
      const site = { _tag: "commune", commune: "69266" } as const;
      const stored = JSON.stringify(await runtime.runPromise(CardNotifications.use((notifications) => notifications.inbox(site as never, 100))));
      const mailbox = JSON.stringify(await ok("alice", "GET", "/mailbox?commune=69266"));
      for (const shown of [stored, mailbox]) {
        for (const code of [aliceCode, brunoCode]) {
          expect(shown).not.toContain(code);
          expect(shown).not.toContain(code.replaceAll("-", ""));
        }
      }
      const notices = ((await ok("alice", "GET", "/mailbox?commune=69266")).items as ReadonlyArray<{ kind: string; body: string }>).filter(
        (item) => item.kind === "activation-code",
      );
      expect(notices.filter((item) => item.body.includes("lettre portant le code d'activation a été produite par l'ANTS le"))).toHaveLength(2);
      const audited = await runtime.runPromise(
        RawSql.use((raw) =>
          Effect.promise(() => raw.query<{ event_type: string }>("SELECT event_type FROM event_log WHERE stream = $1", [`activation-code:${ids.aliceCard}`])),
        ),
      );
      expect(audited.map((row) => row.event_type)).toEqual(["ActivationCodeIssued", "ActivationLetterProduced"]);
      await problem("prefecture", "POST", `/cards/${ids.aliceCard}/receipt`, { serial: "SIM-000000000000", reason: "colis" }, 422, "card-serial-mismatch");
      await ok("prefecture", "POST", `/cards/${ids.aliceCard}/receipt`, { serial: serials.alice, reason: "colis reçu à la préfecture" });
      await ok("prefecture", "POST", `/cards/${ids.brunoCard}/receipt`, { serial: serials.bruno, reason: "colis reçu à la préfecture" });

      const handOverBody = (overrides: Record<string, unknown> = {}) => ({
        activationCode: aliceCode,
        handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "prefecture" },
        agentKey,
        reason: "remise en main propre",
        ...overrides,
      });
      const path = `/cards/${ids.aliceCard}/hand-over`;
      // The prefecture personalises the responsable carte's card under dual control: a second
      // operator approves, another publishes — never the same person.
      const approval = `/cards/${ids.aliceCard}/personalisation-approval`;
      expect((await problem("prefecture", "POST", path, handOverBody(), 403, "dual-control-required")).rule).toBe("roles.dual-control");
      expect((await ok("prefecture", "POST", approval, { reason: "vérification du dossier" })).personalisationApprovedBy).toBe("pref-69");
      await problem("prefecture", "POST", path, handOverBody(), 403, "dual-control-required");
      // A commune's first cards are approved by the prefecture alone: neither a commune operator nor ANTS, and never their holder.
      expect((await problem("alice", "POST", approval, { reason: "sa propre carte" }, 403, "rgs-rule-broken")).rule).toBe("roles.dual-control");
      expect(
        (await problem("alice", "POST", `/cards/${ids.brunoCard}/personalisation-approval`, { reason: "carte du délégué" }, 403, "rgs-rule-broken")).rule,
      ).toBe("roles.dual-control");
      expect((await problem("ants", "POST", approval, { reason: "approbation nationale" }, 403, "rgs-rule-broken")).rule).toBe("roles.dual-control");
      expect((await ok("prefectureBis", "POST", approval, { reason: "second contrôle" })).personalisationApprovedBy).toBe("pref-69-bis");
      const early = await problem("prefecture", "POST", path, handOverBody(), 409, "milestone-prerequisite-missing");
      expect(early.missing).toEqual(["handOverAppointment"]);
      await ok("ants", "POST", "/communes/69266/onboarding/milestones", {
        evidence: { milestone: "handOverAppointment", reference: "rdv", appointmentOn: today, venue: "Préfecture du Rhône" },
      });
      await problem("alice", "POST", path, handOverBody(), 403, "card-party-not-allowed");
      await problem(
        "prefecture",
        "POST",
        path,
        handOverBody({ handOver: { document: { type: "passeport", number: "AR1234567" }, place: "prefecture" } }),
        422,
        "hand-over-document-mismatch",
      );
      const wrong = await problem("prefecture", "POST", path, handOverBody({ activationCode: "0000-0000-0000-0000" }), 422, "activation-code-invalid");
      expect(wrong.attemptsLeft).toBe(4);

      // Two operators hand the same card over at once: exactly one uses the code, the other stops.
      const race = await Promise.all([call("prefecture", "POST", path, handOverBody()), call("prefecture", "POST", path, handOverBody())]);
      // The loser stops at the card's version, at the hand-over the winner started, or, arriving once the winner used the code, at the code itself.
      const [winner, ...winners] = race.filter((response) => response.status === 201);
      const [loser, ...others] = race.filter((response) => response.status !== 201);
      expect({ winners: winners.length, others: others.length }).toEqual({ winners: 0, others: 0 });
      expect(["409 stale-version", "409 key-operation-under-way", "422 activation-code-invalid"]).toContain(`${loser?.status} ${loser?.body.code}`);
      expect(winner?.body.tickets).toEqual({ unblock: expect.any(String), prepareKeys: expect.any(String) });
      // Nothing is published before the card proves it holds certified keys; the used code is not taken again.
      expect((await ok("prefecture", "GET", `/cards/${ids.aliceCard}`)).status).toBe("received");
      await problem("prefecture", "POST", path, handOverBody(), 409, "key-operation-under-way");
      // The holder types the first PIN at the agent, under the card's PIN rules: a weak one is refused there, and the hand-over is taken up again.
      const weak = await desk.resume(tokens.prefecture as string, ids.aliceCard, { pin: "123456", reason: "remise en main propre" });
      expect({ outcome: outcome(weak), rule: weak.body.rule }).toEqual({ outcome: "422 pin-rejected", rule: "pin.format" });
      expect((await ok("prefecture", "GET", `/cards/${ids.aliceCard}`)).status).toBe("received");
      const resumed = await desk.resume(tokens.prefecture as string, ids.aliceCard, { pin: "482915", reason: "remise en main propre" });
      expect({ status: resumed.status, card: resumed.body.status }).toEqual({ status: 200, card: "active" });
      const published = await ok("prefecture", "GET", `/cards/${ids.aliceCard}`);
      expect(published).toMatchObject({ status: "active", handOver: { place: "prefecture", activationCodePresented: true } });
      expect(published.certificates.authentication.serial).not.toBe(published.certificates.signature.serial);
      // Nothing was issued twice: the card's two certificates, and no other.
      const issued = await runtime.runPromise(
        RawSql.use((raw) => Effect.promise(() => raw.query<{ n: number }>("SELECT count(*)::int AS n FROM certificate WHERE card = $1", [ids.aliceCard]))),
      );
      expect(issued[0]?.n).toBe(2);
      expect(await milestones()).toContain("firstCards");

      const activated = await desk.publish(tokens.alice as string, ids.brunoCard, {
        activationCode: brunoCode.toLowerCase(),
        pin: "739164",
        handOver: { document: { type: "carte-nationale-identite", number: "BF7654321" }, place: "mairie" },
        reason: "activée à la mairie par la responsable carte",
      });
      expect({ status: activated.status, card: activated.body.status }).toEqual({ status: 200, card: "active" });
      expect(await milestones()).toContain("autonomy");
    });

    it("locks the PIN at the agent after three wrong PINs, records the block, and unblocks it on the holder's secret answers", async () => {
      expect(await ok("alice", "PUT", `/holders/${ids.bruno}/secret-questions`, { questions })).toEqual({ questions: 4 });
      await problem("alice", "PUT", `/holders/${ids.bruno}/secret-questions`, { questions: questions.slice(0, 3) }, 400, "invalid-request");
      expect((await ok("alice", "GET", `/holders/${ids.bruno}/secret-questions`)).questions).toHaveLength(4);

      // Bruno signs in with his card at the agent, the PIN typed there: the card counts the wrong ones.
      const serial = (await ok("bruno", "GET", `/cards/${ids.brunoCard}`)).serial as string;
      expect((await desk.signIn(serial, "739164")).token).toEqual(expect.any(String));
      const tries = [await desk.signIn(serial, "000000"), await desk.signIn(serial, "000000")];
      expect(tries.map((answer) => `${outcome(answer)} ${answer.body.triesLeft}`)).toEqual(["422 pin-incorrect 2", "422 pin-incorrect 1"]);
      // The last try is spent only once the holder confirms it; then the card locks its PIN.
      expect(outcome(await desk.signIn(serial, "000000"))).toBe("409 pin-final-try");
      expect(outcome(await desk.signIn(serial, "000000", { finalTry: true }))).toBe("423 pin-locked");
      expect(outcome(await desk.signIn(serial, "739164"))).toBe("423 pin-locked");
      // The page reads the lock at the agent, and the platform records it.
      const present = ((await desk.cards(tokens.bruno as string)).body.cards as ReadonlyArray<{ serial: string; pin: { locked: boolean } }>).find(
        (card) => card.serial === serial,
      );
      expect(present?.pin.locked).toBe(true);
      expect((await ok("bruno", "GET", `/cards/${ids.brunoCard}`)).status).toBe("active");
      const recorded = await ok("bruno", "POST", `/cards/${ids.brunoCard}/pin-block`, { reason: "code PIN bloqué, constaté à l'agent de carte" });
      expect(recorded.status).toBe("pin-blocked");
      expect((await ok("bruno", "GET", `/cards/${ids.brunoCard}`)).status).toBe("pin-blocked");

      const unblock = (answers: ReadonlyArray<{ question: number; answer: string }>) => ({
        holderAuthentication: "secret-answers",
        answers,
        agentKey,
        reason: "appel du porteur",
      });
      const ticket = `/cards/${ids.brunoCard}/unblock-ticket`;
      await problem("bruno", "POST", ticket, unblock([]), 400, "invalid-request");
      // The holder unblocks his own card by his secret answers only, never face to face with himself.
      const himself = await problem(
        "bruno",
        "POST",
        ticket,
        { holderAuthentication: "face-to-face", agentKey, reason: "moi-même" },
        403,
        "card-party-not-allowed",
      );
      expect(himself.rule).toBe("a holder unblocks their own card by their secret answers only");
      // Nor by his answers at a desk: his own way is the unblock at a distance, which gets the PUK sealed only for questions he set himself.
      const atDesk = await problem(
        "bruno",
        "POST",
        ticket,
        unblock([
          { question: 1, answer: "saint etienne" },
          { question: 3, answer: "RENAULT" },
        ]),
        403,
        "card-party-not-allowed",
      );
      expect(atDesk.rule).toBe("a holder unblocks their own card at a distance only, with the secret questions they set themselves");
      const refused = await problem(
        "alice",
        "POST",
        ticket,
        unblock([
          { question: 0, answer: "autre école" },
          { question: 1, answer: "Lyon" },
        ]),
        403,
        "secret-answers-refused",
      );
      expect(refused.locked).toBe(false);
      expect((await ok("bruno", "GET", `/cards/${ids.brunoCard}`)).status).toBe("pin-blocked");
      // The right answers: the platform seals the PUK for the agent, and Bruno types his new PIN there.
      const unblocked = await desk.unblock(tokens.alice as string, ids.brunoCard, {
        holderAuthentication: "secret-answers",
        answers: [
          { question: 1, answer: "saint etienne" },
          { question: 3, answer: "RENAULT" },
        ],
        newPin: "264813",
        reason: "appel du porteur",
      });
      expect({ status: unblocked.status, card: unblocked.body.card?.status }).toEqual({ status: 201, card: "active" });
      expect(outcome(await desk.signIn(serial, "739164"))).toBe("422 pin-incorrect");
      expect((await desk.signIn(serial, "264813")).token).toEqual(expect.any(String));
    });

    it("locks the secret questions after three wrong answer sets, and audits each", async () => {
      await ok("alice", "PUT", `/holders/${ids.alice}/secret-questions`, { questions });
      const wrong = {
        revocationReason: "keyCompromise",
        answers: [
          { question: 0, answer: "non" },
          { question: 2, answer: "non" },
        ],
        reason: "appel",
      };
      for (const locked of [false, false, true])
        expect((await problem("prefecture", "POST", `/cards/${ids.aliceCard}/revocation`, wrong, 403, "secret-answers-refused")).locked).toBe(locked);
      const right = {
        ...wrong,
        answers: [
          { question: 0, answer: "ecole jean jaures" },
          { question: 2, answer: "filou" },
        ],
      };
      expect((await problem("prefecture", "POST", `/cards/${ids.aliceCard}/revocation`, right, 403, "secret-answers-refused")).locked).toBe(true);
      // Without the holder's answers, the prefecture alone may not revoke an operator's card (dual control).
      const alone = await problem(
        "prefecture",
        "POST",
        `/cards/${ids.aliceCard}/revocation`,
        { revocationReason: "keyCompromise", reason: "appel" },
        403,
        "dual-control-required",
      );
      expect(alone.rule).toBe("roles.dual-control");
      expect((await ok("alice", "GET", `/cards/${ids.aliceCard}`)).status).toBe("active");
      const audited = await runtime.runPromise(
        RawSql.use((sql) =>
          Effect.promise(() =>
            sql.query<{ stream: string; event_type: string }>(
              "SELECT stream, event_type FROM event_log WHERE event_type IN ('SecretAnswersRejected', 'ActivationCodeRejected') ORDER BY position",
            ),
          ),
        ),
      );
      expect(audited.filter((row) => row.stream === `secret-questions:${ids.alice}`)).toHaveLength(3);
      expect(audited.filter((row) => row.stream === `activation-code:${ids.aliceCard}`).map((row) => row.event_type)).toEqual(["ActivationCodeRejected"]);
    });

    it("renews a card's certificates with new keys and revokes the old ones", async () => {
      const before = await ok("alice", "GET", `/cards/${ids.brunoCard}`);
      const renewed = await desk.renewCertificates(tokens.alice as string, ids.brunoCard, { pin: "264813", reason: "changement de clés" });
      expect(renewed.status).toBe(200);
      expect(renewed.body.certificates.signature.serial).not.toBe(before.certificates.signature.serial);
      expect(renewed.body.certificates.authentication.serial).not.toBe(before.certificates.authentication.serial);
      const old = await runtime.runPromise(CertificateRegistry.use((registry) => registry.find(before.certificates.signature.serial)));
      expect(old?.revoked?.reason).toBe("superseded");
      // A wrong PIN typed at the agent: the card makes no keys, and the card keeps its certificates.
      expect(outcome(await desk.renewCertificates(tokens.alice as string, ids.brunoCard, { pin: "000000", reason: "essai" }))).toBe("422 pin-incorrect");
      expect((await ok("alice", "GET", `/cards/${ids.brunoCard}`)).certificates).toEqual(renewed.body.certificates);
    });

    it("renews a card on the holder's request, validated by another, and retires the old card once the new one is active", async () => {
      const request = await ok("bruno", "POST", "/card-requests", { kind: "card-renewal", card: ids.brunoCard, reason: "carte abîmée" });
      expect(request).toMatchObject({ status: "pending-validation", origin: "holder", requestedBy: ids.bruno });
      await problem("bruno", "POST", `/card-requests/${request.id}/validation`, { reason: "moi-même" }, 403, "forbidden");
      await problem("lyon", "POST", `/card-requests/${request.id}/validation`, { reason: "autre commune" }, 403, "forbidden");
      const validated = await ok("alice", "POST", `/card-requests/${request.id}/validation`, { reason: "accordé" });
      expect(validated).toMatchObject({ status: "validated", decidedBy: ids.alice });
      const again = await problem("alice", "POST", `/card-requests/${request.id}/validation`, { reason: "encore" }, 409, "card-illegal-transition");
      expect(again).toMatchObject({ state: "validated" });
      const newCard = validated.orderedCard as string;
      const serial = await produceAndShip(newCard);
      await ok("alice", "POST", `/cards/${newCard}/receipt`, { serial, reason: "colis reçu" });
      const code = await letterCode(newCard);
      const handOver = {
        activationCode: code,
        handOver: { document: { type: "carte-nationale-identite", number: "BF7654321" }, place: "mairie" },
        reason: "remise de la nouvelle carte",
      } as const;
      // Alice validated the request that ordered the card: she never publishes it alone. Bruno, its
      // holder, signed in with his current card, is the second person (the prefecture no longer handles
      // the commune's cards after its first two).
      const alone = await problem("alice", "POST", `/cards/${newCard}/hand-over`, { ...handOver, agentKey }, 403, "dual-control-required");
      expect(alone.rule).toBe("roles.dual-control");
      // Approving it herself first changes nothing: the approver and the publisher are one person.
      await ok("alice", "POST", `/cards/${newCard}/personalisation-approval`, { reason: "moi-même" });
      await problem("alice", "POST", `/cards/${newCard}/hand-over`, { ...handOver, agentKey }, 403, "dual-control-required");
      await problem("prefecture", "POST", `/cards/${newCard}/personalisation-approval`, { reason: "second contrôle" }, 403, "forbidden");
      // A token in Bruno's name proves no person: he approves signed in with his current card.
      expect((await problem("bruno", "POST", `/cards/${newCard}/personalisation-approval`, { reason: "ma carte" }, 403, "rgs-rule-broken")).rule).toBe(
        "roles.dual-control",
      );
      const signedIn = await desk.signIn((await ok("alice", "GET", `/cards/${ids.brunoCard}`)).serial, "264813");
      tokens.brunoCard = signedIn.token as string;
      await ok("brunoCard", "POST", `/cards/${newCard}/personalisation-approval`, { reason: "ma nouvelle carte" });
      const published = await desk.publish(tokens.alice as string, newCard, { ...handOver, pin: "591736" });
      expect({ status: published.status, card: published.body.status }).toEqual({ status: 200, card: "active" });
      expect((await ok("alice", "GET", `/cards/${ids.brunoCard}`)).status).toBe("replaced");
      expect((await ok("alice", "GET", `/card-requests/${request.id}`)).status).toBe("fulfilled");
      ids.brunoNewCard = newCard;
    });

    it("revokes a card on the holder's word, refuses any further transition naming the state and the rule, and tracks it all", async () => {
      const revoked = await ok("bruno", "POST", `/cards/${ids.brunoNewCard}/revocation`, { revocationReason: "keyCompromise", reason: "carte perdue" });
      expect(revoked).toMatchObject({ status: "revoked", revocation: { reason: "keyCompromise", on: today } });
      const refused = await problem(
        "alice",
        "POST",
        `/cards/${ids.brunoNewCard}/unblock-ticket`,
        { holderAuthentication: "face-to-face", agentKey, reason: "essai" },
        409,
        "card-illegal-transition",
      );
      expect(refused.detail).toMatch(/Unblock is not allowed in state revoked: Only a PIN-blocked card/);
      // No certificate is issued for a revoked card.
      const renewal = await problem("alice", "POST", `/cards/${ids.brunoNewCard}/new-certificates`, { reason: "essai" }, 409, "card-illegal-transition");
      expect(renewal).toMatchObject({ state: "revoked", command: "RenewCertificates" });
      await problem("bruno", "GET", `/cards/${ids.aliceCard}`, undefined, 403, "forbidden");

      const holders = (await ok("alice", "GET", "/holders")).items as ReadonlyArray<{ holder: string; cards: ReadonlyArray<{ status: string }> }>;
      expect(holders.map((entry) => [entry.holder, entry.cards.map((card) => card.status).sort()]).sort()).toEqual(
        [
          [ids.alice, ["active"]],
          [ids.bruno, ["replaced", "revoked"]],
        ].sort(),
      );
      expect((await ok("bruno", "GET", "/holders")).items).toHaveLength(1);
      expect((await ok("prefecture", "GET", "/card-requests?departement=69&status=fulfilled")).items).toHaveLength(1);
      expect((await ok("alice", "GET", "/cards?expiringWithinDays=1100")).items.map((card: { id: string }) => card.id)).toEqual([ids.aliceCard]);
      expect((await ok("alice", "GET", "/cards?expiringWithinDays=30")).items).toEqual([]);
      const machines = await ok("bruno", "GET", "/card-platform/state-machines");
      expect(machines.card.transitions.find((entry: { command: string }) => entry.command === "Publish").by).toEqual(["site-operator"]);
    });

    it("suspends the cards of an agent the registrar deactivates, revokes them when it deletes the agent, and the audit trail verifies", async () => {
      await ok("prefecture", "POST", `/agents/${ids.alice}/deactivation`, { reason: "départ de la commune" });
      const suspended = await ok("ants", "GET", `/cards/${ids.aliceCard}`);
      expect(suspended.status).toBe("suspended");
      // Alice holds an operator's card: deleting her alone would revoke it with one person only.
      const alone = await problem("prefecture", "POST", `/agents/${ids.alice}/deletion`, { reason: "fin de conservation" }, 403, "rgs-rule-broken");
      expect(alone.rule).toBe("roles.dual-control");
      // One operator files the card's revocation, another validates it; the deletion then passes.
      const filed = await ok("prefecture", "POST", "/card-requests", {
        kind: "revocation",
        card: ids.aliceCard,
        revocationReason: "cessationOfOperation",
        reason: "départ de la commune",
      });
      expect(filed).toMatchObject({ origin: "operator", requestedBy: "pref-69", holder: ids.alice, operatorCard: true });
      expect((await problem("prefecture", "POST", `/card-requests/${filed.id}/validation`, { reason: "moi-même" }, 403, "rgs-rule-broken")).rule).toBe(
        "roles.four-eyes",
      );
      await ok("prefectureBis", "POST", `/card-requests/${filed.id}/validation`, { reason: "second contrôle" });
      expect((await ok("ants", "GET", `/cards/${ids.aliceCard}`)).status).toBe("revoked");
      await ok("prefecture", "POST", `/agents/${ids.alice}/deletion`, { reason: "fin de conservation" });
      const certificate = await runtime.runPromise(CertificateRegistry.use((registry) => registry.find(suspended.certificates.signature.serial)));
      expect(certificate?.revoked?.reason).toBe("cessationOfOperation");
      expect((await runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify))).valid).toBe(true);
    });
  });
}
