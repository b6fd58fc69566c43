/**
 * The desk of the HTTP suites: what the console does at a workstation (ADR 0016), against the
 * platform's HTTP API and the card agent's local interface, here in the test's process on the
 * suite's own smart-card runtime (the separate-process walks are `AgentHandOver` and `CardAgent`).
 * The page pairs the agent with its session, relays the platform's tickets to the agent, and
 * sends the PINs to the agent only; the agent's checks (origin, host, pairing, tickets, the sealed
 * PUK) are the real ones. Each operation answers the first refusal it met — the platform's or the
 * agent's problem, with its status — or the platform's last answer, so that a suite asserts either.
 */
import type { SmartCards } from "@comedec/card";
import { Journal, LocalInterface, Sealing, Statements } from "@comedec/card-agent";
import { Contract } from "@comedec/http-contract";
import { type ManagedRuntime, Schema } from "effect";

/** An answer: its status and JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: any;
}

/** How the suite calls the platform: with a bearer token, or none. */
export type PlatformCall = (token: string | undefined, method: string, path: string, body?: unknown) => Promise<Answer>;

/** The platform call of a suite's app in its own process: the bearer token when given, JSON both ways. */
export const onApp =
  (app: { readonly request: (path: string, init: RequestInit) => Response | Promise<Response> }): PlatformCall =>
  async (token, method, path, body) => {
    const response = await app.request(path, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };

/** The console's origin the desk's agent accepts. */
export const consoleOrigin = "https://console.comedec.test";
const port = 7300;

/** What the hand-over desk checked, and the first PIN the holder types at the agent. */
export interface HandOver {
  readonly activationCode: string;
  readonly handOver: { readonly document: { readonly type: string; readonly number: string }; readonly place: "mairie" | "prefecture" | "ants" };
  readonly pin: string;
  readonly reason: string;
  readonly algorithm?: string;
}

const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** A desk on the suite's platform and cards. */
export const make = async (platform: PlatformCall, runtime: ManagedRuntime.ManagedRuntime<SmartCards, unknown>) => {
  const key = Schema.decodeUnknownSync(Contract.CardAgent.AgentKey)((await platform(undefined, "GET", "/card-agent/key")).body);
  const sealing = Sealing.make();
  const agent = LocalInterface.make({
    consoleOrigin,
    port,
    statements: () => Statements.checker(key),
    refreshKey: async () => undefined,
    sealing,
    journal: Journal.make(),
    runtime,
  });
  return {
    agent,
    ...on(platform, consoleOrigin, async (path, init) => agent.request(path, { ...init, headers: { ...init.headers, host: `127.0.0.1:${port}` } })),
  };
};

/**
 * A desk whose agent runs elsewhere and listens at `url` (a spawned `comedec-card-agent`, or the
 * one the embedded platform runs): the page's requests go to it over HTTP, from `origin`.
 */
export const remote = (platform: PlatformCall, agent: { readonly url: string; readonly origin: string }) =>
  on(platform, agent.origin, (path, init) => fetch(new URL(path, agent.url), init));

/** The console's walk, the agent reached through `toAgent`. */
const on = (
  platform: PlatformCall,
  consoleOrigin: string,
  toAgent: (path: string, init: { readonly method: string; readonly headers: Record<string, string>; readonly body: string }) => Promise<Response>,
) => {
  /** The agent's answer to the page. */
  const atAgent = async (path: string, pairing: string, body: unknown): Promise<Answer> => {
    const response = await toAgent(path, {
      method: "POST",
      headers: { origin: consoleOrigin, "content-type": "application/json", [LocalInterface.pairingHeader]: pairing },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  /** The agent paired with the session: the pairing the page relays, and the agent's sealing key the platform seals the PUK for. */
  const paired = async (token: string) => {
    const pairing = (await platform(token, "POST", "/card-agent/pairings", { origin: consoleOrigin })).body.pairing as string;
    const answer = await atAgent("/v1/pairing", pairing, {});
    return { pairing, agentKey: answer.body.sealingKey.publicKey as string };
  };

  /** Keys on the card, certified, written back, proved: the end of a hand-over and of a renewal. */
  const certifyAndConfirm = async (token: string, pairing: string, card: string, started: Answer, pin: string, path: string): Promise<Answer> => {
    const keys = await atAgent("/v1/keys", pairing, { ticket: started.body.tickets.prepareKeys, pin });
    if (!ok(keys)) return keys;
    const csrs = { authentication: keys.body.authentication.csr, signature: keys.body.signature.csr };
    const certified = await platform(token, "POST", `/cards/${card}/${path}/certificate-requests`, { csrs });
    if (!ok(certified)) return certified;
    const written = await atAgent("/v1/certificates", pairing, { ticket: certified.body.tickets.writeCertificates, pin });
    if (!ok(written)) return written;
    const proof = await atAgent("/v1/login", pairing, { ticket: certified.body.tickets.proof, pin });
    if (!ok(proof)) return proof;
    return platform(token, "POST", `/cards/${card}/${path}/confirmation`, { proof: proof.body.signature, certificate: proof.body.certificate });
  };

  return {
    /** Hands a received card over, to its publication: the code and the document checked, the first PIN set with the sealed PUK, keys, certificates, proof. */
    publish: async (token: string, card: string, input: HandOver): Promise<Answer> => {
      const { pairing, agentKey } = await paired(token);
      const { pin, ...body } = input;
      const started = await platform(token, "POST", `/cards/${card}/hand-over`, { ...body, agentKey });
      if (!ok(started)) return started;
      const first = await atAgent("/v1/unblock", pairing, { ticket: started.body.tickets.unblock, newPin: pin });
      if (!ok(first)) return first;
      return certifyAndConfirm(token, pairing, card, started, pin, "hand-over");
    },
    /** Takes up a hand-over whose code was used (the card pulled out): the same operation, without the code. */
    resume: async (token: string, card: string, input: { readonly pin: string; readonly reason: string; readonly setPin?: boolean }): Promise<Answer> => {
      const { pairing, agentKey } = await paired(token);
      const started = await platform(token, "POST", `/cards/${card}/hand-over/resumption`, { agentKey, reason: input.reason });
      if (!ok(started)) return started;
      if (input.setPin !== false) {
        const first = await atAgent("/v1/unblock", pairing, { ticket: started.body.tickets.unblock, newPin: input.pin });
        if (!ok(first)) return first;
      }
      return certifyAndConfirm(token, pairing, card, started, input.pin, "hand-over");
    },
    /** New key pairs and certificates on an active card, the holder typing their PIN. */
    renewCertificates: async (token: string, card: string, input: { readonly pin: string; readonly reason: string }): Promise<Answer> => {
      const { pairing } = await paired(token);
      const started = await platform(token, "POST", `/cards/${card}/new-certificates`, { reason: input.reason });
      if (!ok(started)) return started;
      return certifyAndConfirm(token, pairing, card, started, input.pin, "new-certificates");
    },
    /** Unblocks a PIN-blocked card: the platform authorises it and seals the PUK for the agent; the holder types the new PIN there. */
    unblock: async (
      token: string,
      card: string,
      input: {
        readonly holderAuthentication: "face-to-face" | "secret-answers";
        readonly answers?: ReadonlyArray<{ readonly question: number; readonly answer: string }>;
        readonly newPin: string;
        readonly reason: string;
      },
    ): Promise<Answer> => {
      const { pairing, agentKey } = await paired(token);
      const { newPin, ...body } = input;
      const issued = await platform(token, "POST", `/cards/${card}/unblock-ticket`, { ...body, agentKey });
      if (!ok(issued)) return issued;
      const done = await atAgent("/v1/unblock", pairing, { ticket: issued.body.ticket, newPin });
      return ok(done) ? issued : done;
    },
    /** The cards in the agent's readers, as the page reads them before an unblock (each with its PIN's state: `pin.locked`, `pin.triesLeft`). */
    cards: async (token: string): Promise<Answer> => {
      const { pairing } = await paired(token);
      const ticket = await platform(token, "POST", "/card-agent/tickets", { operation: "list-cards" });
      if (!ok(ticket)) return ticket;
      return atAgent("/v1/cards", pairing, { ticket: ticket.body.ticket });
    },
    /**
     * Signs in with a card at the agent (the PIN typed there): the session's token on success,
     * the agent's or the platform's refusal otherwise (`pin-incorrect`, `pin-locked`, …).
     */
    signIn: async (serial: string, pin: string, options?: { readonly finalTry?: boolean }): Promise<Answer & { readonly token?: string }> => {
      const login = await platform(undefined, "POST", "/card-agent/login", { origin: consoleOrigin });
      if (!ok(login)) return login;
      const signed = await atAgent("/v1/login", login.body.pairing, {
        ticket: login.body.ticket,
        pin,
        card: serial,
        ...(options?.finalTry === true ? { finalTry: true } : {}),
      });
      if (!ok(signed)) return signed;
      const session = await platform(undefined, "POST", "/sessions", {
        challenge: login.body.challenge.id,
        certificate: signed.body.certificate,
        signature: signed.body.signature,
      });
      return ok(session) ? { ...session, token: session.body.token as string } : session;
    },
  };
};

/** A desk of a suite. */
export type Desk = Awaited<ReturnType<typeof make>>;
/** A desk whose agent runs in its own process. */
export type RemoteDesk = ReturnType<typeof remote>;
