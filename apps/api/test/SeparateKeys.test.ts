/**
 * RGS rule certificate.separate-keys through the API: a card (or its middleware) that answers the
 * same key pair for authentication and signature — and signs both CSRs with it, so that each CSR
 * proves its key — is refused at the hand-over's certificate requests, with the rule's id, before
 * any certificate is issued. The card stays received and uncertified.
 */
import { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Layer, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Platform from "@comedec/platform";
import { createPublicKey, verify } from "node:crypto";
import * as AtTheDesk from "./AtTheDesk.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

/**
 * Virtual cards with one key pair for both uses: the signature key pair is answered as the
 * authentication one, and signing with the signature key signs with the authentication key.
 */
const oneKeyForBoth = Layer.effect(
  SmartCards,
  Effect.map(SmartCards.use(Effect.succeed), (cards) => {
    const authentication = new Map<string, Uint8Array>();
    return SmartCards.of({
      ...cards,
      generateKeyPair: (serial, usage, algorithm) =>
        Effect.map(cards.generateKeyPair(serial, usage, algorithm), (key) => {
          if (usage === "authentication") authentication.set(serial, key.publicKey);
          return usage === "signature" ? { ...key, publicKey: authentication.get(serial) ?? key.publicKey } : key;
        }),
      sign: (serial, usage, data, pin) => (usage === "signature" ? cards.sign(serial, "authentication", data) : cards.sign(serial, usage, data, pin)),
    });
  }),
).pipe(Layer.provideMerge(Simulator.layer({ seed: "separate-keys" })));

/** A DER element's content and end, at `offset`. */
const element = (der: Buffer, offset: number) => {
  const first = der[offset + 1] as number;
  const octets = first & 0x80 ? first & 0x7f : 0;
  const length = octets === 0 ? first : der.readUIntBE(offset + 2, octets);
  const content = offset + 2 + octets;
  return { start: offset, content, end: content + length };
};

/** A PKCS#10 request's key (SubjectPublicKeyInfo) and whether its signature verifies with that key. */
const requestOf = (base64: string) => {
  const der = Buffer.from(base64, "base64");
  const info = element(der, element(der, 0).content);
  const subject = element(der, element(der, info.content).end);
  const key = element(der, subject.end);
  const signature = element(der, element(der, info.end).end);
  const publicKey = der.subarray(key.start, key.end);
  // The BIT STRING's first octet counts its unused bits (none).
  const signedByItsKey = verify(
    "sha256",
    der.subarray(info.start, info.end),
    createPublicKey({ key: publicKey, format: "der", type: "spki" }),
    der.subarray(signature.content + 1, signature.end),
  );
  return { publicKey, signedByItsKey };
};

const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 })];
const today = new Date().toISOString().slice(0, 10);
const prefecture = { _tag: "prefecture", departement: "69" as never } as const;

for (const adapter of adapters) {
  describe(`one key pair for both uses, refused over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(
      Platform.services(adapter.layer(), { pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" }, smartCards: oneKeyForBoth }),
    );
    const app = App.make(runtime, Services.suiteRateLimits);
    const tokens: Record<string, string> = {};
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

    beforeAll(async () => {
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      await issue("ants", Actor.Actor.make({ id: "ants", name: "ants", role: "national-administrator", site: { _tag: "national" } }));
      await issue("prefecture", Actor.Actor.make({ id: "pref-69", name: "pref-69", role: "prefecture-operator", site: prefecture }));
      await issue("prefectureBis", Actor.Actor.make({ id: "pref-69-bis", name: "pref-69-bis", role: "prefecture-operator", site: prefecture }));
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("refuses the hand-over's certificate requests with certificate.separate-keys and issues no certificate", async () => {
      const holder = await ok("prefectureBis", "POST", "/agents", {
        identity: { birthName: "Sauvage", givenNames: ["Sophie"], sex: "F", birthDate: "1984-04-04", placeOfBirth: { _tag: "commune", commune: "69123" } },
        document: {
          type: "carte-nationale-identite",
          number: "SK4000001",
          issuingAuthority: "Préfecture du Rhône",
          expiresOn: "2033-01-01",
          holder: { birthName: "SAUVAGE", givenNames: ["Sophie"], birthDate: "1984-04-04" },
          check: { by: "pref-69-bis", on: today, faceToFace: true },
        },
        contact: { email: "sophie.sauvage@rhone.gouv.fr" },
        site: prefecture,
        profile: { _tag: "agent" },
        rights: ["operate-cards"],
      });
      const card = (await ok("prefectureBis", "POST", "/cards", { holder: holder.id, reason: "carte d'un agent de la préfecture" })).id as string;
      const { serial } = await ok("ants", "POST", `/cards/${card}/production`, { reason: "commande" });
      await ok("ants", "POST", `/cards/${card}/shipment`, { reason: "envoi" });
      await ok("prefecture", "POST", `/cards/${card}/receipt`, { serial, reason: "colis reçu" });
      await ok("prefectureBis", "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
      const code = await Letters.codeFromLetter((path, init) => app.request(path, init), tokens.ants as string, card);
      // The console's walk at the desk, the CSRs the agent had the card sign kept as they reach the platform.
      const sent: Array<Record<"authentication" | "signature", string>> = [];
      const desk = await AtTheDesk.make((token, method, path, body) => {
        if (path.endsWith("/hand-over/certificate-requests")) sent.push((body as { csrs: Record<"authentication" | "signature", string> }).csrs);
        return at(token, method, path, body);
      }, runtime);
      const refused = await desk.publish(tokens.prefecture as string, card, {
        activationCode: code,
        pin: "739164",
        handOver: { document: { type: "carte-nationale-identite", number: "SK4000001" }, place: "prefecture" },
        reason: "remise",
      });
      expect(`${refused.status} ${refused.body.code} ${refused.body.rule}`).toBe("403 rgs-rule-broken certificate.separate-keys");
      // The rule refused it, nothing else: one key in both requests, each signed by that key.
      const [csrs] = sent;
      expect(sent).toHaveLength(1);
      const requests = [csrs?.authentication, csrs?.signature].map((csr) => requestOf(csr as string));
      expect(requests[0]?.publicKey.equals(requests[1]?.publicKey as Buffer)).toBe(true);
      for (const request of requests) expect(request.signedByItsKey).toBe(true);
      const after = await ok("prefecture", "GET", `/cards/${card}`);
      expect(after.status).toBe("received");
      expect(after.certificates).toBeUndefined();
      const issued = await runtime.runPromise(
        RawSql.use((sql) => Effect.promise(() => sql.query<{ n: number }>("SELECT count(*)::int AS n FROM certificate WHERE card = $1", [card]))),
      );
      expect(issued[0]?.n).toBe(0);
    });
  });
}
