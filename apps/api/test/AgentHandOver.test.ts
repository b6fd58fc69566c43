/**
 * A commune's first two cards walk end to end through the card agent, a separate process spawned
 * from its built command, on virtual cards and on SoftHSM2 tokens, with the real API on a socket,
 * on every persistence adapter. The prefecture hands the responsable carte's card over at its desk
 * (another prefecture operator approved first); the card is pulled out — the agent stopped, the
 * card out of its reader — at each step of the hand-over, and the next attempt completes it (a resumption without the code;
 * the same keys get the same certificates, new keys revoke the previous ones). The responsable
 * carte then signs in with her new card through the agent, and activates the délégué's card at
 * the mairie; the délégué's certificates are renewed at the agent, and his card, blocked after
 * three wrong PINs, unblocked there. Recording proxies between the agent and the platform, and
 * between the test's "page" and the platform, show that no PIN and no PUK ever cross to the
 * platform; no request body of these endpoints in /openapi.json has a PIN or PUK field.
 */
import { Actor } from "@comedec/actor";
import { CardSecrets, CertificateAuthority, CertificateRegistry } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import * as Platform from "@comedec/platform";
import { Authority, Csr } from "@comedec/pki";
import { Access, Tokens } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { serve } from "@hono/node-server";
import { Effect, ManagedRuntime } from "effect";
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Letters from "./Letters.js";
import * as Services from "./Services.js";

const agentMain = fileURLToPath(new URL("../../../packages/card-agent/dist/main.js", import.meta.url));
const consoleOrigin = "https://console.comedec.test";
const today = new Date().toISOString().slice(0, 10);
const reference = [
  Commune.Commune.make({ code: "69266" as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 150_000 }),
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
];
const pins = { alice: "482915", bruno: "739164", brunoAfterUnblock: "264813" };
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

/** What crossed a recording proxy: each request's and answer's body, as text. */
interface Recorded {
  readonly path: string;
  readonly request: string;
  readonly answer: string;
}

/** A proxy in front of the platform that records every body crossing it. */
const recordingProxy = (target: () => string, recorded: Array<Recorded>): Server =>
  createServer((incoming, outgoing) => {
    const chunks: Array<Buffer> = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(incoming.url ?? "/", target());
      const forwarded = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: incoming.method, headers: { ...incoming.headers, host: url.host } },
        (answer) => {
          const answered: Array<Buffer> = [];
          answer.on("data", (chunk: Buffer) => answered.push(chunk));
          answer.on("end", () => {
            const text = Buffer.concat(answered);
            recorded.push({ path: `${incoming.method} ${incoming.url}`, request: body.toString("utf8"), answer: text.toString("utf8") });
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(text);
          });
        },
      );
      forwarded.on("error", () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      forwarded.end(body);
    });
  });

const listen = async (server: Server) => {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Every string of a JSON document (keys included), to look for a secret as a whole value or a word. */
const stringsOf = (value: unknown): ReadonlyArray<string> =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(stringsOf)
      : value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)])
        : [];
const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

