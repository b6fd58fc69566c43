/**
 * The insider suite (issue 17): one person alone, over HTTP through the real app on every
 * persistence adapter — a commune operator, then a prefecture operator, then a national operator —
 * tries to revoke an operator's card by each side door: directly, after stripping the holder's
 * rights, by deleting the holder, by setting the holder's secret questions and answering them, by
 * deactivating then deleting them, by filing a revocation request and validating it themselves. Each is refused with the rule it breaks, and the card is
 * still not revoked at the end. A second person, from their own session, then does it.
 *
 * Each also tries to issue a card to a fictitious officer they registered and ordered for (refused
 * by roles.dual-control at the hand-over, even with a self-approval and with the code in hand),
 * to read an activation code (only ANTS's mail room gets the letter, once; no mailbox or stored
 * notification carries it), and to exceed an activation code's tries with twenty wrong codes fired
 * in parallel (exactly the allowed number counted, the code burnt, the right code refused after).
 */
import { Actor } from "@comedec/actor";
import { CardNotifications, Secrets } from "@comedec/card";
import { Sealing } from "@comedec/card-agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

const reference = [
  Commune.Commune.make({ code: "69266" as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 150_000 }),
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
];
const today = new Date().toISOString().slice(0, 10);
const actor = (id: string, role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id, name: id, role, site });
const commune = { _tag: "commune", commune: "69266" } as const;
const prefecture = { _tag: "prefecture", departement: "69" as never } as const;
/** A commune of the prefecture with no agent yet, whose first two the prefecture registers. */
const lyon = { _tag: "commune", commune: "69123" } as const;

/** An officer with the right to operate cards: their card is an operator's card. */
const operatorRegistration = (birthName: string, givenName: string, number: string, checkedBy: string) => ({
  identity: { birthName, givenNames: [givenName], sex: "M", birthDate: "1979-05-06", placeOfBirth: { _tag: "commune", commune: "69123" } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: birthName.toUpperCase(), givenNames: [givenName], birthDate: "1979-05-06" },
    check: { by: checkedBy, on: today, faceToFace: true },
  },
  contact: { email: `${givenName.toLowerCase()}@mairie-villeurbanne.fr` },
  site: commune,
  profile: { _tag: "officer", basis: { _tag: "deputy" } },
  rights: ["receive-requests", "sign-responses", "operate-cards"],
});

/** A person of a site, as a registration authority records them. */
const personRegistration = (
  birthName: string,
  givenName: string,
  number: string,
  checkedBy: string,
  site: typeof commune | typeof lyon | typeof prefecture,
  rights: ReadonlyArray<string> = ["receive-requests", "sign-responses"],
) => ({
  ...operatorRegistration(birthName, givenName, number, checkedBy),
  site,
  profile: site._tag === "commune" ? { _tag: "officer", basis: { _tag: "deputy" } } : { _tag: "agent" },
  rights,
});
const parallel = 20;

