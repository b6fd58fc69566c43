/**
 * The card lifecycle with no holes (issue 23), over HTTP on a real socket, checked by OpenSSL as a
 * relying party would: a holder deactivated in the directory has their card suspended and both its
 * certificates on hold (`Certificate Hold` in the CRL, revoked/certificateHold in OCSP) and their
 * sessions ended at once; reactivated, the card resumes and the certificates are good again (the
 * CRL no longer lists them); after a long deactivation the reactivation needs a new identity
 * document checked face to face; a held card revoked meanwhile stays revoked; a card whose
 * certificates ended is expired by the daily job, its pending request cancelled.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { Card, SmartCards } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { Expiry, Local, Renewals } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { adapters } from "@comedec/persistence/testing";
import { Der } from "@comedec/pki";
import { Access, Tokens } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Clock, Effect, ManagedRuntime } from "effect";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-lyon", name: "Délégué Lyon", role: "commune-operator", site: lyon });
const today = new Date().toISOString().slice(0, 10);
const day = 86_400_000;
const pin = "482915";

const document = (number: string, birthName: string) => ({
  type: "passeport",
  number,
  issuingAuthority: "Consulat",
  expiresOn: "2034-01-01",
  holder: { birthName: birthName.toUpperCase(), givenNames: ["Paul"], birthDate: "1975-03-02" },
  check: { by: "rc-lyon", on: today, faceToFace: true },
});
const registration = (birthName: string, number: string) =>
  ({
    identity: { birthName, givenNames: ["Paul"], sex: "M", birthDate: "1975-03-02", placeOfBirth: { _tag: "abroad", country: "CH", city: "Genève" } },
    document: document(number, birthName),
    contact: { email: `${birthName.toLowerCase()}@mairie-lyon.fr` },
    site: lyon,
    profile: { _tag: "officer", basis: { _tag: "deputy" } },
    rights: ["receive-requests", "sign-responses"],
  }) as unknown as Agent.Registration;

/** What OpenSSL printed on both streams. Asynchronous: `openssl ocsp -url` calls this very process's server. */
const openssl = (args: ReadonlyArray<string>) =>
  new Promise<string>((resolve) => {
    const child = spawn("openssl", args);
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", () => resolve(output));
  });

interface Published {
  readonly id: string;
  readonly serial: string;
  readonly holder: string;
  readonly certificates: Card.Certificates;
}

