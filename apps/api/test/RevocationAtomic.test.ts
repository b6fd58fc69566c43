/**
 * A card's revocation and its certificates' commit together (issue 18). Over HTTP through the
 * real app, on every adapter: once the card is revoked, the CRL served (`openssl crl -text`) lists
 * both certificates and `openssl ocsp` against `/pki/ocsp` hears "revoked" — also when a CRL
 * publication never ran, or a certificate was left unrevoked by a path that still revokes in two
 * steps (the reconciliation job then revokes and reports it, and the 24-hour deadline is measured
 * on the certificate). On PostgreSQL, a second process SIGKILLed between the card's commit and the
 * CRL's publication leaves nothing good either.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { Card, CardStore, CertificateRegistry, SmartCards } from "@comedec/card";
import { CalendarDate, Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { Persistence, RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Local, Monitoring } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { Der } from "@comedec/pki";
import { Access } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Clock, Effect, type Layer, ManagedRuntime, Result } from "effect";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Jobs from "@comedec/worker/jobs";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-lyon", name: "Délégué Lyon", role: "commune-operator", site: lyon });
const today = new Date().toISOString().slice(0, 10);

/** What OpenSSL printed on both streams (asynchronous: `openssl ocsp -url` calls this process's server). */
const run = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ output: string; code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const child = spawn(command, args, { env });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code, signal) => resolve({ output, code, signal }));
  });
const openssl = async (args: ReadonlyArray<string>) => (await run("openssl", args)).output;

const registration = (number: string, givenName: string) =>
  ({
    identity: {
      birthName: "Girard",
      givenNames: [givenName],
      sex: "F",
      birthDate: "1980-05-04",
      placeOfBirth: { _tag: "abroad", country: "CH", city: "Genève" },
    },
    document: {
      type: "passeport",
      number,
      issuingAuthority: "Consulat",
      expiresOn: "2034-01-01",
      holder: { birthName: "GIRARD", givenNames: [givenName], birthDate: "1980-05-04" },
      check: { by: "rc-lyon", on: today, faceToFace: true },
    },
    contact: { email: `${givenName.toLowerCase()}.girard@mairie-lyon.fr` },
    site: lyon,
    profile: { _tag: "officer", basis: { _tag: "deputy" } },
    rights: ["sign-responses"],
  }) as unknown as Agent.Registration;

/** A card through its whole publication; gives its id and certificates' serials, the signature certificate written to `pem`. */
const publishedCard = (number: string, givenName: string, pem: string) =>
  Effect.gen(function* () {
    const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration(number, givenName)))).state.id;
    const byOperator = yield* Local.make(operator);
    const byAnts = yield* Local.make(ants);
    const ordered = yield* byOperator.order({ holder, reason: "nouvel officier" });
    const produced = yield* byAnts.startProduction(ordered.state.id, "fabrication");
    yield* byAnts.ship(ordered.state.id, "envoi");
    yield* byOperator.receive(ordered.state.id, produced.state.serial as string, "reçue");
    const code = yield* Letters.codeFromLetterOf(ants, ordered.state.id);
    // The operator registered the holder and ordered the card: the délégué is the second person.
    yield* (yield* Local.make(deputy)).approvePersonalisation(ordered.state.id, "second contrôle");
    const published = yield* Desk.publish(operator, ordered.state.id, {
      activationCode: code,
      pin: "482915",
      handOver: { document: { type: "passeport", number }, place: "mairie" },
      reason: "remise",
    });
    writeFileSync(pem, Der.pem("CERTIFICATE", yield* SmartCards.use((cards) => cards.readCertificate(produced.state.serial as string, "signature"))));
    const certificates = published.state.certificates as NonNullable<typeof published.state.certificates>;
    return { card: ordered.state.id, serials: [certificates.authentication.serial, certificates.signature.serial] };
  });

