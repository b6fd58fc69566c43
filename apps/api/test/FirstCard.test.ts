/**
 * The platform's first card (ADR 0018), over HTTP through the real app and the card agent's local
 * interface: the bootstrap session of the platform's first start counts once — it hands over the
 * first card, the holder at the desk the second person — and no other national administrator's
 * token does; once a card is in force, the bootstrap session hands over no other. The first card
 * is a holder's of the national site (ANTS): it signs in as a national administrator of the
 * national level, who hands over the national site's next cards under the usual rules (a second
 * national administrator approves the cards she registered or ordered), which no prefecture reaches.
 */
import { Actor } from "@comedec/actor";
import { Sealing } from "@comedec/card-agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as AtTheDesk from "./AtTheDesk.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 })];
const today = new Date().toISOString().slice(0, 10);
const registration = (
  birthName: string,
  givenName: string,
  number: string,
  checkedBy: string = Actor.bootstrapAdministratorId,
  rights: ReadonlyArray<string> = ["operate-cards"],
) => ({
  identity: { birthName, givenNames: [givenName], sex: "F", birthDate: "1978-09-12", placeOfBirth: { _tag: "commune", commune: "69123" } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: birthName.toUpperCase(), givenNames: [givenName], birthDate: "1978-09-12" },
    check: { by: checkedBy, on: today, faceToFace: true },
  },
  contact: { email: `${givenName.toLowerCase()}@ants.gouv.example` },
  site: { _tag: "national" },
  profile: { _tag: "agent" },
  rights,
});