for (const adapter of adapters) {
  describe(`the card lifecycle over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const directory = mkdtempSync(join(tmpdir(), "card-lifecycle-"));
    const file = (name: string) => join(directory, name);
    let base = "";
    let close = () => Promise.resolve();
    let token = "";

    /** Registers an agent and publishes a card for them, the certificates written out for OpenSSL. */
    const publishedCard = (birthName: string, number: string): Promise<Published> =>
      runtime.runPromise(
        Effect.gen(function* () {
          const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration(birthName, number)))).state.id;
          const byOperator = yield* Local.make(operator);
          const byAnts = yield* Local.make(ants);
          const ordered = yield* byOperator.order({ holder, reason: "nouvel officier" });
          const serial = (yield* byAnts.startProduction(ordered.state.id, "fabrication")).state.serial as string;
          yield* byAnts.ship(ordered.state.id, "envoi");
          yield* byOperator.receive(ordered.state.id, serial, "reçue");
          const code = yield* Letters.codeFromLetterOf(ants, ordered.state.id);
          // The operator registered the holder and ordered the card: the délégué is the second person.
          yield* (yield* Local.make(deputy)).approvePersonalisation(ordered.state.id, "second contrôle");
          const published = yield* Desk.publish(operator, ordered.state.id, {
            activationCode: code,
            pin,
            handOver: { document: { type: "passeport", number }, place: "mairie" },
            reason: "remise",
          });
          // The card stays logged in at the workstation, as the agent's software keeps it.
          yield* SmartCards.use((cards) => cards.login(serial, pin));
          for (const usage of ["authentication", "signature"] as const) {
            const certificate = yield* SmartCards.use((cards) => cards.readCertificate(serial, usage));
            writeFileSync(file(`${birthName}-${usage}.pem`), Der.pem("CERTIFICATE", certificate));
          }
          return { id: ordered.state.id, serial, holder, certificates: published.state.certificates as Card.Certificates };
        }),
      );

    const call = async (method: string, path: string, body?: unknown, bearer = token) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const status = async (card: string) => (await call("GET", `/cards/${card}`)).body.status as string;

    /** The CRL served now, written for OpenSSL, as `openssl crl -text` reads it. */
    const crl = async () => {
      const response = await fetch(`${base}/pki/crl`);
      expect(response.status).toBe(200);
      writeFileSync(file("crl.pem"), Der.pem("X509 CRL", new Uint8Array(await response.arrayBuffer())));
      return openssl(["crl", "-in", file("crl.pem"), "-noout", "-text", "-CAfile", file("issuing.pem")]);
    };
    /** The CRL's entry for a serial: its lines up to the next entry. */
    const entryOf = (text: string, serial: string) => {
      const start = text.indexOf(`Serial Number: ${serial.toUpperCase()}`);
      if (start < 0) return undefined;
      const next = text.indexOf("Serial Number:", start + 10);
      return text.slice(start, next < 0 ? undefined : next);
    };
    const verify = (certificate: string) =>
      openssl(["verify", "-crl_check", "-CRLfile", file("crl.pem"), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file(certificate)]);
    const ocsp = (certificate: string) =>
      openssl([
        "ocsp",
        "-url",
        `${base}/pki/ocsp`,
        "-issuer",
        file("issuing.pem"),
        "-cert",
        file(certificate),
        "-CAfile",
        file("root.pem"),
        "-verify_other",
        file("issuing.pem"),
      ]);
    const login = async (serial: string) => {
      const challenge = (await call("POST", "/sessions/challenges")).body;
      const { certificate, signature } = await runtime.runPromise(
        SmartCards.use((cards) =>
          Effect.all({
            certificate: cards.readCertificate(serial, "authentication"),
            signature: cards.sign(serial, "authentication", new TextEncoder().encode(challenge.toSign)),
          }),
        ),
      );
      return call("POST", "/sessions", {
        challenge: challenge.id,
        certificate: Buffer.from(certificate).toString("base64"),
        signature: Buffer.from(signature).toString("base64"),
      });
    };

    beforeAll(async () => {
      const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 })];
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Deployment.importReference(grant, reference)),
      );
      const server = serve({ fetch: App.make(runtime, Services.suiteRateLimits).fetch, port: 0, hostname: "127.0.0.1" });
      await new Promise((resolve) => server.once("listening", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise<void>((resolve) => server.close(() => resolve()));
      token = (await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(operator, 1, operator, "bootstrap")))).token;
      for (const [path, name] of [
        ["/pki/ca/root.crt", "root.pem"],
        ["/pki/ca/issuing.crt", "issuing.pem"],
      ] as const) {
        writeFileSync(file(name), Der.pem("CERTIFICATE", new Uint8Array(await (await fetch(`${base}${path}`)).arrayBuffer())));
      }
    }, 180_000);
    afterAll(async () => {
      await close();
      await runtime.dispose();
    });

    it("holds a deactivated holder's certificates (CRL and OCSP), ends their sessions at once, and releases the hold on reactivation", async () => {
      const card = await publishedCard("Lemoine", "PL9876543");
      const { authentication, signature } = card.certificates;
      expect(entryOf(await crl(), authentication.serial)).toBeUndefined();
      expect(await verify("Lemoine-authentication.pem")).toContain("OK");
      expect(await ocsp("Lemoine-signature.pem")).toContain("Lemoine-signature.pem: good");
      const session = (await login(card.serial)).body.token as string;
      expect((await call("GET", `/cards/${card.id}`, undefined, session)).status).toBe(200);

      const agent = (await call("GET", `/agents/${card.holder}`)).body;
      const deactivated = await call("POST", `/agents/${card.holder}/deactivation`, { reason: "mutation en cours", expectedVersion: agent.version });
      expect(deactivated).toMatchObject({ status: 200, body: { status: "deactivated", deactivatedOn: today } });
      expect(await status(card.id)).toBe("suspended");
      // The session opened before ends with the deactivation, not 30 minutes later.
      expect((await call("GET", `/cards/${card.id}`, undefined, session)).status).toBe(401);
      const held = await crl();
      for (const serial of [authentication.serial, signature.serial]) expect(entryOf(held, serial)).toContain("Certificate Hold");
      expect(held).toContain("verify OK");
      expect(await verify("Lemoine-authentication.pem")).toContain("certificate revoked");
      const heldOcsp = await ocsp("Lemoine-signature.pem");
      expect(heldOcsp).toContain("Response verify OK");
      expect(heldOcsp).toContain("Lemoine-signature.pem: revoked");
      expect(heldOcsp).toContain("Reason: certificateHold");
      expect((await login(card.serial)).status).toBe(401);

      // Nobody reactivates their own record, whatever token they still hold (RGS roles.no-self-grant).
      const self = Actor.Actor.make({ id: card.holder, name: "lui-même", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
      const selfToken = (await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(self, 1, operator, "bootstrap")))).token;
      const selfReactivation = await call("POST", `/agents/${card.holder}/reactivation`, { reason: "moi-même" }, selfToken);
      expect(`${selfReactivation.status} ${selfReactivation.body.code} ${selfReactivation.body.rule}`).toBe("403 rgs-rule-broken roles.no-self-grant");
      // Reactivating an active agent, or one unknown, is refused.
      expect((await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour", expectedVersion: 0 })).body.code).toBe("stale-version");
      const reactivated = await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour de mutation" });
      expect(reactivated).toMatchObject({ status: 200, body: { status: "active" } });
      expect(reactivated.body.deactivatedOn).toBeUndefined();
      expect((await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour" })).body.code).toBe("agent-illegal-transition");
      expect(await status(card.id)).toBe("active");
      const released = await crl();
      for (const serial of [authentication.serial, signature.serial]) expect(entryOf(released, serial)).toBeUndefined();
      expect(await verify("Lemoine-authentication.pem")).toContain("Lemoine-authentication.pem: OK");
      expect(await ocsp("Lemoine-signature.pem")).toContain("Lemoine-signature.pem: good");
      // The old session stays closed; the card logs in again.
      expect((await call("GET", `/cards/${card.id}`, undefined, session)).status).toBe(401);
      expect((await login(card.serial)).status).toBe(201);
    });

    it("resumes a PIN-blocked card as PIN-blocked, its certificates out of hold", async () => {
      const card = await publishedCard("Perrin", "PP1234567");
      await runtime.runPromise(
        Effect.gen(function* () {
          // Three wrong PINs typed at the card, the one that locks it reported to the platform.
          for (const wrong of ["111111", "222222", "333333"]) yield* Effect.result(Desk.checkPin(operator, card.id, card.serial, wrong));
        }),
      );
      expect(await status(card.id)).toBe("pin-blocked");
      await call("POST", `/agents/${card.holder}/deactivation`, { reason: "congé long" });
      expect(await status(card.id)).toBe("suspended");
      expect(entryOf(await crl(), card.certificates.authentication.serial)).toContain("Certificate Hold");
      await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour de congé" });
      expect(await status(card.id)).toBe("pin-blocked");
      expect(entryOf(await crl(), card.certificates.authentication.serial)).toBeUndefined();
    });

    it("asks for a new identity document after a long deactivation, and keeps a held card revoked meanwhile revoked", async () => {
      const card = await publishedCard("Garnier", "PG7654321");
      // Deactivated more than a year ago (the use case on a clock set back): the directory says when.
      const longAgo = Date.now() - (365 + 30) * day;
      await runtime.runPromise(
        Effect.provideService(
          Directory.forActor(operator, (agaec) => agaec.deactivate(card.holder, "départ")),
          Clock.Clock,
          Services.clockAt(longAgo),
        ),
      );
      expect((await call("GET", `/agents/${card.holder}`)).body.deactivatedOn).toBe(new Date(longAgo).toISOString().slice(0, 10));
      expect(entryOf(await crl(), card.certificates.signature.serial)).toContain("Certificate Hold");
      const refused = await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour" });
      expect(refused).toMatchObject({ status: 422, body: { code: "document-check-required" } });
      const notFaceToFace = { ...document("PG0000001", "Garnier"), check: { by: "rc-lyon", on: today, faceToFace: false } };
      expect((await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour", document: notFaceToFace })).body.code).toBe(
        "document-not-acceptable",
      );
      const someoneElse = { ...document("PG0000001", "Autre"), holder: { birthName: "AUTRE", givenNames: ["Paul"], birthDate: "1975-03-02" } };
      expect((await call("POST", `/agents/${card.holder}/reactivation`, { reason: "retour", document: someoneElse })).body.code).toBe("identity-mismatch");
      expect(await status(card.id)).toBe("suspended");
      // The card is revoked while held: the hold becomes a revocation, which the reactivation does not lift.
      const revoked = await call("POST", `/cards/${card.id}/revocation`, { revocationReason: "keyCompromise", reason: "carte perdue pendant l'absence" });
      expect(revoked).toMatchObject({ status: 200, body: { status: "revoked" } });
      const afterRevocation = await crl();
      expect(entryOf(afterRevocation, card.certificates.signature.serial)).toContain("Key Compromise");
      expect(entryOf(afterRevocation, card.certificates.signature.serial)).not.toContain("Certificate Hold");
      const checked = await call("POST", `/agents/${card.holder}/reactivation`, {
        reason: "retour, pièce contrôlée",
        document: document("PG0000001", "Garnier"),
      });
      expect(checked).toMatchObject({ status: 200, body: { status: "active", document: { number: "PG0000001" }, registeredBy: "rc-lyon" } });
      expect(await status(card.id)).toBe("revoked");
      expect(entryOf(await crl(), card.certificates.signature.serial)).toContain("Key Compromise");
      const answer = await ocsp("Garnier-signature.pem");
      expect(answer).toContain("Garnier-signature.pem: revoked");
      expect(answer).toContain("Reason: keyCompromise");
    });

    it("expires a card the day after its certificates end, cancelling its pending request; a suspended card too", async () => {
      const card = await publishedCard("Roussel", "PR1122334");
      const suspendedCard = await publishedCard("Fabre", "PF5566778");
      await call("POST", `/agents/${suspendedCard.holder}/deactivation`, { reason: "congé" });
      const end = Date.parse(card.certificates.authentication.notAfter);
      const at =
        (millis: number) =>
        <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          Effect.provideService(effect, Clock.Clock, Services.clockAt(millis));
      // The automatic renewal request, filed ahead of the end and never validated.
      expect(await runtime.runPromise(Renewals.requestDue().pipe(at(end - 30 * day)))).toContain(card.id);
      const pending = (await call("GET", "/card-requests?commune=69123&status=pending-validation")).body.items.find(
        (request: { card?: string }) => request.card === card.id,
      );
      expect(pending).toMatchObject({ kind: "certificate-renewal", status: "pending-validation" });
      // The day before the end, nothing moves.
      expect(await runtime.runPromise(Expiry.expireEnded().pipe(at(end - day)))).toEqual({ expired: [], cancelledRequests: [] });
      expect(await status(card.id)).toBe("active");
      // The daily job the day after: both cards, and the request, whatever else the store holds.
      const report = await runtime.runPromise(Expiry.expireEnded().pipe(at(end + day)));
      expect(report.expired).toEqual(expect.arrayContaining([card.id, suspendedCard.id]));
      expect(report.cancelledRequests).toContain(pending.id);
      expect(await status(card.id)).toBe("expired");
      expect(await status(suspendedCard.id)).toBe("expired");
      expect((await call("GET", `/card-requests/${pending.id}`)).body).toMatchObject({ status: "cancelled" });
      // Run again: nothing left to do; an expired card is out of everything.
      expect(await runtime.runPromise(Expiry.expireEnded().pipe(at(end + 2 * day)))).toEqual({ expired: [], cancelledRequests: [] });
      expect((await call("POST", `/cards/${card.id}/revocation`, { revocationReason: "unspecified", reason: "trop tard" })).body.code).toBe(
        "card-illegal-transition",
      );
      // The holder of the suspended card comes back: the card stays expired.
      await call("POST", `/agents/${suspendedCard.holder}/reactivation`, { reason: "retour" });
      expect(await status(suspendedCard.id)).toBe("expired");
    });

    it("serves the card state machine with who fires each transition and why", async () => {
      const machines = (await call("GET", "/card-platform/state-machines")).body;
      expect(machines.card.version).toBe(Card.machine.version);
      const byCommand = new Map<string, { by: ReadonlyArray<string>; why: string; from: ReadonlyArray<string> }>(
        machines.card.transitions.map((transition: { command: string }) => [transition.command, transition]),
      );
      for (const command of ["Suspend", "Resume", "Expire", "Revoke"]) expect(byCommand.get(command)?.why.length).toBeGreaterThan(20);
      expect(byCommand.get("Resume")).toMatchObject({ from: ["suspended"], by: ["platform"] });
      expect(byCommand.get("Expire")?.by).toEqual(["platform"]);
      for (const transition of machines.card.transitions) expect(transition.why, transition.command).toBeTruthy();
    });
  });
}