/** The app on a socket, its CA downloaded, and the relying party's two checks. */
const relyingParty = (runtime: ManagedRuntime.ManagedRuntime<never, never> | ManagedRuntime.ManagedRuntime<any, never>, directory: string) => {
  const file = (name: string) => join(directory, name);
  let base = "";
  let close = () => Promise.resolve();
  const download = async (path: string, name: string, label: string) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    writeFileSync(file(name), Der.pem(label, new Uint8Array(await response.arrayBuffer())));
  };
  return {
    file,
    start: async () => {
      const server = serve({ fetch: App.make(runtime as never).fetch, port: 0, hostname: "127.0.0.1" });
      await new Promise((resolve) => server.once("listening", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise<void>((resolve) => server.close(() => resolve()));
      await download("/pki/ca/root.crt", "root.pem", "CERTIFICATE");
      await download("/pki/ca/issuing.crt", "issuing.pem", "CERTIFICATE");
    },
    stop: () => close(),
    /** The serials the CRL served now lists, as `openssl crl -text` prints them (upper-case hexadecimal). */
    crlSerials: async () => {
      await download("/pki/crl", "crl.pem", "X509 CRL");
      const text = await openssl(["crl", "-in", file("crl.pem"), "-noout", "-text"]);
      return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((match) => (match[1] as string).toLowerCase());
    },
    ocsp: (pem: string) =>
      openssl([
        "ocsp",
        "-url",
        `${base}/pki/ocsp`,
        "-issuer",
        file("issuing.pem"),
        "-cert",
        pem,
        "-CAfile",
        file("root.pem"),
        "-verify_other",
        file("issuing.pem"),
      ]),
  };
};

const reference = [Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 })];
const importReference = Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Deployment.importReference(grant, reference));
const revoke = (card: string) => Local.forActor(operator, (platform) => platform.revoke(card, { revocationReason: "keyCompromise", reason: "carte volée" }));

