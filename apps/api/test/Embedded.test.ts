/**
 * The platform as `npm start` runs it: the built API process on its embedded defaults (its own
 * PostgreSQL server on a data directory, the worker's jobs in the same process, mail kept in the mailbox), driven over
 * HTTP and through its command line, with no manual step between an operator's act and the
 * notifications it calls for:
 * - hand-over sessions planned and confirmed: the mairie finds its invitation in its mailbox;
 * - a card revoked: the CRL served next lists its certificates, and the mairie is told;
 * - the card handed over at the desk through the card agent the embedded platform runs on its
 *   virtual cards, as a workstation would: the PIN goes to that agent only.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as AtTheDesk from "./AtTheDesk.js";
import { registration, type Side, today, triggerConnection } from "./Routes.js";
import { type Started, start, waitFor } from "./Started.js";
import * as Letters from "./Letters.js";

/** A port nobody listens on, for the embedded card agent (its default, 7300, may be another suite's). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** The platform as the console page calls it, with a token or none. */
const platformAt =
  (base: string): AtTheDesk.PlatformCall =>
  async (token, method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

/** Two requests on one connection, `idleMillis` apart: the second is answered only if the server kept the connection open. */
const twoRequestsOnOneConnection = (url: string, path: string, idleMillis: number) =>
  new Promise<ReadonlyArray<string>>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const statusLines: Array<string> = [];
    const request = `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      for (const line of chunk.match(/^HTTP\/1\.1 [0-9]{3}/gm) ?? []) statusLines.push(line);
      if (statusLines.length === 1 && !socket.destroyed) setTimeout(() => socket.write(request), idleMillis);
      if (statusLines.length === 2) socket.end();
    });
    socket.on("close", () => resolve(statusLines));
    socket.on("error", reject);
    socket.write(request);
  });

describe("the platform started on its embedded defaults", () => {
  let platform: Started;
  let base = "";
  let dataDir = "";
  let desk: AtTheDesk.RemoteDesk;
  let agentPort = 0;
  const ok: Started["ok"] = (...args) => platform.ok(...args);
  const tokens = { ants: "", prefecture: "", lyon: "", lyonDelegue: "" };
  const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };

  const mailbox = async (token: string, kind: string) =>
    ((await ok(token, "GET", "/mailbox?commune=69123")).items as ReadonlyArray<{ kind: string; subject: string; body: string; sentAt: string | null }>).filter(
      (item) => item.kind === kind,
    );

  beforeAll(async () => {
    agentPort = await freePort();
    platform = await start({ COMEDEC_CARD_AGENT_PORT: String(agentPort) });
    ({ base, dataDir } = platform);
    // The console's origin is the platform's own; the agent runs in its process, on its virtual cards.
    desk = AtTheDesk.remote(platformAt(base), { url: `http://127.0.0.1:${agentPort}`, origin: base });
    tokens.ants = platform.issue("national-administrator", "national", "ANTS");
    tokens.prefecture = platform.issue("prefecture-operator", "prefecture:69", "Préfecture du Rhône");
    tokens.lyon = platform.issue("commune-operator", "commune:69123", "Responsable carte de Lyon");
    tokens.lyonDelegue = platform.issue("commune-operator", "commune:69123", "Délégué de Lyon", "delegue-lyon");
  }, 120_000);

  afterAll(() => platform?.stop());

  it("keeps an idle connection past Node's 5 s default, so a client reusing it never meets a closed socket", async () => {
    // Both servers answer the second request on the same socket after 6 s of silence.
    const [api, agent] = await Promise.all([
      twoRequestsOnOneConnection(base, "/health", 6_000),
      twoRequestsOnOneConnection(`http://127.0.0.1:${agentPort}`, "/v1/cards", 6_000),
    ]);
    expect(api).toEqual(["HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(agent).toHaveLength(2);
  }, 20_000);

  it("says on start that its jobs run in its own process, on the embedded database", () => {
    expect(platform.output()).toContain(`embedded PostgreSQL in ${dataDir}; jobs in this process, mail kept in the mailbox`);
  });

  it("invites the mairie once its hand-over session is confirmed, with no further step", async () => {
    await triggerConnection(ok, tokens.ants, "69123");
    const planned = await ok(tokens.prefecture, "POST", "/planning/hand-over-sessions", {
      departement: "69",
      prefectureCommune: "69123",
      capacity: 20,
      startOn: today,
    });
    const session = (planned.sessions as ReadonlyArray<{ date: string; venue: { name: string }; mairies: ReadonlyArray<{ code: string }> }>).find((candidate) =>
      candidate.mairies.some((mairie) => mairie.code === "69123"),
    );
    expect(session).toBeDefined();
    const confirmed = await ok(tokens.prefecture, "POST", "/planning/hand-over-sessions/confirmation", {
      departement: "69",
      reference: "plan 69-1",
      sessions: [{ date: session?.date, venue: session?.venue.name, mairies: ["69123"] }],
    });
    expect(confirmed).toEqual({ recorded: ["69123"], refused: [] });
    const invitation = await waitFor("the invitation, delivered", async () =>
      (await mailbox(tokens.lyon, "appointment-invitation")).find((item) => item.sentAt !== null),
    );
    expect(invitation.subject).toBe(`COMEDEC — remise de vos cartes agent le ${session?.date} (${session?.venue.name})`);
  }, 60_000);

  it("turns a revocation into a new CRL listing the card's certificates and a notice to the mairie", async () => {
    lyon.agent = (await ok(tokens.prefecture, "POST", "/agents", registration(lyon, "EM1234567"))).id;
    const card = (await ok(tokens.lyon, "POST", "/cards", { holder: lyon.agent, reason: "nouvelle carte" })).id as string;
    const serial = (await ok(tokens.ants, "POST", `/cards/${card}/production`, { reason: "fabrication" })).serial as string;
    await ok(tokens.ants, "POST", `/cards/${card}/shipment`, { reason: "envoi" });
    await ok(tokens.lyon, "POST", `/cards/${card}/receipt`, { serial, reason: "reçue" });
    const code = await Letters.codeFromLetter((path, init) => fetch(`${base}${path}`, init), tokens.ants, card);
    // The responsable carte ordered the card: the délégué approves it first, from their own session.
    await ok(tokens.lyonDelegue, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" });
    const handedOver = await desk.publish(tokens.lyon, card, {
      activationCode: code,
      pin: "482915",
      handOver: { document: { type: "carte-nationale-identite", number: "EM1234567" }, place: "mairie" },
      reason: "remise",
    });
    expect(handedOver.status, JSON.stringify(handedOver.body)).toBe(200);
    const published = handedOver.body;
    expect(published.status).toBe("active");
    const certificateSerial = (published.certificates.authentication.serial as string).toUpperCase();

    await ok(tokens.lyon, "POST", `/cards/${card}/revocation`, { revocationReason: "keyCompromise", reason: "carte perdue" });
    const crlFile = join(dataDir, "served.crl");
    writeFileSync(crlFile, Buffer.from(await (await fetch(`${base}/pki/crl`)).arrayBuffer()));
    const crl = execFileSync("openssl", ["crl", "-inform", "DER", "-in", crlFile, "-noout", "-text"], { encoding: "utf8" });
    expect(crl.replaceAll(":", "").toUpperCase()).toContain(certificateSerial.replaceAll(":", ""));
    expect(crl).toContain("Key Compromise");
    const notice = await waitFor("the revocation notice, delivered", async () =>
      (await mailbox(tokens.lyon, "card-revoked")).find((item) => item.sentAt !== null),
    );
    expect(notice.body).toContain("clé compromise");
  }, 60_000);
});