for (const adapter of adapters) {
  for (const driver of Services.drivers) {
    describe(`the first cards through the card agent, a separate process, on ${driver} with the API on ${adapter.name}`, () => {
      const cardsDirectory = mkdtempSync(join(tmpdir(), "comedec-walk-cards-"));
      const runtime = ManagedRuntime.make(
        driver === "simulator"
          ? Platform.services(adapter.layer(), {
              pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" },
              // The manufacturer's virtual cards land in the directory the agent opens at its start.
              smartCards: Simulator.layer({ directory: cardsDirectory }),
            })
          : Services.on(adapter.layer(), "softhsm"),
      );
      const server = serve({ fetch: App.make(runtime, Services.suiteRateLimits).fetch, port: 0, hostname: "127.0.0.1" });
      let platform = "";
      const fromAgent: Array<Recorded> = [];
      const fromPage: Array<Recorded> = [];
      const agentProxy = recordingProxy(() => platform, fromAgent);
      const pageProxy = recordingProxy(() => platform, fromPage);
      let pagePlatform = "";
      let agentPlatform = "";
      const tokens: Record<string, string> = {};
      const ids = { alice: "", bruno: "", aliceCard: "", brunoCard: "" };
      const serials = { alice: "", bruno: "" };
      const codes = { alice: "", bruno: "" };
      const puks: Array<string> = [];

      /** The running agent: its process, port and the directory of its journal. */
      let agent: { process: ChildProcess; port: number } | undefined;
      let stateDirectory = mkdtempSync(join(tmpdir(), "comedec-walk-state-"));

      const startAgent = async () => {
        const started = spawn(
          process.execPath,
          [
            agentMain,
            "--platform",
            agentPlatform,
            "--console-origin",
            consoleOrigin,
            ...(driver === "simulator" ? ["--simulator", cardsDirectory] : ["--pkcs11", Services.softHsmLibrary]),
            "--port",
            "0",
            "--state",
            stateDirectory,
          ],
          { stdio: ["ignore", "pipe", "pipe"], env: process.env },
        );
        let output = "";
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the agent did not start: ${output}`)), 30_000);
          const read = (chunk: Buffer) => {
            output += chunk.toString("utf8");
            const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
            if (listening !== null) {
              clearTimeout(timer);
              resolve(Number(listening[1]));
            }
          };
          started.stdout?.on("data", read);
          started.stderr?.on("data", read);
          started.once("exit", (code) => reject(new Error(`the agent exited with ${code}: ${output}`)));
        });
        agent = { process: started, port };
      };
      /** The card pulled out: the agent stopped dead, whatever it was doing. */
      const stopAgent = async () => {
        const running = agent;
        agent = undefined;
        if (running === undefined) return;
        const exited = new Promise((resolve) => running.process.once("exit", resolve));
        running.process.kill("SIGKILL");
        await exited;
      };

      /** The console page's request to the agent: from its origin, with its pairing. */
      const toAgent = (path: string, pairing: string, body: unknown) =>
        new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
          const port = agent?.port ?? 0;
          const outgoing = request(
            {
              host: "127.0.0.1",
              port,
              path,
              method: "POST",
              headers: { host: `127.0.0.1:${port}`, origin: consoleOrigin, "comedec-pairing": pairing, "content-type": "application/json" },
            },
            (incoming) => {
              let text = "";
              incoming.on("data", (chunk: Buffer) => {
                text += chunk.toString("utf8");
              });
              incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: text === "" ? {} : JSON.parse(text) }));
            },
          );
          outgoing.on("error", reject);
          outgoing.end(JSON.stringify(body));
        });
      const agentOk = async (path: string, pairing: string, body: unknown) => {
        const answer = await toAgent(path, pairing, body);
        if (answer.status !== 200) throw new Error(`agent ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return answer.body;
      };

      /** The page's (or ANTS's tooling's) call of the platform, through the page's recording proxy. */
      const call = async (who: string, method: string, path: string, body?: unknown) => {
        const response = await fetch(`${pagePlatform}${path}`, {
          method,
          headers: { "content-type": "application/json", ...(tokens[who] === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as Record<string, any> };
      };
      const ok = async (who: string, method: string, path: string, body?: unknown) => {
        const response = await call(who, method, path, body);
        if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
        return response.body;
      };
      const problem = async (who: string, method: string, path: string, body: unknown, status: number, code: string) => {
        const response = await call(who, method, path, body);
        expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code });
        return response.body;
      };

      /** A pairing for a session's page, and the agent's sealing key it answers. */
      const paired = async (who: string) => {
        const { pairing } = await ok(who, "POST", "/card-agent/pairings", { origin: consoleOrigin });
        const answer = await agentOk("/v1/pairing", pairing, {});
        return { pairing: pairing as string, agentKey: answer.sealingKey.publicKey as string };
      };
      const registered = (serial: string) => runtime.runPromise(CertificateRegistry.use((registry) => registry.find(serial)));

      beforeAll(async () => {
        if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
        platform = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        agentPlatform = await listen(agentProxy);
        pagePlatform = await listen(pageProxy);
        const system = Actor.platform;
        await runtime.runPromise(
          Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
        );
        const issue = async (name: string, who: Actor.Actor) => {
          tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, system, "bootstrap")))).token;
        };
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
        await ok("ants", "POST", "/communes/69266/onboarding/milestones", {
          evidence: { milestone: "conventionsReceived", reference: "courriel", conventions },
        });
        ids.alice = (await ok("prefecture", "POST", "/agents", registration("Roux", "Alice", "AR1234567"))).id;
        ids.bruno = (await ok("prefecture", "POST", "/agents", registration("Faure", "Bruno", "BF7654321"))).id;
        ids.aliceCard = (await ok("prefecture", "POST", "/cards", { holder: ids.alice, firstCard: "responsable-carte", reason: "première carte" })).id;
        ids.brunoCard = (await ok("prefecture", "POST", "/cards", { holder: ids.bruno, firstCard: "delegue", reason: "première carte" })).id;
        await ok("ants", "POST", "/communes/69266/connection", { reason: "lecteurs livrés" });
        for (const who of ["alice", "bruno"] as const) {
          const card = who === "alice" ? ids.aliceCard : ids.brunoCard;
          serials[who] = (await ok("ants", "POST", `/cards/${card}/production`, { reason: "commande au fabricant" })).serial;
          await ok("ants", "POST", `/cards/${card}/shipment`, { reason: "envoi à la préfecture" });
          codes[who] = await Letters.codeFromLetter((path, init) => fetch(`${platform}${path}`, init), tokens.ants as string, card);
          await ok("prefecture", "POST", `/cards/${card}/receipt`, { serial: serials[who], reason: "colis reçu" });
          puks.push((await runtime.runPromise(CardSecrets.use((secrets) => secrets.puk(card)))) as string);
        }
        // The workstation's agent starts once the cards are in its readers.
        await startAgent();
      }, 240_000);

      afterAll(async () => {
        await stopAgent();
        await new Promise((resolve) => agentProxy.close(resolve));
        await new Promise((resolve) => pageProxy.close(resolve));
        await new Promise((resolve) => server.close(resolve));
        await runtime.dispose();
      });

      it("hands the responsable carte's card over at the prefecture, under dual control, the card pulled out at each step and recovered", async () => {
        const path = `/cards/${ids.aliceCard}/hand-over`;
        let page = await paired("prefecture");
        const start = (overrides: Record<string, unknown> = {}) => ({
          activationCode: codes.alice,
          handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "prefecture" },
          agentKey: page.agentKey,
          reason: "remise en main propre",
          ...overrides,
        });
        // The publication's refusals, in its order: the second person first, then the document, then the code.
        expect((await problem("prefecture", "POST", path, start(), 403, "dual-control-required")).rule).toBe("roles.dual-control");
        await ok("prefectureBis", "POST", `/cards/${ids.aliceCard}/personalisation-approval`, { reason: "second contrôle" });
        expect((await problem("prefecture", "POST", path, start(), 409, "milestone-prerequisite-missing")).missing).toEqual(["handOverAppointment"]);
        await ok("ants", "POST", "/communes/69266/onboarding/milestones", {
          evidence: { milestone: "handOverAppointment", reference: "rdv", appointmentOn: today, venue: "Préfecture du Rhône" },
        });
        await problem(
          "prefecture",
          "POST",
          path,
          start({ handOver: { document: { type: "passeport", number: "AR1234567" }, place: "prefecture" } }),
          422,
          "hand-over-document-mismatch",
        );
        await problem(
          "prefecture",
          "POST",
          path,
          start({ agentKey: "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE" }),
          422,
          "card-agent-key-invalid",
        );
        expect((await problem("prefecture", "POST", path, start({ activationCode: "0000-0000-0000-0000" }), 422, "activation-code-invalid")).attemptsLeft).toBe(
          4,
        );
        await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/resumption`,
          { agentKey: page.agentKey, reason: "reprise" },
          404,
          "key-operation-not-found",
        );

        // 1. Started; the card pulled out before its first PIN: the sealed PUK was for that agent process only.
        const started = await ok("prefecture", "POST", path, start());
        expect(started.card.status).toBe("received");
        await problem("prefecture", "POST", path, start(), 409, "key-operation-under-way");
        await stopAgent();
        await startAgent();
        const stale = await toAgent("/v1/unblock", (await paired("prefecture")).pairing, { ticket: started.tickets.unblock, newPin: pins.alice });
        expect([stale.status, stale.body.code]).toEqual([409, "agent-sealed-secret-refused"]);
        page = await paired("prefecture");
        const resume = () =>
          ok("prefecture", "POST", `/cards/${ids.aliceCard}/hand-over/resumption`, { agentKey: page.agentKey, reason: "carte retirée, reprise" });
        let tickets = (await resume()).tickets;
        expect((await resume()).keyOperation).toBe(started.keyOperation);
        tickets = (await resume()).tickets;
        await agentOk("/v1/unblock", page.pairing, { ticket: tickets.unblock, newPin: pins.alice });

        // 2. Keys made on the card, then pulled out before the CSRs reached the platform: the same keys again.
        const keys = await agentOk("/v1/keys", page.pairing, { ticket: tickets.prepareKeys, pin: pins.alice });
        expect(keys.reused).toBe(false);
        await stopAgent();
        await startAgent();
        page = await paired("prefecture");
        tickets = (await resume()).tickets;
        const again = await agentOk("/v1/keys", page.pairing, { ticket: tickets.prepareKeys, pin: pins.alice });
        expect(again.reused).toBe(true);
        expect(again.authentication.publicKey).toBe(keys.authentication.publicKey);
        const csrs = (prepared: Record<string, any>) => ({ csrs: { authentication: prepared.authentication.csr, signature: prepared.signature.csr } });
        const certify = (prepared: Record<string, any>) => ok("prefecture", "POST", `/cards/${ids.aliceCard}/hand-over/certificate-requests`, csrs(prepared));
        // The card's proof before any certificate is out of step.
        await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/confirmation`,
          { proof: "MAA=", certificate: "MAA=" },
          409,
          "key-operation-out-of-step",
        );
        // RGS certificate.separate-keys: one key for both usages is refused before anything is issued.
        const same = await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/certificate-requests`,
          { csrs: { authentication: again.authentication.csr, signature: again.authentication.csr } },
          403,
          "rgs-rule-broken",
        );
        expect(same.rule).toBe("certificate.separate-keys");
        // RGS crypto.key and crypto.hash: a key too weak, or a request signed with SHA-1, is refused before anything is issued.
        const weakCsr = (bits: number, hash: "sha256" | "sha1") => {
          const key = generateKeyPairSync("rsa", { modulusLength: bits });
          const spki = new Uint8Array(key.publicKey.export({ format: "der", type: "spki" }));
          const subject = { holder: ids.alice, givenName: "Alice", surname: "Roux", site: { _tag: "commune", commune: "69266" } as never, card: ids.aliceCard };
          const der = Effect.runSync(
            Csr.create(Authority.subjectName(subject, "authentication"), spki, (data) => Effect.sync(() => new Uint8Array(sign(hash, data, key.privateKey)))),
          );
          // sha256WithRSAEncryption (1.2.840.113549.1.1.11) named as sha1WithRSAEncryption (…1.1.5): the same length, so the DER stays whole.
          const named =
            hash === "sha1" ? Buffer.from(Buffer.from(der).toString("hex").replace("2a864886f70d01010b", "2a864886f70d010105"), "hex") : Buffer.from(der);
          return named.toString("base64url");
        };
        for (const [csr, rule] of [
          [weakCsr(1024, "sha256"), "crypto.key"],
          [weakCsr(3072, "sha1"), "crypto.hash"],
        ] as const) {
          const weak = await problem(
            "prefecture",
            "POST",
            `/cards/${ids.aliceCard}/hand-over/certificate-requests`,
            { csrs: { authentication: csr, signature: again.signature.csr } },
            422,
            "certificate-refused",
          );
          expect(weak.rule).toBe(rule);
        }
        const first = await certify(again);
        const firstSerials = ["authentication", "signature"].map(
          (usage) => new X509Certificate(Buffer.from(first.certificates[usage], "base64url")).serialNumber,
        );
        // 3. Pulled out before the certificates were written: the same keys get the same certificates.
        await stopAgent();
        await startAgent();
        page = await paired("prefecture");
        tickets = (await resume()).tickets;
        const retried = await certify(await agentOk("/v1/keys", page.pairing, { ticket: tickets.prepareKeys, pin: pins.alice }));
        expect(retried.certificates).toEqual(first.certificates);
        // An attempt the process stopped in after the CA issued, before the operation recorded it, leaves a certificate registered for the card.
        const stray = await runtime.runPromise(
          Effect.gen(function* () {
            const subject = {
              holder: ids.alice,
              givenName: "Alice",
              surname: "Roux",
              site: { _tag: "commune", commune: "69266" } as never,
              card: ids.aliceCard,
            };
            const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
            const spki = new Uint8Array(key.publicKey.export({ format: "der", type: "spki" }));
            const csr = yield* Csr.create(Authority.subjectName(subject, "authentication"), spki, (data) =>
              Effect.sync(() => new Uint8Array(sign("sha256", data, key.privateKey))),
            );
            return yield* (yield* CertificateAuthority).issueFromCsr({ csr, subject, usage: "authentication", algorithm: "P-256" });
          }),
        );
        // A card that lost its keys (a new workstation, its journal gone): new keys, and the previous certificates revoked (superseded).
        await stopAgent();
        stateDirectory = mkdtempSync(join(tmpdir(), "comedec-walk-state-"));
        await startAgent();
        page = await paired("prefecture");
        tickets = (await resume()).tickets;
        const renewedKeys = await agentOk("/v1/keys", page.pairing, { ticket: tickets.prepareKeys, pin: pins.alice });
        expect(renewedKeys.reused).toBe(false);
        const certified = await certify(renewedKeys);
        expect(certified.certificates.authentication).not.toBe(first.certificates.authentication);
        for (const serial of firstSerials) expect((await registered(serial.toLowerCase().replace(/^(00)+/, "")))?.revoked?.reason).toBe("superseded");
        expect((await registered(stray.ref.serial))?.revoked?.reason).toBe("superseded");
        await agentOk("/v1/certificates", page.pairing, { ticket: certified.tickets.writeCertificates, pin: pins.alice });
        // 4. Pulled out before the proof: the card, taken up again, proves it holds the certified keys; a forged proof is refused.
        await stopAgent();
        if (driver === "simulator") {
          // The card out of its reader: the agent answers that it is absent, and the platform's operation waits for it.
          const file = join(cardsDirectory, `${serials.alice}.json`);
          const present = (value: boolean) => writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), present: value }));
          present(false);
          await startAgent();
          page = await paired("prefecture");
          const absent = await toAgent("/v1/keys", page.pairing, { ticket: (await resume()).tickets.prepareKeys, pin: pins.alice });
          expect([absent.status, absent.body.code]).toEqual([409, "card-absent"]);
          await stopAgent();
          present(true);
        }
        await startAgent();
        page = await paired("prefecture");
        tickets = (await resume()).tickets;
        const proven = await certify(await agentOk("/v1/keys", page.pairing, { ticket: tickets.prepareKeys, pin: pins.alice }));
        expect(proven.certificates).toEqual(certified.certificates);
        const signed = await agentOk("/v1/login", page.pairing, { ticket: proven.tickets.proof, pin: pins.alice, card: serials.alice });
        expect(signed.certificate).toBe(Buffer.from(certified.certificates.authentication, "base64url").toString("base64"));
        const forged = Buffer.from(signed.signature, "base64");
        forged[forged.length - 1] = ((forged[forged.length - 1] as number) + 1) % 256;
        await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/confirmation`,
          { proof: forged.toString("base64"), certificate: signed.certificate },
          422,
          "key-operation-proof-refused",
        );
        // A certificate other than the one issued for the card's key (the card does not hold it): refused too.
        await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/confirmation`,
          { proof: signed.signature, certificate: Buffer.from(first.certificates.authentication, "base64url").toString("base64") },
          422,
          "key-operation-proof-refused",
        );
        expect((await ok("prefecture", "GET", `/cards/${ids.aliceCard}`)).status).toBe("received");
        const published = await ok("prefecture", "POST", `/cards/${ids.aliceCard}/hand-over/confirmation`, {
          proof: signed.signature,
          certificate: signed.certificate,
        });
        expect(published).toMatchObject({ status: "active", handOver: { place: "prefecture", activationCodePresented: true } });
        expect(published.certificates.authentication.serial).toBe(
          new X509Certificate(Buffer.from(certified.certificates.authentication, "base64url")).serialNumber.toLowerCase().replace(/^(00)+/, ""),
        );
        expect((await registered(published.certificates.signature.serial))?.revoked).toBeUndefined();
        // Confirmed once: the operation is closed.
        await problem(
          "prefecture",
          "POST",
          `/cards/${ids.aliceCard}/hand-over/confirmation`,
          { proof: signed.signature, certificate: signed.certificate },
          404,
          "key-operation-not-found",
        );
        const onboarding = await ok("ants", "GET", "/communes/69266/onboarding");
        expect((onboarding.status.done as ReadonlyArray<{ milestone: string }>).map((entry) => entry.milestone)).toContain("firstCards");
        // Every step of the operation is in the audit trail, without the document's number.
        const audited = await runtime.runPromise(
          RawSql.use((raw) =>
            Effect.promise(() =>
              raw.query<{ event_type: string; payload: unknown }>("SELECT event_type, payload FROM event_log WHERE stream = $1 ORDER BY stream_version", [
                `key-operation:${started.keyOperation}`,
              ]),
            ),
          ),
        );
        const types = audited.map((row) => row.event_type);
        expect(types[0]).toBe("KeyOperationStarted");
        expect(types).toContain("KeyOperationResumed");
        expect(types.filter((type) => type === "KeyOperationCertified")).toHaveLength(2);
        expect(types.at(-1)).toBe("KeyOperationCompleted");
        expect(JSON.stringify(audited)).not.toContain("AR1234567");
      }, 300_000);

      it("signs the responsable carte in with her new card through the agent, and she activates the délégué's card at the mairie", async () => {
        const login = await ok("anonymous", "POST", "/card-agent/login", { origin: consoleOrigin });
        const signed = await agentOk("/v1/login", login.pairing, { ticket: login.ticket, pin: pins.alice, card: serials.alice });
        const session = await ok("anonymous", "POST", "/sessions", {
          challenge: login.challenge.id,
          certificate: signed.certificate,
          signature: signed.signature,
        });
        tokens.alice = session.token;
        const page = await paired("alice");
        const body = {
          activationCode: codes.bruno.toLowerCase(),
          handOver: { document: { type: "carte-nationale-identite", number: "BF7654321" }, place: "mairie" },
          agentKey: page.agentKey,
          reason: "activée à la mairie par la responsable carte",
        };
        // Two hand-overs of the card at once: exactly one goes on, the code used once.
        const race = await Promise.all([1, 2].map(() => call("alice", "POST", `/cards/${ids.brunoCard}/hand-over`, body)));
        expect(race.filter((answer) => answer.status === 201)).toHaveLength(1);
        expect(["key-operation-under-way", "stale-version", "activation-code-invalid"]).toContain(race.find((answer) => answer.status !== 201)?.body.code);
        const started = race.find((answer) => answer.status === 201)?.body as Record<string, any>;
        await agentOk("/v1/unblock", page.pairing, { ticket: started.tickets.unblock, newPin: pins.bruno });
        const keys = await agentOk("/v1/keys", page.pairing, { ticket: started.tickets.prepareKeys, pin: pins.bruno });
        const certified = await ok("alice", "POST", `/cards/${ids.brunoCard}/hand-over/certificate-requests`, {
          csrs: { authentication: keys.authentication.csr, signature: keys.signature.csr },
        });
        await agentOk("/v1/certificates", page.pairing, { ticket: certified.tickets.writeCertificates, pin: pins.bruno });
        const proof = await agentOk("/v1/login", page.pairing, { ticket: certified.tickets.proof, pin: pins.bruno });
        const published = await ok("alice", "POST", `/cards/${ids.brunoCard}/hand-over/confirmation`, {
          proof: proof.signature,
          certificate: proof.certificate,
        });
        expect(published.status).toBe("active");
        const onboarding = await ok("ants", "GET", "/communes/69266/onboarding");
        expect((onboarding.status.done as ReadonlyArray<{ milestone: string }>).map((entry) => entry.milestone)).toContain("autonomy");
      }, 120_000);

      it("renews the délégué's certificates at the agent, the old ones revoked once the card proved it holds the new keys", async () => {
        const before = await ok("alice", "GET", `/cards/${ids.brunoCard}`);
        const page = await paired("alice");
        const started = await ok("alice", "POST", `/cards/${ids.brunoCard}/new-certificates`, { reason: "expiration proche" });
        expect(started.tickets.unblock).toBeUndefined();
        // Asked again (the card pulled out, the page reloaded): the same operation, a fresh ticket; the hand-over steps find no hand-over under way.
        const again = await ok("alice", "POST", `/cards/${ids.brunoCard}/new-certificates`, { reason: "expiration proche" });
        expect(again.keyOperation).toBe(started.keyOperation);
        expect(again.tickets.prepareKeys).not.toBe(started.tickets.prepareKeys);
        await problem(
          "alice",
          "POST",
          `/cards/${ids.brunoCard}/hand-over/confirmation`,
          { proof: "MAA=", certificate: "MAA=" },
          404,
          "key-operation-not-found",
        );
        const keys = await agentOk("/v1/keys", page.pairing, { ticket: started.tickets.prepareKeys, pin: pins.bruno });
        const certified = await ok("alice", "POST", `/cards/${ids.brunoCard}/new-certificates/certificate-requests`, {
          csrs: { authentication: keys.authentication.csr, signature: keys.signature.csr },
        });
        // Until the card proves it, the card keeps its certificates in force.
        expect((await registered(before.certificates.authentication.serial))?.revoked).toBeUndefined();
        await agentOk("/v1/certificates", page.pairing, { ticket: certified.tickets.writeCertificates, pin: pins.bruno });
        const proof = await agentOk("/v1/login", page.pairing, { ticket: certified.tickets.proof, pin: pins.bruno });
        const renewed = await ok("alice", "POST", `/cards/${ids.brunoCard}/new-certificates/confirmation`, {
          proof: proof.signature,
          certificate: proof.certificate,
        });
        expect(renewed.status).toBe("active");
        expect(renewed.certificates.authentication.serial).not.toBe(before.certificates.authentication.serial);
        for (const usage of ["authentication", "signature"] as const) {
          expect((await registered(before.certificates[usage].serial))?.revoked?.reason).toBe("superseded");
        }
      }, 120_000);

      it("unblocks the délégué's PIN-blocked card at the agent on his secret answers, the new PIN typed there", async () => {
        await ok("alice", "PUT", `/holders/${ids.bruno}/secret-questions`, {
          questions: [
            { question: "Nom de votre première école ?", answer: "École Jean-Jaurès" },
            { question: "Ville de naissance de votre mère ?", answer: "Saint-Étienne" },
            { question: "Prénom de votre premier animal ?", answer: "Filou" },
            { question: "Marque de votre première voiture ?", answer: "Renault" },
          ],
        });
        const page = await paired("alice");
        // Three wrong PINs typed at the workstation block the card there (SoftHSM never locks a PIN, ARCHITECTURE.md: the simulator only).
        if (driver === "simulator") {
          for (let attempt = 0; attempt < 3; attempt++) {
            const { ticket } = await ok("alice", "POST", "/card-agent/tickets", { operation: "change-pin", card: serials.bruno });
            await toAgent("/v1/pin", page.pairing, { ticket, pin: "000000", newPin: "135792" });
          }
          const locked = await toAgent("/v1/pin", page.pairing, {
            ticket: (await ok("alice", "POST", "/card-agent/tickets", { operation: "change-pin", card: serials.bruno })).ticket,
            pin: pins.bruno,
            newPin: "135792",
          });
          expect(locked.body.code).toBe("pin-locked");
        }
        // An unblock of a card the platform does not know blocked is refused.
        await problem(
          "alice",
          "POST",
          `/cards/${ids.brunoCard}/unblock-ticket`,
          { holderAuthentication: "face-to-face", agentKey: page.agentKey, reason: "appel du porteur" },
          409,
          "card-illegal-transition",
        );
        // The page reports what the card said at the workstation; the platform records the block.
        expect((await ok("alice", "POST", `/cards/${ids.brunoCard}/pin-block`, { reason: "code PIN bloqué au poste" })).status).toBe("pin-blocked");
        const unblocked = await ok("alice", "POST", `/cards/${ids.brunoCard}/unblock-ticket`, {
          holderAuthentication: "secret-answers",
          answers: [
            { question: 0, answer: "ecole jean jaures" },
            { question: 1, answer: "Saint-Etienne" },
            { question: 2, answer: "filou" },
            { question: 3, answer: "RENAULT" },
          ],
          agentKey: page.agentKey,
          reason: "appel du porteur",
        });
        expect(unblocked.card.status).toBe("active");
        await agentOk("/v1/unblock", page.pairing, { ticket: unblocked.ticket, newPin: pins.brunoAfterUnblock });
        const login = await ok("anonymous", "POST", "/card-agent/login", { origin: consoleOrigin });
        const signed = await agentOk("/v1/login", login.pairing, { ticket: login.ticket, pin: pins.brunoAfterUnblock, card: serials.bruno });
        expect(
          (await call("anonymous", "POST", "/sessions", { challenge: login.challenge.id, certificate: signed.certificate, signature: signed.signature }))
            .status,
        ).toBe(201);
      }, 120_000);

      it("let no PIN and no PUK cross to the platform, from the agent or from the page", () => {
        expect(fromAgent.length).toBeGreaterThan(0);
        expect(fromPage.length).toBeGreaterThan(20);
        const secrets = [...Object.values(pins), ...puks];
        for (const crossing of [...fromAgent, ...fromPage]) {
          for (const text of [crossing.request, crossing.answer]) {
            for (const value of stringsOf(parsed(text))) {
              expect(value.toLowerCase(), crossing.path).not.toMatch(/^(pin|puk|newpin)$/);
              for (const secret of secrets)
                expect(new RegExp(`(^|[^0-9A-Za-z])${secret}([^0-9A-Za-z]|$)`).test(value), `${crossing.path}: ${secret}`).toBe(false);
            }
            // The PUKs are long enough to look for anywhere, even inside encoded data.
            for (const puk of puks) expect(text, crossing.path).not.toContain(puk);
          }
        }
      });

      it("has no request body of the card-agent operations in /openapi.json with a PIN or a PUK field", async () => {
        const document = (await call("anonymous", "GET", "/openapi.json")).body as {
          paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
          components?: unknown;
        };
        const ours = new Set<string>(Contract.AgentOperations.endpoints.map((endpoint) => endpoint.operationId));
        const bodies = Object.values(document.paths)
          .flatMap((operations) => Object.values(operations))
          .filter((operation) => ours.has(operation.operationId))
          .map((operation) => JSON.stringify(operation.requestBody ?? {}));
        expect(bodies).toHaveLength(ours.size);
        for (const body of bodies) expect(body.toLowerCase()).not.toMatch(/"(pin|puk|newpin|unblocksecret)"/);
      });
    });
  }
}
