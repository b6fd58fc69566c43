/**
 * The embedded mode under concurrency (issue 24): the built process as `npm start` runs it, its
 * worker in the same process, sent many requests at once of every kind — registrations, reads
 * of what was written, listings, card orders and whole card walks (production, shipment, receipt,
 * the activation code mailed by the worker, the délégué's approval, the hand-over at the desk through the card agent the
 * embedded platform runs on its virtual cards) — and every answer
 * checked against what was written. Afterwards the chain verifies, each card's activation code
 * was mailed exactly once, and the process is still up with nothing unhandled in its output.
 * PGlite shared through `pglite-socket` failed this (wrong 404s, 500s, "activation code already
 * used", the process dying); ADR 0013.
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as AtTheDesk from "./AtTheDesk.js";
import { registration, type Side } from "./Routes.js";
import { type Started, start } from "./Started.js";
import * as Letters from "./Letters.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const agents = 24;
const cards = 12;

/** A port nobody listens on, for the embedded card agent (its default, 7300, may be another suite's). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe("the embedded platform under concurrent requests of every kind", () => {
  let platform: Started;
  let agentPort = 0;
  const tokens = { ants: "", prefecture: "", lyon: "", lyonDelegue: "" };
  const lyon: Side = { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" };

  /** A request from its own client address (rate limits count by address, and each card walk is one counter's worth). */
  const send = async (token: string, method: string, path: string, body?: unknown, from = "198.51.100.1", bearer = true) => {
    const response = await fetch(`${platform.base}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json", "x-forwarded-for": from },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text.length === 0 ? {} : JSON.parse(text)) as any };
  };
  const ok = async (token: string, method: string, path: string, body?: unknown, from?: string) => {
    const answer = await send(token, method, path, body, from);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  };
  /** A desk of its own client address, on the agent the embedded platform runs (the console's origin is the platform's). */
  const deskFrom = (from: string) =>
    AtTheDesk.remote((token, method, path, body) => send(token ?? "", method, path, body, from, token !== undefined), {
      url: `http://127.0.0.1:${agentPort}`,
      origin: platform.base,
    });
  const mailbox = async () =>
    (await ok(tokens.lyon, "GET", "/mailbox?commune=69123")).items as ReadonlyArray<{ kind: string; body: string; sentAt: string | null }>;

  beforeAll(async () => {
    agentPort = await freePort();
    platform = await start({ COMEDEC_TRUST_PROXY: "1", COMEDEC_CARD_AGENT_PORT: String(agentPort) });
    tokens.ants = platform.issue("national-administrator", "national", "ANTS");
    tokens.prefecture = platform.issue("prefecture-operator", "prefecture:69", "Préfecture du Rhône");
    tokens.lyon = platform.issue("commune-operator", "commune:69123", "Responsable carte de Lyon");
    tokens.lyonDelegue = platform.issue("commune-operator", "commune:69123", "Délégué de Lyon", "delegue-lyon");
  }, 120_000);

  afterAll(() => platform?.stop());

  it("answers every request right, mails each code once, keeps its chain and stays up", async () => {
    // Registrations, all at once, each with its own document and e-mail.
    const numbers = Array.from({ length: agents }, (_, index) => `EC${String(index).padStart(7, "0")}`);
    // Distinct people: the same identity twice at one site is refused as a duplicate.
    const person = (number: string, index: number) => {
      const given = registration(lyon, number);
      const birthDate = `1985-04-${String(index + 1).padStart(2, "0")}`;
      return { ...given, identity: { ...given.identity, birthDate }, document: { ...given.document, holder: { ...given.document.holder, birthDate } } };
    };
    const registered = await Promise.all(numbers.map((number, index) => ok(tokens.lyon, "POST", "/agents", person(number, index))));
    const ids = registered.map((agent) => agent.id as string);
    expect(new Set(ids).size).toBe(agents);

    // Reads of each agent, listings, commune look-ups and card orders, interleaved.
    const ordered = new Map<string, string>();
    const reads = ids.flatMap((id, index) => [
      ok(tokens.lyon, "GET", `/agents/${id}`).then((agent) => {
        expect(agent.id).toBe(id);
        expect(agent.contact.email).toBe(`claire.${numbers[index]?.toLowerCase()}@mairie.fr`);
      }),
      ok(tokens.ants, "GET", "/communes/69123").then((commune) => expect(commune.name).toBe("Lyon")),
      ok(tokens.lyon, "GET", "/agents?commune=69123").then((page) => expect(JSON.stringify(page)).toContain(id)),
      ...(index < cards
        ? [
            ok(tokens.lyon, "POST", "/cards", { holder: id, reason: "nouvelle carte" }).then((card) => {
              expect(card.holder).toBe(id);
              ordered.set(id, card.id as string);
            }),
          ]
        : []),
    ]);
    await Promise.all(reads);
    expect(ordered.size).toBe(cards);

    // Every card walked to its hand-over at once, while the worker mails the activation codes.
    const walk = async (holder: string, card: string, index: number) => {
      const from = `198.51.100.${10 + index}`;
      const produced = await ok(tokens.ants, "POST", `/cards/${card}/production`, { reason: "fabrication" }, from);
      const serial = produced.serial as string;
      expect(produced.id).toBe(card);
      await ok(tokens.ants, "POST", `/cards/${card}/shipment`, { reason: "envoi" }, from);
      await ok(tokens.lyon, "POST", `/cards/${card}/receipt`, { serial, reason: "reçue" }, from);
      const code = await Letters.codeFromLetter((path, init) => fetch(`${platform.base}${path}`, init), tokens.ants, card);
      // The responsable carte registered the holder and ordered the card: the délégué approves it first, from their own session.
      await ok(tokens.lyonDelegue, "POST", `/cards/${card}/personalisation-approval`, { reason: "second contrôle" }, from);
      const handedOver = await deskFrom(from).publish(tokens.lyon, card, {
        activationCode: code,
        pin: "482915",
        handOver: { document: { type: "carte-nationale-identite", number: numbers[index] as string }, place: "mairie" },
        reason: "remise",
      });
      expect(handedOver.status, JSON.stringify(handedOver.body)).toBe(200);
      const published = handedOver.body;
      expect(published.id).toBe(card);
      expect(published.holder).toBe(holder);
      expect(published.status).toBe("active");
      const read = await ok(tokens.lyon, "GET", `/cards/${card}`, undefined, from);
      expect(read.status).toBe("active");
      expect(read.serial).toBe(serial);
      return serial;
    };
    const serials = await Promise.all([...ordered].map(([holder, card]) => walk(holder, card, ids.indexOf(holder))));
    expect(new Set(serials).size).toBe(cards);

    // Twenty requests at once on one card and its holder, as in issue 24's report.
    const [firstHolder, firstCard] = [...ordered][0] as [string, string];
    const onOneCard = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0 ? ok(tokens.lyon, "GET", `/cards/${firstCard}`) : ok(tokens.lyon, "GET", `/agents/${firstHolder}`),
      ),
    );
    for (const [index, answer] of onOneCard.entries()) expect(answer.id).toBe(index % 2 === 0 ? firstCard : firstHolder);

    // Each card's code issued once and its letter produced once, and no notice carries a code.
    const notices = (await mailbox()).filter((item) => item.kind === "activation-code");
    for (const serial of serials) expect(notices.filter((item) => item.body.includes(serial)).length).toBe(2);
    for (const notice of notices) expect(notice.body).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);

    const verified = execFileSync(process.execPath, [cli, "audit", "verify"], { env: platform.environment, encoding: "utf8" });
    expect(verified).toMatch(/^audit trail valid: [0-9]+ events/);
    expect((await fetch(`${platform.base}/health`)).status).toBe(200);
    expect(platform.output()).not.toMatch(/Unhandled|uncaught|ECONNRESET|deadlock/i);
  }, 240_000);
});
