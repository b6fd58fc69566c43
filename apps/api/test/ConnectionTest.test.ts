/**
 * The connection test end to end, as a mairie runs it: the platform started as `npm start` starts
 * it (with virtual cards, and again with SoftHSM2 tokens through PKCS#11 where installed), the
 * commune taken through its onboarding over HTTP up to its specimen file, its responsable carte's
 * first card issued and handed over at the prefecture's desk through the card agent (the one the
 * embedded platform runs on its virtual cards; a `comedec-card-agent --pkcs11` of its own on SoftHSM2)
 * — which records the first cards —, then `comedec-connection-test` run on that card: it logs in with the
 * authentication key, answers every specimen request from the file, signs each with the signature
 * key, and the platform verifies them and records the test passed. OpenSSL, which nobody here
 * wrote, verifies a response as the card signed it against the platform's CA.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as AtTheDesk from "./AtTheDesk.js";
import { today, triggerConnection } from "./Routes.js";
import { softHsmLibrary } from "./Services.js";
import { type Started, start } from "./Started.js";
import * as Letters from "./Letters.js";

const connectionTest = fileURLToPath(new URL("../../../packages/connection-test/dist/main.js", import.meta.url));
const agentMain = fileURLToPath(new URL("../../../packages/card-agent/dist/main.js", import.meta.url));
const commune = "69123";
const pin = "482915";
const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);

/** The mairie's specimen file: the README's example, so the example stays one the platform takes. */
const specimenFile = JSON.parse(readFileSync(fileURLToPath(new URL("../../../docs/examples/specimen-file.json", import.meta.url)), "utf8"));

const officer = {
  identity: { birthName: "Roux", givenNames: ["Alice"], sex: "F", birthDate: "1981-02-03", placeOfBirth: { _tag: "commune", commune } },
  document: {
    type: "carte-nationale-identite",
    number: "AR1234567",
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: "ROUX", givenNames: ["Alice"], birthDate: "1981-02-03" },
    check: { by: "pref-69", on: today, faceToFace: true },
  },
  contact: { email: "alice.roux@mairie-lyon.fr" },
  site: { _tag: "commune", commune },
  profile: { _tag: "officer", basis: { _tag: "deputy" } },
  rights: ["receive-requests", "sign-responses", "operate-cards"],
};

/** The délégué named in the conventions, whose first card is ordered with the responsable carte's. */
const delegue = {
  ...officer,
  identity: { ...officer.identity, birthName: "Faure", givenNames: ["Bruno"], sex: "M" },
  document: { ...officer.document, number: "BF7654321", holder: { birthName: "FAURE", givenNames: ["Bruno"], birthDate: "1981-02-03" } },
  contact: { email: "bruno.faure@mairie-lyon.fr" },
};

