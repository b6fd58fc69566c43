/**
 * The insider suite (issue 17): one person alone, over HTTP through the real app on every
 * persistence adapter — a commune operator, then a prefecture operator, then a national operator —
 * tries to revoke an operator's card by each side door: directly, after stripping the holder's
 * rights, by deleting the holder, by deactivating then deleting them, by filing a revocation
 * request and validating it themselves. Each is refused with the rule it breaks, and the card is
 * still not revoked at the end. A second person, from their own session, then does it.
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

const reference = [
  Commune.Commune.make({ code: "69266" as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 150_000 }),
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
];
const today = new Date().toISOString().slice(0, 10);
const actor = (id: string, role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id, name: id, role, site });
const commune = { _tag: "commune", commune: "69266" } as const;
const prefecture = { _tag: "prefecture", departement: "69" as never } as const;

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
      // Side door 4: deactivate the holder, then delete them.
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
  });
}