for (const adapter of adapters) {
  describe(`revocations that cannot half-happen, on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const directory = mkdtempSync(join(tmpdir(), "revocation-atomic-"));
    const party = relyingParty(runtime, directory);
    beforeAll(async () => {
      await runtime.runPromise(importReference);
      await party.start();
    }, 120_000);
    afterAll(async () => {
      await party.stop();
      await runtime.dispose();
    });

    it("revokes the card and its certificates in one commit: the CRL lists both, OCSP answers revoked", async () => {
      const pem = party.file("first.pem");
      const { card, serials } = await runtime.runPromise(publishedCard("PA1000001", "Anne", pem));
      expect(await party.ocsp(pem)).toContain(": good");
      await runtime.runPromise(revoke(card));
      const registered = await runtime.runPromise(CertificateRegistry.use((registry) => Effect.forEach(serials, registry.find)));
      expect(registered.map((entry) => entry?.revoked?.reason)).toEqual(["keyCompromise", "keyCompromise"]);
      expect(await party.crlSerials()).toEqual(expect.arrayContaining(serials));
      const answer = await party.ocsp(pem);
      expect(answer).toContain("Response verify OK");
      expect(answer).toContain(": revoked");
      expect(answer).not.toContain(": good");
    });

    it("serves a new CRL when the publication after a revocation never ran", async () => {
      const pem = party.file("second.pem");
      const { card, serials } = await runtime.runPromise(publishedCard("PA1000002", "Berthe", pem));
      // The card's commit as the use case makes it, without the CRL publication that follows it.
      await runtime.runPromise(
        Effect.gen(function* () {
          const store = yield* CardStore;
          const view = yield* store.load(card);
          const decided = Card.decide(
            view.state,
            { _tag: "Revoke", revocationReason: "keyCompromise", reason: "carte volée" },
            { actor: operator, today: CalendarDate.ofInstant(new Date()) },
          );
          if (Result.isFailure(decided)) return yield* Effect.die(decided.failure);
          const state = decided.success.reduce<Card.State | undefined>(Card.evolve, view.state) as Card.State;
          yield* store.commit({
            cards: [{ expectedVersion: view.version, state, events: decided.success }],
            requests: [],
            actor: operator,
            revocations: [{ serials, reason: "keyCompromise", at: new Date() }],
          });
        }),
      );
      expect(await runtime.runPromise(CertificateRegistry.use((registry) => registry.unpublished ?? Effect.succeed(false)))).toBe(true);
      expect(await party.ocsp(pem)).toContain(": revoked");
      expect(await party.crlSerials()).toEqual(expect.arrayContaining(serials));
      expect(await runtime.runPromise(CertificateRegistry.use((registry) => registry.unpublished ?? Effect.succeed(false)))).toBe(false);
    });

    it("reconciles a certificate of a revoked card left valid: never good meanwhile, revoked and reported, late on the certificate after 24 hours", async () => {
      const pem = party.file("third.pem");
      const { card, serials } = await runtime.runPromise(publishedCard("PA1000003", "Claire", pem));
      await runtime.runPromise(revoke(card));
      // What a path revoking in two steps would leave when stopped in between: the card revoked, its certificates not.
      await runtime.runPromise(
        RawSql.use((raw) =>
          Effect.promise(() => raw.query("UPDATE certificate SET revoked_at = NULL, revocation_reason = NULL WHERE card = $1::uuid", [card])),
        ),
      );
      expect(await party.ocsp(pem)).toContain(": revoked");
      expect(await party.crlSerials()).toEqual(expect.arrayContaining(serials));
      const day = 86_400_000;
      const later = Services.clockAt(Date.now() + day + 3_600_000);
      const monitored = await runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "monitoring.read", Access.nation), (grant) => Monitoring.breaches(grant)).pipe(
          Effect.provideService(Clock.Clock, later),
        ),
      );
      const late = monitored.breaches.filter((breach) => breach.subject.startsWith("certificate:"));
      expect(late.map((breach) => breach.subject)).toEqual(expect.arrayContaining(serials.map((serial) => `certificate:${serial}`)));
      expect(late.every((breach) => breach.rule === "revocation.24-hours" && breach.site === "commune:69123")).toBe(true);
      const report = await runtime.runPromise(Jobs.reconcileRevocations.pipe(Effect.provideService(Clock.Clock, later)));
      expect(report.revoked.map((entry) => entry.serial).sort()).toEqual([...serials].sort());
      expect(report.revoked.every((entry) => entry.cause === "card-revoked" && entry.delayHours > 24 && entry.lateRule === "revocation.24-hours")).toBe(true);
      expect(report.publishedCrl).toBeDefined();
      const registered = await runtime.runPromise(CertificateRegistry.use((registry) => Effect.forEach(serials, registry.find)));
      expect(registered.every((entry) => entry?.revoked?.reason === "keyCompromise")).toBe(true);
      expect((await runtime.runPromise(Jobs.reconcileRevocations)).revoked).toEqual([]);
      expect(await party.ocsp(pem)).toContain(": revoked");
    });
  });
}

const postgresUrl = process.env.DATABASE_URL;
describe.skipIf(postgresUrl === undefined || postgresUrl === "")("a process SIGKILLed between the card's commit and the CRL, on PostgreSQL", () => {
  const name = `comedec_kill_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const target = new URL(postgresUrl ?? "postgres://localhost/none");
  target.pathname = `/${name}`;
  const connectionString = target.toString();
  const admin = async (statement: string) => {
    const done = await run("psql", [postgresUrl as string, "-v", "ON_ERROR_STOP=1", "-c", statement]);
    expect(done.code, done.output).toBe(0);
  };
  let runtime: ManagedRuntime.ManagedRuntime<any, never>;
  const directory = mkdtempSync(join(tmpdir(), "revocation-kill-"));
  let party: ReturnType<typeof relyingParty>;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    runtime = ManagedRuntime.make(Services.on(Persistence.postgres({ connectionString }) as Layer.Layer<Persistence.Ports>));
    party = relyingParty(runtime, directory);
    await runtime.runPromise(importReference);
    await party.start();
  }, 120_000);
  afterAll(async () => {
    await party.stop();
    await runtime.dispose();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it("leaves the certificates revoked: OCSP and the next CRL never call them good, the reconciliation reports what the CRL missed", async () => {
    const pem = party.file("killed.pem");
    const { card, serials } = await runtime.runPromise(publishedCard("PA2000001", "Denise", pem));
    expect(await party.crlSerials()).not.toEqual(expect.arrayContaining(serials));
    const child = await run(
      process.execPath,
      [fileURLToPath(new URL("./RevokeThenDie.mjs", import.meta.url)), connectionString, card, JSON.stringify(operator)],
      {
        ...process.env,
        COMEDEC_TEST_KILL_AT: "after-card-commit",
      },
    );
    expect(child.signal).toBe("SIGKILL");
    expect(child.output).not.toContain("still alive");
    const state = await runtime.runPromise(CardStore.use((store) => store.load(card)));
    expect(state.state.status).toBe("revoked");
    // The latest CRL was published before the revocation: OCSP reads the register, which already has it.
    expect(await party.ocsp(pem)).toContain(": revoked");
    const report = await runtime.runPromise(Jobs.reconcileRevocations);
    expect(report.revoked).toEqual([]);
    expect(report.missingFromCrl).toEqual(expect.arrayContaining(serials));
    expect(report.publishedCrl).toBeDefined();
    expect(await party.crlSerials()).toEqual(expect.arrayContaining(serials));
    expect((await runtime.runPromise(Jobs.reconcileRevocations)).missingFromCrl).toEqual([]);
  }, 120_000);
});