/** A SoftHSM2 configuration of its own, shared by the platform and the command (its tokens are the cards). */
const softHsmEnvironment = (): NodeJS.ProcessEnv => {
  const directory = mkdtempSync(join(tmpdir(), "softhsm-connection-"));
  mkdirSync(join(directory, "tokens"));
  writeFileSync(join(directory, "softhsm2.conf"), `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  return { SOFTHSM2_CONF: join(directory, "softhsm2.conf"), COMEDEC_PKCS11_LIBRARY: softHsmLibrary };
};

/** A port nobody listens on, for the embedded card agent (its default, 7300, may be another suite's). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** A card agent of its own, as a workstation runs it on its PKCS#11 middleware: its local interface's URL once it listens. */
const spawnAgent = (platform: Started, library: string): Promise<{ readonly process: ChildProcess; readonly url: string }> => {
  const started = spawn(process.execPath, [agentMain, "--platform", platform.base, "--console-origin", platform.base, "--pkcs11", library, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: platform.environment,
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (listening !== null) {
        clearTimeout(timer);
        resolve({ process: started, url: listening[1] as string });
      }
    };
    started.stdout?.on("data", read);
    started.stderr?.on("data", read);
    started.once("exit", (code) => reject(new Error(`the agent exited with ${code}: ${output}`)));
  });
};

const drivers = existsSync(softHsmLibrary) ? (["simulator", "softhsm"] as const) : (["simulator"] as const);

describe.each(drivers)("the connection test from the command line, with %s cards", (driver) => {
  let platform: Started;
  let serial = "";
  const tokens = { ants: "", prefecture: "", prefectureBis: "", lyon: "" };
  let agentPort = 0;
  let spawned: ChildProcess | undefined;

  beforeAll(async () => {
    agentPort = await freePort();
    platform = await start({ ...(driver === "softhsm" ? softHsmEnvironment() : {}), COMEDEC_CARD_AGENT_PORT: String(agentPort) });
    const { ok } = platform;
    tokens.ants = platform.issue("national-administrator", "national", "ANTS");
    tokens.prefecture = platform.issue("prefecture-operator", "prefecture:69", "Préfecture du Rhône", "pref-69");
    tokens.prefectureBis = platform.issue("prefecture-operator", "prefecture:69", "Préfecture du Rhône (second contrôle)", "pref-69-bis");
    tokens.lyon = platform.issue("commune-operator", "commune:69123", "Responsable carte de Lyon");
    // The card track, as the platform runs it: the conventions, the first two cards ordered by the
    // prefecture, the connection triggered (their codes issued), the appointment.
    await triggerConnection(ok, tokens.ants, commune, false);
    const milestone = (token: string, evidence: Record<string, unknown>) => ok(token, "POST", `/communes/${commune}/onboarding/milestones`, { evidence });
    // The officer who will sign is the responsable carte: registered face to face, their first card ordered by the prefecture.
    const alice = (await ok(tokens.prefecture, "POST", "/agents", officer)).id as string;
    const bruno = (await ok(tokens.prefecture, "POST", "/agents", delegue)).id as string;
    const card = (await ok(tokens.prefecture, "POST", "/cards", { holder: alice, firstCard: "responsable-carte", reason: "première carte" })).id as string;
    await ok(tokens.prefecture, "POST", "/cards", { holder: bruno, firstCard: "delegue", reason: "première carte" });
    await ok(tokens.ants, "POST", `/communes/${commune}/connection`, { reason: "lecteurs livrés" });
    await milestone(tokens.ants, { milestone: "handOverAppointment", reference: "rdv", appointmentOn: today, venue: "Préfecture du Rhône" });
    // The editor track: a compatible editor under contract, its installation, the training in ten days.
    await ok(tokens.ants, "PUT", "/editors/logiciel-etat-civil", { name: "Logiciel État Civil", contactEmail: "contact@logiciel.fr", compatible: true });
    await milestone(tokens.lyon, { milestone: "editorContract", reference: "contrat", editor: "logiciel-etat-civil" });
    await milestone(tokens.ants, { milestone: "installation", reference: "installé" });
    await ok(tokens.lyon, "POST", `/communes/${commune}/onboarding/training`, { trainingOn: inTenDays });
    // The responsable carte's card made, received at the prefecture, handed over with its code under
    // dual control: its publication records the first cards (they cannot be recorded by hand).
    serial = (await ok(tokens.ants, "POST", `/cards/${card}/production`, { reason: "fabrication" })).serial as string;
    await ok(tokens.ants, "POST", `/cards/${card}/shipment`, { reason: "envoi" });
    await ok(tokens.prefecture, "POST", `/cards/${card}/receipt`, { serial, reason: "reçue" });
    const code = await Letters.codeFromLetter((path, init) => fetch(`${platform.base}${path}`, init), tokens.ants, card);
    await ok(tokens.prefectureBis, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
    // The desk's agent: on virtual cards, the one the embedded platform runs; on PKCS#11, one of its own, as at a workstation.
    const agent =
      driver === "simulator"
        ? { url: `http://127.0.0.1:${agentPort}`, origin: platform.base }
        : await spawnAgent(platform, softHsmLibrary).then((running) => {
            spawned = running.process;
            return { url: running.url, origin: platform.base };
          });
    const desk = AtTheDesk.remote(async (token, method, path, body) => {
      const response = await fetch(`${platform.base}${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    }, agent);
    const published = await desk.publish(tokens.prefecture, card, {
      activationCode: code,
      pin,
      handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "prefecture" },
      reason: "remise en main propre",
    });
    expect(published.body.status, JSON.stringify(published.body)).toBe("active");
    const status = await ok(tokens.ants, "GET", `/communes/${commune}/onboarding`);
    expect(status.status.done.map((entry: { milestone: string }) => entry.milestone)).toContain("firstCards");
  }, 240_000);

  afterAll(async () => {
    if (spawned !== undefined && spawned.exitCode === null) {
      const exited = new Promise((resolve) => spawned?.once("exit", resolve));
      spawned.kill("SIGTERM");
      await exited;
    }
    await platform?.stop();
  });

  it("refuses a specimen file sent too late, then takes it on time and makes its requests", async () => {
    const late = await platform.call(tokens.lyon, "POST", `/communes/${commune}/onboarding/training`, { trainingOn: today });
    expect(late.status).toBe(201);
    const refused = await platform.call(tokens.lyon, "POST", `/communes/${commune}/specimen-file`, specimenFile);
    expect(refused.body).toMatchObject({ status: 409, code: "specimen-file-refused" });
    expect(refused.body.detail).toContain("7 days before the training");
    await platform.ok(tokens.lyon, "POST", `/communes/${commune}/onboarding/training`, { trainingOn: inTenDays });
    const taken = await platform.ok(tokens.lyon, "POST", `/communes/${commune}/specimen-file`, specimenFile);
    expect(taken).toMatchObject({ requests: 4, trainingOn: inTenDays });
    expect(await platform.ok(tokens.lyon, "GET", `/communes/${commune}/connection-test`)).toEqual({ total: 4, answered: 0, correct: 0, passed: false });
  });

  it("passes from comedec-connection-test, and the onboarding moves on", async () => {
    const directory = mkdtempSync(join(tmpdir(), "connection-test-"));
    writeFileSync(join(directory, "actes.json"), JSON.stringify(specimenFile));
    mkdirSync(join(directory, "signed"));
    const cards = driver === "simulator" ? ["--simulator", join(platform.dataDir, "cards")] : ["--pkcs11", softHsmLibrary];
    const run = spawnSync(
      process.execPath,
      [
        connectionTest,
        "--api",
        platform.base,
        "--commune",
        commune,
        "--specimen-file",
        join(directory, "actes.json"),
        ...cards,
        "--card",
        serial,
        "--keep-signed",
        join(directory, "signed"),
      ],
      { env: { ...platform.environment, COMEDEC_PIN: pin }, encoding: "utf8", timeout: 120_000 },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stdout).toContain(`Connexion avec la carte ${serial}`);
    expect(run.stdout).toContain("4 demandes spécimen en attente pour 69123");
    expect(run.stdout).toMatch(/\[\d\/4\] marriage n° M-2015-3 : vérifié avec corrections, signée et acceptée — réponse attendue ✓/);
    expect(run.stdout).toContain("acte non trouvé");
    expect(run.stdout).toContain("Test de raccordement réussi : 4/4");

    expect(await platform.ok(tokens.lyon, "GET", `/communes/${commune}/connection-test`)).toEqual({ total: 4, answered: 4, correct: 4, passed: true });
    const status = await platform.ok(tokens.ants, "GET", `/communes/${commune}/onboarding`);
    expect(status.status.done.map((entry: { milestone: string }) => entry.milestone)).toContain("trainingAndTest");

    // A response as the card signed it, verified by OpenSSL against the platform's own CA.
    const pki = join(directory, "pki");
    mkdirSync(pki);
    for (const name of ["root", "issuing"]) {
      writeFileSync(join(pki, `${name}.crt`), Buffer.from(await (await fetch(`${platform.base}/pki/ca/${name}.crt`)).arrayBuffer()));
      execFileSync("openssl", ["x509", "-inform", "DER", "-in", join(pki, `${name}.crt`), "-out", join(pki, `${name}.pem`)]);
    }
    const [first] = readdirSync(join(directory, "signed"));
    const verified = spawnSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-cades",
        "-inform",
        "DER",
        "-in",
        join(directory, "signed", first as string),
        "-CAfile",
        join(pki, "root.pem"),
        "-purpose",
        "any",
        "-binary",
      ],
      { encoding: "utf8" },
    );
    expect(verified.stderr).toContain("Verification successful");
    expect(JSON.parse(verified.stdout)).toMatchObject({ commune, outcome: { _tag: expect.any(String) } });
  }, 180_000);
});
