/**
 * The card agent as a separate process (spawned from its built command, on virtual cards in a
 * directory) against the real API app on a socket. Every refusal of its local interface is tried
 * on the wire — another origin, no origin, a rebinding host name, no pairing, an expired, forged,
 * foreign-key or other-origin pairing, another session's ticket, a ticket for another operation,
 * a replayed ticket — and so is each card operation under the platform's tickets: the first PIN
 * set with a PUK sealed for the agent, both key pairs with CSRs the CA accepts (reused on a retry),
 * the certificates written back (refused for other keys), the login challenge signed at the
 * workstation, the signature key refused without a PIN for this very use (`pin.before-use`), and
 * a PIN change. No body of the platform's card-agent endpoints carries a PIN or a PUK.
 */
import { Actor } from "@comedec/actor";
import { adapters } from "@comedec/persistence/testing";
import { Authority, Csr, Der, Issuance, Profiles } from "@comedec/pki";
import { Tokens } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { serve } from "@hono/node-server";
import { Clock, Effect, ManagedRuntime } from "effect";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as CardAgentRoutes from "../src/routes/CardAgent.js";
import * as Services from "./Services.js";

const agentMain = fileURLToPath(new URL("../../../packages/card-agent/dist/main.js", import.meta.url));
const consoleOrigin = "https://console.comedec.test";
const puk = "8123456701";
const pin = "482915";
const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });

/** An answer of the agent: status, headers, JSON body. */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>;
  readonly body: Record<string, unknown>;
}

const adapter = adapters[0] as (typeof adapters)[number];