for (const adapter of adapters) {
  describe(`one insider alone, over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};

    const issue = (name: string, who: Actor.Actor) =>
      runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, Actor.platform, "bootstrap"))).then(({ token }) => {
        tokens[name] = token;
      });
    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const ok = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await call(who, method, path, body);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    /** A refusal naming its rule. */
    const refusedBy = async (who: string, method: string, path: string, body: unknown) => {
      const response = await call(who, method, path, body);
      expect(response.status, JSON.stringify(response.body)).toBe(403);
      return response.body.rule as string;
    };

    const audited = (stream: string, type: string) =>
      runtime
        .runPromise(
          RawSql.use((sql) =>
            Effect.promise(() => sql.query<{ n: number }>("SELECT count(*)::int AS n FROM event_log WHERE stream = $1 AND event_type = $2", [stream, type])),
          ),
        )
        .then((rows) => rows[0]?.n);
    /** ANTS (here its second administrator, a legitimate other person) produces and ships the card; the site receives it. */
    const produced = async (card: string, receiver: string) => {
      const { serial } = await ok("nationalBis", "POST", `/cards/${card}/production`, { reason: "commande au fabricant" });
      await ok("nationalBis", "POST", `/cards/${card}/shipment`, { reason: "envoi" });
      await ok(receiver, "POST", `/cards/${card}/receipt`, { serial, reason: "colis reçu" });
    };
    // The agent's sealing key each hand-over names: nothing is sealed for it before the rules and the code pass.
    const agentKey = Sealing.make().publicKey;
    /** The start of a hand-over at the desk (the card agent's flow: no PIN crosses to the platform). */
    const handOver = (code: string, number: string, place: "mairie" | "prefecture") => ({
      activationCode: code,
      handOver: { document: { type: "carte-nationale-identite", number }, place },
      agentKey,
      reason: "remise",
    });
    /** The code of a card is nowhere a site's operators or the prefecture read: not in a mailbox, not in a stored notification. */
    const codeShownNowhere = async (code: string) => {
      const stored = JSON.stringify(
        await runtime.runPromise(
          Effect.all([commune, prefecture].map((site) => CardNotifications.use((notifications) => notifications.inbox(site as never, 500)))),
        ),
      );
      const mailboxes = JSON.stringify([await ok("commune", "GET", "/mailbox?commune=69266"), await ok("prefecture", "GET", "/mailbox?prefecture=69")]);
      for (const shown of [stored, mailboxes]) {
        expect(shown).not.toContain(code);
        expect(shown).not.toContain(code.replaceAll("-", ""));
      }
    };

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      await issue("commune", actor("rc-villeurbanne", "commune-operator", commune));
      await issue("communeBis", actor("dl-villeurbanne", "commune-operator", commune));
      await issue("prefecture", actor("pref-69", "prefecture-operator", prefecture));
      await issue("prefectureBis", actor("pref-69-bis", "prefecture-operator", prefecture));
      await issue("national", actor("ants", "national-administrator", { _tag: "national" }));
      await issue("nationalBis", actor("ants-bis", "national-administrator", { _tag: "national" }));
    }, 180_000);
    afterAll(() => runtime.dispose());

    /**
     * The insider registers an operator and orders their card, then tries every side door of its
     * revocation alone; the second person then revokes it through dual control.
     */
    const sideDoors = async (insider: string, second: string, name: string, number: string, firstCard?: "delegue" | "responsable-carte") => {
      const insiderId = insider === "commune" ? "rc-villeurbanne" : insider === "prefecture" ? "pref-69" : "ants";
      const holder = (await ok(insider, "POST", "/agents", operatorRegistration(name, "Victor", number, insiderId))).id as string;
      const card = await ok(insider, "POST", "/cards", { holder, reason: "carte d'un opérateur", ...(firstCard === undefined ? {} : { firstCard }) });
      expect(card.operatorCard).toBe(true);
      const revoke = { revocationReason: "keyCompromise", reason: "révocation par une seule personne" };

      // The front door: an operator's card is not revoked by one person.
      expect(await refusedBy(insider, "POST", `/cards/${card.id}/revocation`, revoke)).toBe("roles.dual-control");
      // Side door 1: strip the holder's rights first; the card stays an operator's card.
      await ok(insider, "PATCH", `/agents/${holder}`, { rights: ["receive-requests"] });
      expect(await refusedBy(insider, "POST", `/cards/${card.id}/revocation`, revoke)).toBe("roles.dual-control");
      // Side door 2: delete the holder, which revokes every card.
      expect(await refusedBy(insider, "POST", `/agents/${holder}/deletion`, { reason: "suppression" })).toBe("roles.dual-control");
      // Side door 3: file a revocation request and validate it oneself (ANTS files none: a site's operator does).
      const revocationRequest = { kind: "revocation", card: card.id, revocationReason: "keyCompromise", reason: "demande" };
      const filer = insider === "national" ? "commune" : insider;
      if (insider === "national") expect((await call(insider, "POST", "/card-requests", revocationRequest)).body.code).toBe("forbidden");
      const filed = await ok(filer, "POST", "/card-requests", revocationRequest);
      expect(filed).toMatchObject({ origin: "operator", operatorCard: true });
      expect(await refusedBy(filer, "POST", `/card-requests/${filed.id}/validation`, { reason: "moi-même" })).toBe("roles.four-eyes");
      // Side door 4: set the holder's secret questions oneself and answer them on the holder's behalf;
      // replacing them afterwards is the holder's alone.
      const questions = ["École ?", "Ville ?", "Animal ?", "Voiture ?"].map((question, index) => ({ question, answer: `réponse ${index}` }));
      // (A prefecture handles no questions of a commune's holder past its first two cards: that door is shut to it outright.)
      const setOneself = await call(insider, "PUT", `/holders/${holder}/secret-questions`, { questions });
      expect(setOneself.status, JSON.stringify(setOneself.body)).toBe(insider === "prefecture" ? 403 : 200);
      const answered = {
        ...revoke,
        answers: [
          { question: 0, answer: "réponse 0" },
          { question: 1, answer: "réponse 1" },
        ],
      };
      if (insider !== "prefecture") {
        expect(await refusedBy(insider, "POST", `/cards/${card.id}/revocation`, answered)).toBe("roles.dual-control");
        expect(await refusedBy(insider, "PUT", `/holders/${holder}/secret-questions`, { questions })).toBe("roles.dual-control");
      }
      // Side door 5: deactivate the holder, then delete them.
      await ok(insider, "POST", `/agents/${holder}/deactivation`, { reason: "départ" });
      expect(await refusedBy(insider, "POST", `/agents/${holder}/deletion`, { reason: "suppression" })).toBe("roles.dual-control");
      expect((await ok(insider, "GET", `/cards/${card.id}`)).status).not.toBe("revoked");

      // A second person, from their own session, validates the request: the card is revoked, and the deletion passes.
      await ok(second, "POST", `/card-requests/${filed.id}/validation`, { reason: "second contrôle" });
      expect((await ok(insider, "GET", `/cards/${card.id}`)).status).toBe("revoked");
      await ok(insider, "POST", `/agents/${holder}/deletion`, { reason: "suppression" });
    };

    it("a commune operator alone revokes no operator's card by any side door", () => sideDoors("commune", "communeBis", "Vasseur", "VC1000001"));

    it("a prefecture operator alone revokes no operator's card by any side door", () =>
      sideDoors("prefecture", "prefectureBis", "Vidal", "VC1000002", "delegue"));

    it("a national operator alone revokes no operator's card by any side door", () => sideDoors("national", "nationalBis", "Vernet", "VC1000003"));

    /**
     * The insider registers a fictitious officer, orders their card, and tries to publish it alone:
     * refused by roles.dual-control, even after approving it themselves, before any code is tried.
     * Only ANTS's mail room reads the code, once, in the letter; nobody reads it anywhere after.
     */
    const fictitiousOfficer = async (insider: "commune" | "prefecture" | "national", name: string, number: string) => {
      const insiderId = insider === "commune" ? "rc-villeurbanne" : insider === "prefecture" ? "pref-69" : "ants";
      const firstCard = insider === "prefecture" ? { firstCard: "responsable-carte" } : {};
      const site = insider === "prefecture" ? lyon : commune;
      const holder = (await ok(insider, "POST", "/agents", personRegistration(name, "Fabien", number, insiderId, site))).id as string;
      const card = (await ok(insider, "POST", "/cards", { holder, reason: "carte d'un officier fictif", ...firstCard })).id as string;
      await produced(card, insider === "prefecture" ? "prefecture" : "commune");

      // Reading the code: the site's operators and the prefecture never get the letter; ANTS's mail room gets it once.
      for (const reader of ["commune", "prefecture"]) {
        const refused = await call(reader, "GET", `/cards/${card}/activation-letter`);
        expect(`${refused.status} ${refused.body.code}`).toBe("403 forbidden");
      }
      // A commune's first cards get their codes only when ANTS triggers the connection: the prefecture's insider has none to read yet.
      const code =
        insider === "prefecture"
          ? "0000-0000-0000-0000"
          : await Letters.codeFromLetter((path, init) => app.request(path, init), tokens.national as string, card);
      const again = await call("national", "GET", `/cards/${card}/activation-letter`);
      expect(`${again.status} ${again.body.code}`).toBe("409 activation-letter-unavailable");
      if (insider !== "prefecture") await codeShownNowhere(code);

      // Publishing alone, even with the code in hand: refused, and the code keeps all its tries.
      const place = insider === "prefecture" ? "prefecture" : "mairie";
      const alone = await call(insider, "POST", `/cards/${card}/hand-over`, handOver(code, number, place));
      if (insider === "national") {
        expect(`${alone.status} ${alone.body.code}`).toBe("403 card-party-not-allowed");
      } else {
        expect(`${alone.status} ${alone.body.code} ${alone.body.rule}`).toBe("403 dual-control-required roles.dual-control");
        // Approving it oneself first changes nothing (or is refused outright for a commune's first card).
        const approval = await call(insider, "POST", `/cards/${card}/personalisation-approval`, { reason: "moi-même" });
        if (approval.status === 200) {
          const still = await call(insider, "POST", `/cards/${card}/hand-over`, handOver(code, number, place));
          expect(`${still.status} ${still.body.rule}`).toBe("403 roles.dual-control");
        } else {
          expect(`${approval.status} ${approval.body.rule}`).toBe("403 roles.dual-control");
        }
      }
      // ANTS may approve no commune card: it produces them.
      const antsApproval = await call("national", "POST", `/cards/${card}/personalisation-approval`, { reason: "approbation nationale" });
      expect(`${antsApproval.status} ${antsApproval.body.rule}`).toBe("403 roles.dual-control");
      expect(await audited(`activation-code:${card}`, "ActivationCodeRejected")).toBe(0);
      const after = await ok("national", "GET", `/cards/${card}`);
      expect(after.status).toBe("received");
      expect(after.certificates).toBeUndefined();
    };

    it("a commune operator alone issues no card to a fictitious officer, and reads no activation code", () =>
      fictitiousOfficer("commune", "Fantin", "FC2000001"));

    it("a prefecture operator alone issues no card to a fictitious officer, and reads no activation code", () =>
      fictitiousOfficer("prefecture", "Fauvel", "FC2000002"));

    it("a national operator alone issues no card to a fictitious officer, and reads the code only once, in the letter", () =>
      fictitiousOfficer("national", "Ferrand", "FC2000003"));

    /**
     * Twenty wrong activation codes fired at once, by an insider entitled to publish the card (the
     * other operator registered its holder and ordered it): exactly the allowed tries are counted,
     * the code is burnt, and the right code is refused after. ANTS, no party to a publication, has
     * none counted.
     */
    const parallelTries = async (insider: "commune" | "prefecture" | "national", name: string, number: string) => {
      const other = insider === "prefecture" ? "prefectureBis" : "communeBis";
      const otherId = insider === "prefecture" ? "pref-69-bis" : "dl-villeurbanne";
      const site = insider === "prefecture" ? prefecture : commune;
      const rights = site._tag === "prefecture" ? ["operate-cards"] : undefined;
      const holder = (await ok(other, "POST", "/agents", personRegistration(name, "Tristan", number, otherId, site, rights))).id as string;
      const card = (await ok(other, "POST", "/cards", { holder, reason: "carte d'un agent" })).id as string;
      await produced(card, other);
      // At the prefecture every personalisation takes a second person's approval first.
      if (insider === "prefecture") await ok(other, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
      const code = await Letters.codeFromLetter((path, init) => app.request(path, init), tokens.nationalBis as string, card);
      const place = insider === "prefecture" ? "prefecture" : "mairie";
      const path = `/cards/${card}/hand-over`;
      const tries = await Promise.all(Array.from({ length: parallel }, () => call(insider, "POST", path, handOver("0000-0000-0000-0000", number, place))));
      if (insider === "national") {
        expect(tries.map((response) => `${response.status} ${response.body.code}`)).toEqual(Array(parallel).fill("403 card-party-not-allowed"));
        expect(await audited(`activation-code:${card}`, "ActivationCodeRejected")).toBe(0);
        return;
      }
      expect(tries.map((response) => `${response.status} ${response.body.code}`)).toEqual(Array(parallel).fill("422 activation-code-invalid"));
      expect(tries.filter((response) => String(response.body.reason).startsWith("wrong code"))).toHaveLength(Secrets.codeAttempts);
      expect(await audited(`activation-code:${card}`, "ActivationCodeRejected")).toBe(Secrets.codeAttempts);
      const right = await call(insider, "POST", path, handOver(code, number, place));
      expect(`${right.status} ${right.body.code} ${right.body.attemptsLeft}`).toBe("422 activation-code-invalid 0");
      expect((await ok(insider, "GET", `/cards/${card}`)).status).toBe("received");
    };

    it("a commune operator alone gets no more tries of an activation code by firing them in parallel", () => parallelTries("commune", "Tessier", "TC3000001"));

    it("a prefecture operator alone gets no more tries of an activation code by firing them in parallel", () =>
      parallelTries("prefecture", "Thomas", "TC3000002"));

    it("a national operator alone gets no try of an activation code at all", () => parallelTries("national", "Texier", "TC3000003"));
  });
}
