/**
 * The PKI's public endpoints on a real socket, checked by OpenSSL as any relying party would: a
 * card published through the platform has certificates that verify against the downloaded CA
 * certificates and CRL; once the card is revoked, the CRL served next lists it (`openssl verify
 * -crl_check` fails) and `openssl ocsp` asking the API's responder over HTTP hears "revoked".
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { SmartCards } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { Local } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { adapters } from "@comedec/persistence/testing";
import { Der } from "@comedec/pki";
import { Access } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Effect, ManagedRuntime } from "effect";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-lyon", name: "Délégué Lyon", role: "commune-operator", site: lyon });
const today = new Date().toISOString().slice(0, 10);
const directory = mkdtempSync(join(tmpdir(), "pki-http-"));
const file = (name: string) => join(directory, name);
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

const adapter = adapters[0] as (typeof adapters)[number];
describe(`the PKI endpoints on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  let base = "";
  let close = () => Promise.resolve();
  let card = "";

  beforeAll(async () => {
    const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 })];
    await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Deployment.importReference(grant, reference)));
    const server = serve({ fetch: App.make(runtime).fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const registration = {
      identity: {
        birthName: "Lemoine",
        givenNames: ["Paul"],
        sex: "M",
        birthDate: "1975-03-02",
        placeOfBirth: { _tag: "abroad", country: "CH", city: "Genève" },
      },
      document: {
        type: "passeport",
        number: "PL9876543",
        issuingAuthority: "Consulat",
        expiresOn: "2034-01-01",
        holder: { birthName: "LEMOINE", givenNames: ["Paul"], birthDate: "1975-03-02" },
        check: { by: "rc-lyon", on: today, faceToFace: true },
      },
      contact: { email: "paul.lemoine@mairie-lyon.fr" },
      site: lyon,
      profile: { _tag: "officer", basis: { _tag: "deputy" } },
      rights: ["sign-responses"],
    } as unknown as Agent.Registration;
    // A card through its whole publication, on the platform's own use cases.
    card = await runtime.runPromise(
      Effect.gen(function* () {
        const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration))).state.id;
        const byOperator = yield* Local.make(operator);
        const byAnts = yield* Local.make(ants);
        const ordered = yield* byOperator.order({ holder, reason: "nouvel officier" });
        const produced = yield* byAnts.startProduction(ordered.state.id, "fabrication");
        yield* byAnts.ship(ordered.state.id, "envoi");
        yield* byOperator.receive(ordered.state.id, produced.state.serial as string, "reçue");
        const code = yield* Letters.codeFromLetterOf(ants, ordered.state.id);
        // The operator registered the holder and ordered the card: the délégué is the second person.
        yield* (yield* Local.make(deputy)).approvePersonalisation(ordered.state.id, "second contrôle");
        yield* Desk.publish(operator, ordered.state.id, {
          activationCode: code,
          pin: "482915",
          handOver: { document: { type: "passeport", number: "PL9876543" }, place: "mairie" },
          reason: "remise",
        });
        const certificate = yield* SmartCards.use((cards) => cards.readCertificate(produced.state.serial as string, "signature"));
        writeFileSync(file("card.pem"), Der.pem("CERTIFICATE", certificate));
        return ordered.state.id;
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await close();
    await runtime.dispose();
  });

  const download = async (path: string, name: string, label: string) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    writeFileSync(file(name), Der.pem(label, new Uint8Array(await response.arrayBuffer())));
    return response;
  };
  const verify = () =>
    openssl(["verify", "-crl_check", "-CRLfile", file("crl.pem"), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file("card.pem")]);
  const ocsp = () =>
    openssl([
      "ocsp",
      "-url",
      `${base}/pki/ocsp`,
      "-issuer",
      file("issuing.pem"),
      "-cert",
      file("card.pem"),
      "-CAfile",
      file("root.pem"),
      "-verify_other",
      file("issuing.pem"),
    ]);

  it("serves the CA certificates and a CRL, without a token, that OpenSSL uses to verify a published card", async () => {
    expect((await download("/pki/ca/root.crt", "root.pem", "CERTIFICATE")).headers.get("content-type")).toBe("application/pkix-cert");
    await download("/pki/ca/issuing.crt", "issuing.pem", "CERTIFICATE");
    expect((await download("/pki/crl", "crl.pem", "X509 CRL")).headers.get("content-type")).toBe("application/pkix-crl");
    expect(await verify()).toContain("card.pem: OK");
    const answer = await ocsp();
    expect(answer).toContain("Response verify OK");
    expect(answer).toContain("card.pem: good");
    expect(await openssl(["x509", "-in", file("card.pem"), "-noout", "-text"])).toContain(`${base.replace(/:\d+$/, "")}`);
  });

  it("serves both CA certificates in PEM and the root's CRL, so OpenSSL checks the whole chain (-crl_check_all)", async () => {
    for (const name of ["root", "issuing"]) {
      const response = await fetch(`${base}/pki/ca/${name}.pem`);
      expect(response.headers.get("content-type")).toBe("application/x-pem-file");
      const text = await response.text();
      writeFileSync(file(`${name}-served.pem`), text);
      const der = new Uint8Array(await (await fetch(`${base}/pki/ca/${name}.crt`)).arrayBuffer());
      expect(text).toBe(Der.pem("CERTIFICATE", der));
    }
    const root = await fetch(`${base}/pki/crl/root`);
    expect(root.headers.get("content-type")).toBe("application/pkix-crl");
    writeFileSync(file("root-crl.der"), new Uint8Array(await root.arrayBuffer()));
    const rootCrl = await openssl(["crl", "-inform", "DER", "-in", file("root-crl.der"), "-noout", "-text", "-CAfile", file("root-served.pem")]);
    expect(rootCrl).toContain("verify OK");
    expect(rootCrl).toMatch(/Issuer: C ?= ?FR, O ?= ?COMEDEC, CN ?= ?COMEDEC Racine Agents/);
    expect(rootCrl).toContain("No Revoked Certificates");
    await openssl(["crl", "-inform", "DER", "-in", file("root-crl.der"), "-out", file("root-crl.pem")]);
    await download("/pki/crl", "crl.pem", "X509 CRL");
    const checked = await openssl([
      "verify",
      "-crl_check_all",
      "-CAfile",
      file("root-served.pem"),
      "-untrusted",
      file("issuing-served.pem"),
      "-CRLfile",
      file("root-crl.pem"),
      "-CRLfile",
      file("crl.pem"),
      file("card.pem"),
    ]);
    expect(checked).toContain("card.pem: OK");
    // Without the root's CRL, the issuing CA's status is unknown: the check the route exists for.
    const without = await openssl([
      "verify",
      "-crl_check_all",
      "-CAfile",
      file("root-served.pem"),
      "-untrusted",
      file("issuing-served.pem"),
      "-CRLfile",
      file("crl.pem"),
      file("card.pem"),
    ]);
    expect(without).toContain("unable to get certificate CRL");
    // The issuing CA's certificate names where the root's CRL is.
    expect(await openssl(["x509", "-in", file("issuing-served.pem"), "-noout", "-ext", "crlDistributionPoints"])).toContain("/pki/crl/root");
  });

  it("lists a revoked card's certificates in the next CRL and answers revoked over OCSP", async () => {
    await runtime.runPromise(Local.forActor(operator, (platform) => platform.revoke(card, { revocationReason: "keyCompromise", reason: "carte volée" })));
    await download("/pki/crl", "crl.pem", "X509 CRL");
    expect(await verify()).toContain("certificate revoked");
    const answer = await ocsp();
    expect(answer).toContain("card.pem: revoked");
    expect(answer).toContain("Reason: keyCompromise");
  });

  it("answers a malformed OCSP request with its status, and refuses an oversized one", async () => {
    const malformed = await fetch(`${base}/pki/ocsp`, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(malformed.headers.get("content-type")).toBe("application/ocsp-response");
    expect([...new Uint8Array(await malformed.arrayBuffer())]).toEqual([0x30, 0x03, 0x0a, 0x01, 0x01]);
    const oversized = await fetch(`${base}/pki/ocsp`, { method: "POST", body: new Uint8Array(9 * 1024) });
    expect(oversized.status).toBe(413);
  });
});
