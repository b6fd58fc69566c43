/**
 * Login with the agent's card over HTTP, on a real socket: the agent's software (the typed
 * smart-card port on the card, as an editor's would) signs the platform's challenge with the
 * card's authentication key; the session it opens acts with the agent's role and site, and dies
 * with the certificate. Replayed or foreign challenges, the signature key, a revoked or foreign
 * certificate and a deactivated holder are refused.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { SmartCards } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { Local, Login } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Authority } from "@comedec/pki";
import { Access, Tokens } from "@comedec/rgs";
import { Clock, Effect, ManagedRuntime } from "effect";
import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-lyon", name: "Délégué Lyon", role: "commune-operator", site: lyon });
const today = new Date().toISOString().slice(0, 10);
const pin = "482915";

const registration = (birthName: string, number: string, rights: ReadonlyArray<string>) =>
  ({
    identity: { birthName, givenNames: ["Jeanne"], sex: "F", birthDate: "1982-09-09", placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" } },
    document: {
      type: "passeport",
      number,
      issuingAuthority: "Consulat",
      expiresOn: "2034-01-01",
      holder: { birthName: birthName.toUpperCase(), givenNames: ["Jeanne"], birthDate: "1982-09-09" },
      check: { by: "rc-lyon", on: today, faceToFace: true },
    },
    contact: { email: "jeanne@mairie-lyon.fr" },
    site: lyon,
    profile: { _tag: "officer", basis: { _tag: "deputy" } },
    rights,
  }) as unknown as Agent.Registration;

for (const adapter of adapters) {
  describe(`login with the card on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const cards: Record<string, { id: string; serial: string; holder: string }> = {};

    /** Registers an agent and publishes a card for them; the card stays logged in for the test. */
    const cardFor = (name: string, number: string, rights: ReadonlyArray<string>) =>
      runtime.runPromise(
        Effect.gen(function* () {
          const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration(name, number, rights)))).state.id;
          const byOperator = yield* Local.make(operator);
          const byAnts = yield* Local.make(ants);
          const ordered = yield* byOperator.order({ holder, reason: "nouvel agent" });
          const serial = (yield* byAnts.startProduction(ordered.state.id, "fabrication")).state.serial as string;
          yield* byAnts.ship(ordered.state.id, "envoi");
          yield* byOperator.receive(ordered.state.id, serial, "reçue");
          const code = yield* Letters.codeFromLetterOf(ants, ordered.state.id);
          // The operator registered the holder and ordered the card: the délégué is the second person.
          yield* (yield* Local.make(deputy)).approvePersonalisation(ordered.state.id, "second contrôle");
          yield* Desk.publish(operator, ordered.state.id, {
            activationCode: code,
            pin,
            handOver: { document: { type: "passeport", number }, place: "mairie" },
            reason: "remise",
          });
          yield* SmartCards.use((smartCards) => smartCards.login(serial, pin));
          return { id: ordered.state.id, serial, holder };
        }),
      );

    const post = async (path: string, body?: unknown, token?: string) => {
      const response = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const get = async (path: string, token: string) => {
      const response = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };

    /** What the agent's software does: ask, sign with the card, answer. */
    const login = async (serial: string, usage: "authentication" | "signature" = "authentication") => {
      const challenge = (await post("/sessions/challenges")).body;
      const { certificate, signature } = await runtime.runPromise(
        SmartCards.use((smartCards) =>
          Effect.all({
            certificate: smartCards.readCertificate(serial, usage),
            signature: smartCards.sign(serial, usage, new TextEncoder().encode(challenge.toSign), usage === "signature" ? pin : undefined),
          }),
        ),
      );
      const answer = {
        challenge: challenge.id,
        certificate: Buffer.from(certificate).toString("base64"),
        signature: Buffer.from(signature).toString("base64"),
      };
      return { answer, response: await post("/sessions", answer) };
    };

    beforeAll(async () => {
      const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 })];
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Deployment.importReference(grant, reference)),
      );
      cards.officer = await cardFor("Vidal", "JV1111111", ["receive-requests", "sign-responses"]);
      cards.operator = await cardFor("Marchal", "JM2222222", ["operate-cards", "register-agents"]);
    }, 180_000);
    afterAll(() => runtime.dispose());

    it("opens a session for the holder with their role and site, usable on the API, and closes it at logout", async () => {
      const { response } = await login(cards.officer?.serial as string);
      expect(response.status).toBe(201);
      expect(response.body.actor).toMatchObject({ id: cards.officer?.holder, role: "agent", site: lyon });
      const token = response.body.token as string;
      expect((await get(`/cards/${cards.officer?.id}`, token)).body.status).toBe("active");
      expect((await get(`/cards/${cards.operator?.id}`, token)).status).toBe(403);
      const asOperator = (await login(cards.operator?.serial as string)).response.body;
      expect(asOperator.actor.role).toBe("commune-operator");
      expect((await get(`/cards/${cards.officer?.id}`, asOperator.token)).status).toBe(200);
      expect((await post("/sessions/logout", { token }, token)).body).toEqual({ closed: true });
      expect((await get(`/cards/${cards.officer?.id}`, token)).body.code).toBe("unauthenticated");
    });

    it("opens one session when the same answer arrives many times at once, and many for many answers", async () => {
      const { answer } = await login(cards.officer?.serial as string);
      const answers = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const challenge = (await post("/sessions/challenges")).body;
          const signature = await runtime.runPromise(
            SmartCards.use((smartCards) => smartCards.sign(cards.officer?.serial as string, "authentication", new TextEncoder().encode(challenge.toSign))),
          );
          return { ...answer, challenge: challenge.id, signature: Buffer.from(signature).toString("base64") };
        }),
      );
      // Logins that arrive together share one statement: six copies of one answer open one session.
      const [replayed, ...fresh] = answers;
      const responses = await Promise.all([...Array.from({ length: 6 }, () => post("/sessions", replayed)), ...fresh.map((one) => post("/sessions", one))]);
      const statuses = responses.map((response) => response.status);
      expect(statuses.slice(0, 6).sort()).toEqual([201, 401, 401, 401, 401, 401]);
      expect(statuses.slice(6)).toEqual([201, 201, 201, 201, 201]);
    });

    it("refuses an expired challenge, and a certificate past its validity", async () => {
      const challenge = (await post("/sessions/challenges")).body;
      const signature = await runtime.runPromise(
        SmartCards.use((smartCards) => smartCards.sign(cards.officer?.serial as string, "authentication", new TextEncoder().encode(challenge.toSign))),
      );
      const certificate = await runtime.runPromise(
        SmartCards.use((smartCards) => smartCards.readCertificate(cards.officer?.serial as string, "authentication")),
      );
      const answer = {
        challenge: challenge.id,
        certificate: Buffer.from(certificate).toString("base64"),
        signature: Buffer.from(signature).toString("base64"),
      };
      // The same answer, checked four years from now: the certificate (three years at most) has expired.
      const inFourYears = Date.now() + 4 * 365 * 86_400_000;
      const late = await runtime.runPromiseExit(
        Effect.provideService(Login.open({ challenge: answer.challenge, certificate, signature }), Clock.Clock, Services.clockAt(inFourYears)),
      );
      expect(JSON.stringify(late)).toContain("certificate outside its validity period");
      // The challenge itself expires: two minutes after it was given, nobody may answer it.
      await runtime.runPromise(
        RawSql.use((sql) =>
          Effect.promise(() => sql.query("UPDATE login_challenge SET expires_at = now() - interval '1 second' WHERE id = $1", [challenge.id])),
        ),
      );
      expect(await post("/sessions", answer)).toMatchObject({ status: 401, body: { reason: expect.stringContaining("expired") } });
    });

    it("refuses a replayed challenge, a forged signature, the signature key and a certificate from elsewhere", async () => {
      const { answer } = await login(cards.officer?.serial as string);
      const replay = await post("/sessions", answer);
      expect(replay).toMatchObject({ status: 401, body: { code: "login-refused", reason: expect.stringContaining("already used") } });
      const challenge = (await post("/sessions/challenges")).body;
      const forged = await post("/sessions", { ...answer, challenge: challenge.id });
      expect(forged.body.reason).toContain("signature does not answer");
      expect((await login(cards.officer?.serial as string, "signature")).response.body.reason).toContain("not an authentication certificate");
      const elsewhere = Authority.createHierarchy(new Date());
      const stranger = await post("/sessions", {
        challenge: (await post("/sessions/challenges")).body.id,
        certificate: Buffer.from(elsewhere.issuing.certificate).toString("base64"),
        signature: Buffer.from(sign("sha256", Buffer.from("x"), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey)).toString("base64"),
      });
      expect(stranger.body.reason).toContain("not issued by this CA");
    });

    it("ends the sessions of a revoked card and refuses it at login, and refuses a deactivated holder", async () => {
      const session = (await login(cards.officer?.serial as string)).response.body.token as string;
      await runtime.runPromise(
        Local.forActor(operator, (platform) => platform.revoke(cards.officer?.id as string, { revocationReason: "keyCompromise", reason: "carte perdue" })),
      );
      expect((await get(`/cards/${cards.officer?.id}`, session)).status).toBe(401);
      expect((await login(cards.officer?.serial as string)).response.body.reason).toContain("revoked");
      await runtime.runPromise(Directory.forActor(operator, (agaec) => agaec.deactivate(cards.operator?.holder as string, "départ")));
      // Deactivation suspends the card and puts its certificates on hold (issue 23): the login is refused on the certificate.
      expect((await login(cards.operator?.serial as string)).response.body.reason).toContain("certificateHold");
      // Machine accounts keep their bearer tokens.
      const { token } = await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(ants, 1, ants, "bootstrap")));
      expect((await get(`/cards/${cards.officer?.id}`, token)).status).toBe(200);
    });
  });
}