describe(`the card agent, a separate process, with the API on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const server = serve({ fetch: App.make(runtime, Services.suiteRateLimits).fetch, port: 0, hostname: "127.0.0.1" });
  const cardsDirectory = mkdtempSync(join(tmpdir(), "comedec-agent-cards-"));
  let platform = "";
  let agent: ChildProcess | undefined;
  let agentPort = 0;
  let agentOutput = "";
  let serial = "";
  let secondSerial = "";
  const tokens = { a: "", b: "" };

  /** A request to the agent as a browser (or an attacker) would make it, every header chosen. */
  const send = (
    path: string,
    options: { readonly origin?: string; readonly host?: string; readonly pairing?: string; readonly body?: unknown; readonly method?: string } = {},
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${agentPort}`, "content-type": "application/json" };
      if (options.origin !== undefined) headers.origin = options.origin;
      if (options.pairing !== undefined) headers["comedec-pairing"] = options.pairing;
      const outgoing = request({ host: "127.0.0.1", port: agentPort, path, method: options.method ?? "POST", headers }, (incoming) => {
        let text = "";
        incoming.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text === "" ? {} : JSON.parse(text) }));
      });
      outgoing.on("error", reject);
      outgoing.end(options.body === undefined ? undefined : JSON.stringify(options.body));
    });

  /** The console page's own request: from its origin, with its pairing. */
  const fromConsole = (path: string, pairing: string, body: unknown = {}) => send(path, { origin: consoleOrigin, pairing, body });

  /** A call of the platform with a session's token. */
  const callPlatform = async (path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${platform}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const pairingFor = async (token: string, origin = consoleOrigin) => (await callPlatform("/card-agent/pairings", token, { origin })).body.pairing as string;
  const ticketFor = async (token: string, body: Record<string, unknown>) => (await callPlatform("/card-agent/tickets", token, body)).body.ticket as string;
  /** A ticket the platform's own card operations issue (publication, unblock, renewal): their routes call `issue`. */
  const issued = (ticket: CardAgentRoutes.TicketRequest) => runtime.runPromise(CardAgentRoutes.issue(ticket)).then((made) => made.ticket);

  beforeAll(async () => {
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
    platform = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const simulator = await Effect.runPromise(Simulator.make({ directory: cardsDirectory }));
    serial = (await Effect.runPromise(simulator.manufacture({ card: "44444444-0000-4000-8000-000000000001", puk, label: "Jeanne Martin" }))).serial;
    secondSerial = (await Effect.runPromise(simulator.manufacture({ card: "44444444-0000-4000-8000-000000000002", puk, label: "Paul Durand" }))).serial;
    tokens.a = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(ants, 1, ants, "bootstrap")))).token;
    tokens.b = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(operator, 1, ants, "bootstrap")))).token;
    const started = spawn(
      process.execPath,
      [
        agentMain,
        "--platform",
        platform,
        "--console-origin",
        consoleOrigin,
        "--simulator",
        cardsDirectory,
        "--port",
        "0",
        "--state",
        mkdtempSync(join(tmpdir(), "comedec-agent-state-")),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    agent = started;
    agentPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent did not start: ${agentOutput}`)), 30_000);
      const read = (chunk: Buffer) => {
        agentOutput += chunk.toString("utf8");
        const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(agentOutput);
        if (listening !== null) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      };
      started.stdout?.on("data", read);
      started.stderr?.on("data", read);
      started.once("exit", (code) => reject(new Error(`the agent exited with ${code}: ${agentOutput}`)));
    });
  });

  afterAll(async () => {
    agent?.kill("SIGTERM");
    await new Promise((resolve) => server.close(resolve));
    await runtime.dispose();
  });

  it("gives the platform's key publicly, and a pairing to an authenticated session only", async () => {
    const key = await callPlatform("/card-agent/key", undefined);
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ algorithm: "ECDSA-P256-SHA256" });
    expect(String(key.body.publicKey)).toContain("BEGIN PUBLIC KEY");
    expect((await callPlatform("/card-agent/pairings", undefined, { origin: consoleOrigin })).status).toBe(401);
    expect((await callPlatform("/card-agent/tickets", undefined, { operation: "list-cards" })).status).toBe(401);
  });

  it("pairs the console's page with its session, and answers that origin only, preflight included", async () => {
    const pairing = await pairingFor(tokens.a);
    const paired = await fromConsole("/v1/pairing", pairing);
    expect(paired.status).toBe(200);
    expect(paired.body.session).toBe(CardAgentRoutes.sessionOf(tokens.a));
    expect(paired.headers["access-control-allow-origin"]).toBe(consoleOrigin);
    const preflight = await send("/v1/cards", { origin: consoleOrigin, method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(consoleOrigin);
    expect(String(preflight.headers["access-control-allow-headers"])).toContain("comedec-pairing");
  });

  it("refuses a page of another origin, preflight included, and tells it nothing a browser would let it read", async () => {
    const pairing = await pairingFor(tokens.a);
    for (const origin of ["https://evil.example", "https://console.comedec.test.evil.example", "http://console.comedec.test", "null"]) {
      const refused = await send("/v1/pairing", { origin, pairing });
      expect({ origin, status: refused.status, code: refused.body.code }).toEqual({ origin, status: 403, code: "agent-origin-refused" });
      expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
      const preflight = await send("/v1/cards", { origin, method: "OPTIONS" });
      expect(preflight.status).toBe(403);
      expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("refuses a request that names no origin", async () => {
    const refused = await send("/v1/pairing", { pairing: await pairingFor(tokens.a) });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("agent-origin-refused");
  });

  it("refuses a rebinding host name, and any host but its own address and port", async () => {
    const pairing = await pairingFor(tokens.a);
    for (const host of [`rebind.evil.example:${agentPort}`, "127.0.0.1", `127.0.0.1:${agentPort + 1}`, `localhost.evil.example:${agentPort}`]) {
      const refused = await send("/v1/pairing", { origin: consoleOrigin, host, pairing });
      expect({ host, status: refused.status, code: refused.body.code }).toEqual({ host, status: 403, code: "agent-host-refused" });
      expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect((await send("/v1/pairing", { origin: consoleOrigin, host: `localhost:${agentPort}`, pairing })).status).toBe(200);
  });

  it("refuses a request without a pairing, for the pairing itself and for a card operation", async () => {
    for (const path of ["/v1/pairing", "/v1/cards"]) {
      const refused = await send(path, { origin: consoleOrigin, body: { ticket: await ticketFor(tokens.a, { operation: "list-cards" }) } });
      expect({ path, status: refused.status, code: refused.body.code }).toEqual({ path, status: 401, code: "agent-pairing-missing" });
    }
  });

  it("refuses an expired pairing, a forged one, one of another key, and one made for another origin", async () => {
    const sessionA = CardAgentRoutes.sessionOf(tokens.a);
    const expired = (
      await runtime.runPromise(
        CardAgentRoutes.pair(sessionA, consoleOrigin).pipe(Effect.provideService(Clock.Clock, Services.clockAt(Date.now() - 16 * 60_000))),
      )
    ).pairing;
    const genuine = await pairingFor(tokens.a);
    const [part, signature] = genuine.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
    const altered = `${Buffer.from(JSON.stringify({ ...payload, session: CardAgentRoutes.sessionOf(tokens.b) })).toString("base64url")}.${signature}`;
    const otherKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const foreign = `${part}.${sign("sha256", Buffer.from(`COMEDEC card agent\n${part}`), otherKey).toString("base64url")}`;
    const otherOrigin = await pairingFor(tokens.a, "https://evil.example");
    for (const [what, pairing, reason] of [
      ["expired", expired, "expired"],
      ["altered", altered, "not signed by the platform's key"],
      ["of another key", foreign, "not signed by the platform's key"],
      ["garbage", "AAAA.BBBB", "not signed by the platform's key"],
      ["for another origin", otherOrigin, "made for the origin https://evil.example"],
    ] as const) {
      const refused = await fromConsole("/v1/pairing", pairing);
      expect({ what, status: refused.status, code: refused.body.code, reason: refused.body.reason }).toEqual({
        what,
        status: 401,
        code: "agent-pairing-invalid",
        reason,
      });
    }
  });

  it("refuses another session's ticket, a ticket for another operation, and a ticket used already", async () => {
    const pairingA = await pairingFor(tokens.a);
    const ofB = await fromConsole("/v1/cards", pairingA, { ticket: await ticketFor(tokens.b, { operation: "list-cards" }) });
    expect([ofB.status, ofB.body.code]).toEqual([403, "agent-ticket-other-session"]);
    const otherOperation = await fromConsole("/v1/cards", pairingA, { ticket: await ticketFor(tokens.a, { operation: "change-pin", card: serial }) });
    expect([otherOperation.status, otherOperation.body.code]).toEqual([403, "agent-ticket-invalid"]);
    const ticket = await ticketFor(tokens.a, { operation: "list-cards" });
    const listed = await fromConsole("/v1/cards", pairingA, { ticket });
    expect(listed.status).toBe(200);
    expect((listed.body.cards as ReadonlyArray<{ serial: string }>).map((card) => card.serial).sort()).toEqual([serial, secondSerial].sort());
    const replayed = await fromConsole("/v1/cards", pairingA, { ticket });
    expect([replayed.status, replayed.body.code]).toEqual([409, "agent-ticket-replayed"]);
    // B's own page, paired with B, gets B's operation done.
    expect((await fromConsole("/v1/cards", await pairingFor(tokens.b), { ticket: await ticketFor(tokens.b, { operation: "list-cards" }) })).status).toBe(200);
  });

  /** The agent's sealing key, as its answer to a pairing gives it to the page. */
  const sealingKeyOf = async (pairing: string) => ((await fromConsole("/v1/pairing", pairing)).body.sealingKey as { publicKey: string }).publicKey;

  it("sets the first PIN with a PUK sealed for the agent, refusing a secret sealed for another session", async () => {
    const pairing = await pairingFor(tokens.a);
    const session = CardAgentRoutes.sessionOf(tokens.a);
    const agentKey = await sealingKeyOf(pairing);
    const misbound = await issued({
      session,
      operation: "unblock",
      card: serial,
      sealedSecret: CardAgentRoutes.sealFor(agentKey, puk, { session: "another", card: serial }),
    });
    const refused = await fromConsole("/v1/unblock", pairing, { ticket: misbound, newPin: pin });
    expect([refused.status, refused.body.code]).toEqual([409, "agent-sealed-secret-refused"]);
    const ticket = await issued({
      session,
      operation: "unblock",
      card: serial,
      sealedSecret: CardAgentRoutes.sealFor(agentKey, puk, { session, card: serial }),
    });
    expect(ticket).not.toContain(puk);
    expect(Buffer.from(ticket.split(".")[0] as string, "base64url").toString("utf8")).not.toContain(puk);
    const unblocked = await fromConsole("/v1/unblock", pairing, { ticket, newPin: pin });
    expect(unblocked.status).toBe(200);
    const listed = await fromConsole("/v1/cards", pairing, { ticket: await ticketFor(tokens.a, { operation: "list-cards" }) });
    const card = (listed.body.cards as ReadonlyArray<{ serial: string; pin: { initialised: boolean } }>).find((candidate) => candidate.serial === serial);
    expect(card?.pin.initialised).toBe(true);
  });

  const subjects = {
    authentication: Der.nameDer([
      ["C", "FR"],
      ["O", "COMEDEC"],
      ["CN", "Jeanne Martin"],
    ]),
    signature: Der.nameDer([
      ["C", "FR"],
      ["O", "COMEDEC"],
      ["CN", "Jeanne Martin (signature)"],
    ]),
  };
  let keys: Record<"authentication" | "signature", string> = { authentication: "", signature: "" };
  let writtenAuthentication: Uint8Array = new Uint8Array();

  it("generates both key pairs on the card with CSRs the CA accepts, naming the subjects asked for, and reuses them on a retry", async () => {
    const pairing = await pairingFor(tokens.a);
    const session = CardAgentRoutes.sessionOf(tokens.a);
    const prepare = async () =>
      fromConsole("/v1/keys", pairing, {
        ticket: await issued({
          session,
          operation: "prepare-keys",
          card: serial,
          keyOperation: "publication-1",
          algorithm: "P-256",
          subjects: { authentication: subjects.authentication.toString("base64url"), signature: subjects.signature.toString("base64url") },
        }),
        pin,
      });
    const first = await prepare();
    expect(first.status).toBe(200);
    expect(first.body.reused).toBe(false);
    for (const usage of ["authentication", "signature"] as const) {
      const prepared = first.body[usage] as { publicKey: string; csr: string };
      const checked = await Effect.runPromise(Csr.check(new Uint8Array(Buffer.from(prepared.csr, "base64")), new Date()));
      expect(Buffer.from(checked.publicKeyInfo).toString("base64")).toBe(prepared.publicKey);
      expect(Buffer.from(checked.subject)).toEqual(subjects[usage]);
      keys = { ...keys, [usage]: prepared.publicKey };
    }
    const again = await prepare();
    expect(again.status).toBe(200);
    expect(again.body.reused).toBe(true);
    expect((again.body.authentication as { publicKey: string }).publicKey).toBe(keys.authentication);
    expect((again.body.signature as { publicKey: string }).publicKey).toBe(keys.signature);
  });

  /** A certificate of the platform's issuing CA for a public key (SubjectPublicKeyInfo, base64). */
  const certify = async (usage: "authentication" | "signature", publicKey: string) => {
    const { hierarchy } = await runtime.runPromise(Authority.CaCertificates.use(Effect.succeed));
    const serialNumber = randomBytes(16);
    serialNumber[0] = (serialNumber[0] as number) & 0x7f;
    return Issuance.certificate(Issuance.template(hierarchy.issuing, Profiles.forUsage(usage), undefined), {
      serial: Buffer.concat([Buffer.from([0x02, 16]), serialNumber]),
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      subject: subjects[usage],
      publicKeyInfo: new Uint8Array(Buffer.from(publicKey, "base64")),
    });
  };

  it("writes back the certificates of the card's keys, and refuses certificates of other keys", async () => {
    const pairing = await pairingFor(tokens.a);
    const session = CardAgentRoutes.sessionOf(tokens.a);
    const elsewhere = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" }).toString("base64");
    const write = async (authentication: Uint8Array, signature: Uint8Array) =>
      fromConsole("/v1/certificates", pairing, {
        ticket: await issued({
          session,
          operation: "write-certificates",
          card: serial,
          keyOperation: "publication-1",
          certificates: { authentication: Buffer.from(authentication).toString("base64url"), signature: Buffer.from(signature).toString("base64url") },
        }),
        pin,
      });
    const mismatch = await write(await certify("authentication", keys.authentication), await certify("signature", elsewhere));
    expect([mismatch.status, mismatch.body.code, mismatch.body.usage]).toEqual([409, "agent-certificate-mismatch", "signature"]);
    writtenAuthentication = await certify("authentication", keys.authentication);
    const written = await write(writtenAuthentication, await certify("signature", keys.signature));
    expect(written.status).toBe(200);
  });

  it("signs the platform's login challenge with the authentication key, the PIN typed at the workstation", async () => {
    const login = await callPlatform("/card-agent/login", undefined, { origin: consoleOrigin });
    expect(login.status).toBe(201);
    const { challenge, pairing, ticket } = login.body as { challenge: { id: string; toSign: string }; pairing: string; ticket: string };
    const signed = await fromConsole("/v1/login", pairing, { ticket, pin, card: serial });
    expect(signed.status).toBe(200);
    const certificate = new Uint8Array(Buffer.from(signed.body.certificate as string, "base64"));
    const publicKey = createPublicKey({ key: Buffer.from(keys.authentication, "base64"), format: "der", type: "spki" });
    expect(verify("sha256", Buffer.from(challenge.toSign), publicKey, Buffer.from(signed.body.signature as string, "base64"))).toBe(true);
    expect(Buffer.from(certificate)).toEqual(Buffer.from(writtenAuthentication));
    // The login's pairing names the challenge, not a session: a session's ticket is refused with it.
    const other = await fromConsole("/v1/cards", pairing, { ticket: await ticketFor(tokens.a, { operation: "list-cards" }) });
    expect(other.body.code).toBe("agent-ticket-other-session");
  });

  it("refuses the signature key without a PIN for this very use (rgs pin.before-use), signs with one, and only the data of its ticket", async () => {
    const pairing = await pairingFor(tokens.a);
    const data = Buffer.from("réponse COMEDEC à signer");
    const dataDigest = createHash("sha256").update(data).digest("base64url");
    for (const body of [{}, { pin: "" }]) {
      const refused = await fromConsole("/v1/sign", pairing, {
        ticket: await ticketFor(tokens.a, { operation: "sign", card: serial, dataDigest }),
        data: data.toString("base64"),
        ...body,
      });
      expect(refused.headers["content-type"]).toContain("application/problem+json");
      expect([refused.status, refused.body.code, refused.body.rule]).toEqual([403, "rgs-rule-broken", "pin.before-use"]);
    }
    const other = await fromConsole("/v1/sign", pairing, {
      ticket: await ticketFor(tokens.a, { operation: "sign", card: serial, dataDigest }),
      data: Buffer.from("autre chose").toString("base64"),
      pin,
    });
    expect([other.status, other.body.code]).toEqual([403, "agent-ticket-invalid"]);
    const signed = await fromConsole("/v1/sign", pairing, {
      ticket: await ticketFor(tokens.a, { operation: "sign", card: serial, dataDigest }),
      data: data.toString("base64"),
      pin,
    });
    expect(signed.status).toBe(200);
    const publicKey = createPublicKey({ key: Buffer.from(keys.signature, "base64"), format: "der", type: "spki" });
    expect(verify("sha256", data, publicKey, Buffer.from(signed.body.signature as string, "base64"))).toBe(true);
  });

  it("changes the PIN, the card saying when the old one is wrong", async () => {
    const pairing = await pairingFor(tokens.a);
    const wrong = await fromConsole("/v1/pin", pairing, {
      ticket: await ticketFor(tokens.a, { operation: "change-pin", card: serial }),
      pin: "000000",
      newPin: "731864",
    });
    expect([wrong.status, wrong.body.code]).toEqual([422, "pin-incorrect"]);
    const changed = await fromConsole("/v1/pin", pairing, {
      ticket: await ticketFor(tokens.a, { operation: "change-pin", card: serial }),
      pin,
      newPin: "731864",
    });
    expect(changed.status).toBe(200);
  });

  it("has no request body of the card-agent endpoints that carries a PIN or a PUK", async () => {
    const document = (await callPlatform("/openapi.json", undefined)).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const bodies = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/card-agent"))
      .flatMap(([, operations]) => Object.values(operations).map((operation) => JSON.stringify(operation.requestBody ?? {})));
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) expect(body.toLowerCase()).not.toMatch(/"(pin|puk|newpin)"/);
  });
});