for (const adapter of adapters) {
  describe(`the platform's first card over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};
    const cards: Record<string, { id: string; code: string; document: string }> = {};
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
    const serials: Record<string, string> = {};
    /** A national administrator's card, registered and ordered by `who`, received at the national site, with the code of its letter. */
    const received = async (name: string, givenName: string, document: string, who = "bootstrap", checkedBy?: string, rights?: ReadonlyArray<string>) => {
      const holder = (await ok(who, "POST", "/agents", registration(name, givenName, document, checkedBy, rights))).id;
      const id = (await ok(who, "POST", "/cards", { holder, reason: "carte d'administrateur national" })).id;
      const { serial } = await ok(who, "POST", `/cards/${id}/production`, { reason: "commande au fabricant" });
      await ok(who, "POST", `/cards/${id}/shipment`, { reason: "envoi à l'ANTS" });
      await ok(who, "POST", `/cards/${id}/receipt`, { serial, reason: "reçue" });
      const code = await Letters.codeFromLetter((path, init) => app.request(path, init), tokens[who] as string, id);
      cards[givenName] = { id, code, document };
      serials[givenName] = serial;
    };
    const handOver = (who: string, givenName: string) => {
      const card = cards[givenName] as { id: string; code: string; document: string };
      return desk.publish(tokens[who] as string, card.id, {
        activationCode: card.code,
        pin: "314159",
        handOver: { document: { type: "carte-nationale-identite", number: card.document }, place: "ants" },
        reason: "remise en main propre",
      });
    };
    /** Signs in with a holder's card at the desk: the session's token kept under the holder's given name. */
    const signIn = async (givenName: string) => {
      const session = await desk.signIn(serials[givenName] as string, "314159");
      if (session.token === undefined) throw new Error(`sign-in of ${givenName}: ${session.status} ${JSON.stringify(session.body)}`);
      tokens[givenName] = session.token;
      return (await ok(givenName, "GET", "/sessions/current")).actor;
    };

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      const national = { role: "national-administrator", site: { _tag: "national" } } as const;
      await issue("bootstrap", Actor.Actor.make({ id: Actor.bootstrapAdministratorId, name: "Administrateur national (amorçage)", ...national }));
      await issue("ants", Actor.Actor.make({ id: "ants-admin", name: "ANTS", ...national }));
      // A prefecture's operator, for what the national site keeps from every prefecture.
      await issue(
        "rhone",
        Actor.Actor.make({
          id: "rhone-operator",
          name: "Préfecture du Rhône",
          role: "prefecture-operator",
          site: { _tag: "prefecture", departement: "69" as never },
        }),
      );
      await received("Lefèvre", "Claire", "CL7788990");
      await received("Roux", "Marc", "MR1122334");
      desk = await AtTheDesk.make(at, runtime);
    }, 240_000);
    afterAll(() => runtime.dispose());

    it("refuses the first card's hand-over to another national administrator's bootstrap token: ANTS hands over no card from afar", async () => {
      const refused = await handOver("ants", "Claire");
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: "card-party-not-allowed" });
    });

    it("lets the platform's bootstrap session hand over its first card, the holder at the desk the second person, and one only of those it started", async () => {
      // A second hand-over started while no card is in force yet: its code is used, its tickets issued.
      const marc = cards.Marc as { id: string; code: string; document: string };
      const agentKey = Sealing.make().publicKey;
      const started = await at(tokens.bootstrap, "POST", `/cards/${marc.id}/hand-over`, {
        activationCode: marc.code,
        handOver: { document: { type: "carte-nationale-identite", number: marc.document }, place: "ants" },
        agentKey,
        reason: "remise en main propre",
      });
      expect(started.status).toBe(201);
      const published = await handOver("bootstrap", "Claire");
      expect(published.status).toBe(200);
      expect(published.body.status).toBe("active");
      expect(published.body.personalisationApprovedBy).toBeUndefined();
      // Claire's card in force, the hand-over started on Marc's goes no further.
      const resumed = await at(tokens.bootstrap, "POST", `/cards/${marc.id}/hand-over/resumption`, { agentKey, reason: "reprise" });
      expect({ status: resumed.status, code: resumed.body.code }).toEqual({ status: 403, code: "dual-control-required" });
    });

    it("refuses the bootstrap session any other hand-over once a card is in force", async () => {
      const refused = await handOver("bootstrap", "Marc");
      expect({ status: refused.status, code: refused.body.code, reason: refused.body.reason }).toEqual({
        status: 403,
        code: "dual-control-required",
        reason: "a bootstrap session hands over the platform's first card only: the operators of the card's site hand over the others",
      });
      expect((await ok("bootstrap", "GET", `/cards/${cards.Marc?.id}`)).status).toBe("received");
    });

    it("signs the first card in as a national administrator of the national level, who does what only ANTS does", async () => {
      const claire = await signIn("Claire");
      expect({ role: claire.role, site: claire.site, credential: claire.credential }).toEqual({
        role: "national-administrator",
        site: { _tag: "national" },
        credential: "card",
      });
      // The national site's agents, listed by their site.
      const national = (await ok("Claire", "GET", "/agents?site=national")).items as ReadonlyArray<{ site: unknown }>;
      expect({ count: national.length, sites: [...new Set(national.map((agent) => JSON.stringify(agent.site)))] }).toEqual({
        count: 2,
        sites: [JSON.stringify({ _tag: "national" })],
      });
      // The RGS deadlines are ANTS's to watch: a prefecture's operator is refused them.
      expect((await at(tokens.Claire, "GET", "/monitoring/deadlines")).status).toBe(200);
      expect((await at(tokens.rhone, "GET", "/monitoring/deadlines")).status).toBe(403);
    });

    it("keeps the national site's holders and cards from a prefecture: it neither registers there nor reaches their cards", async () => {
      const refused = await at(tokens.rhone, "POST", "/agents", registration("Durand", "Paul", "PD5566778", "rhone-operator"));
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: "forbidden" });
      const listing = await at(tokens.rhone, "GET", "/agents?site=national");
      expect({ status: listing.status, code: listing.body.code }).toEqual({ status: 403, code: "forbidden" });
      expect((await ok("rhone", "GET", "/agents")).items).toEqual([]);
      const card = await at(tokens.rhone, "GET", `/cards/${cards.Marc?.id}`);
      expect({ status: card.status, code: card.body.code }).toEqual({ status: 403, code: "forbidden" });
      const approval = await at(tokens.rhone, "POST", `/cards/${cards.Marc?.id}/personalisation-approval`, { reason: "approbation" });
      expect(approval.status).toBe(403);
    });

    it("lets the first card's holder hand over a national card the bootstrap session registered and ordered: she is its second person", async () => {
      // The hand-over the bootstrap session started on his card is open, its code used: she takes it up.
      const published = await desk.resume(tokens.Claire as string, cards.Marc?.id as string, { pin: "314159", reason: "reprise de la remise" });
      expect({ status: published.status, body: published.body }).toMatchObject({ status: 200 });
      expect({ status: published.body.status, approvedBy: published.body.personalisationApprovedBy }).toEqual({ status: "active", approvedBy: undefined });
      const marc = await signIn("Marc");
      expect({ role: marc.role, site: marc.site }).toEqual({ role: "national-administrator", site: { _tag: "national" } });
    });

    it("keeps dual control at the national site: a card she registered and ordered is handed over once another national administrator approved it", async () => {
      const claire = (await ok("Claire", "GET", "/sessions/current")).actor;
      await received("Durand", "Paul", "PD5566778", "Claire", claire.id);
      const alone = await handOver("Claire", "Paul");
      expect({ status: alone.status, code: alone.body.code }).toEqual({ status: 403, code: "dual-control-required" });
      const marc = (await ok("Marc", "GET", "/sessions/current")).actor;
      const approved = await at(tokens.Marc, "POST", `/cards/${cards.Paul?.id}/personalisation-approval`, { reason: "second contrôle à l'ANTS" });
      expect({ status: approved.status, approvedBy: approved.body.personalisationApprovedBy }).toEqual({ status: 200, approvedBy: marc.id });
      const published = await handOver("Claire", "Paul");
      expect({ status: published.status, card: published.body.status }).toEqual({ status: 200, card: "active" });
    });

    it("signs ANTS's auditor in with her card as the auditor: she verifies the trail and administers nothing", async () => {
      const claire = (await ok("Claire", "GET", "/sessions/current")).actor;
      await received("Garnier", "Sophie", "SG3344556", "Claire", claire.id, ["audit-trail"]);
      await ok("Marc", "POST", `/cards/${cards.Sophie?.id}/personalisation-approval`, { reason: "second contrôle à l'ANTS" });
      expect((await handOver("Claire", "Sophie")).status).toBe(200);
      const sophie = await signIn("Sophie");
      expect({ role: sophie.role, site: sophie.site }).toEqual({ role: "auditor", site: { _tag: "national" } });
      expect((await at(tokens.Sophie, "GET", "/audit/verification")).body.valid).toBe(true);
      expect((await at(tokens.Claire, "GET", "/audit/verification")).status).toBe(403);
      const registering = await at(tokens.Sophie, "POST", "/agents", registration("Durand", "Luc", "LD9988776", sophie.id));
      expect({ status: registering.status, code: registering.body.code }).toEqual({ status: 403, code: "forbidden" });
    });
  });
}
