/**
 * The card agent on this workstation (ADR 0016), reached on 127.0.0.1 only: the page relays the
 * platform's pairing (in `Comedec-Pairing`) and its single-use tickets, and sends the PIN typed
 * here to the agent alone — never to the platform. The agent checks this page's origin, its host
 * name and the pairing before it touches the card.
 */
import { type Refusal, refusalOfProblem } from "./Messages.js";

/** Where the agent listens unless the person names another address. */
export const defaultUrl = "http://127.0.0.1:7300";

/** What the agent answers: its body, or a refusal with its French message. */
export type AgentOutcome<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly refusal: Refusal };

/** The address, if it names the loopback (the only place an agent listens); `undefined` otherwise. */
export const loopbackUrl = (text: string): string | undefined => {
  try {
    const url = new URL(text.trim());
    if (url.protocol !== "http:" || !["127.0.0.1", "localhost"].includes(url.hostname)) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
};

const post = async <A>(agentUrl: string, path: string, pairing: string, body: unknown): Promise<AgentOutcome<A>> => {
  let response: Response;
  try {
    response = await fetch(`${agentUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "comedec-pairing": pairing },
      body: JSON.stringify(body),
      // The PIN must not linger in any cache, and no cookie goes to the agent.
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    return { ok: false, refusal: { code: "agent-unreachable", message: refusalOfProblem({ code: "agent-unreachable" }).message } };
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return response.ok ? { ok: true, value: json as A } : { ok: false, refusal: refusalOfProblem(json) };
};

/** The card's signature of a login challenge, with the authentication certificate (base64 DER). */
export interface LoginAnswer {
  readonly card: string;
  readonly signature: string;
  readonly certificate: string;
}

/** Signs the login challenge its ticket carries with the card's authentication key, under `pin`. */
export const login = (agentUrl: string, pairing: string, ticket: string, pin: string, card?: string, finalTry = false) =>
  post<LoginAnswer>(agentUrl, "/v1/login", pairing, {
    ticket,
    pin,
    ...(card === undefined || card === "" ? {} : { card }),
    // The holder confirmed the card's last try: a wrong PIN then blocks it.
    ...(finalTry ? { finalTry: true } : {}),
  });

/** A card in a reader of this workstation. */
export interface PresentCard {
  readonly serial: string;
  readonly label: string;
  readonly pin: { readonly initialised: boolean; readonly locked: boolean; readonly triesLeft?: number };
}

/** The cards in the readers (a `list-cards` ticket). */
export const listCards = (agentUrl: string, pairing: string, ticket: string) =>
  post<{ readonly cards: ReadonlyArray<PresentCard> }>(agentUrl, "/v1/cards", pairing, { ticket });

/** Changes the card's PIN (a `change-pin` ticket). */
export const changePin = (agentUrl: string, pairing: string, ticket: string, pin: string, newPin: string) =>
  post<{ readonly changed: boolean }>(agentUrl, "/v1/pin", pairing, { ticket, pin, newPin });

/** Generates both key pairs on the card with their CSRs (a `prepare-keys` ticket the platform's operation issued). */
export const prepareKeys = (agentUrl: string, pairing: string, ticket: string, pin: string) =>
  post<{
    readonly card: string;
    readonly reused: boolean;
    readonly authentication: { readonly publicKey: string; readonly csr: string };
    readonly signature: { readonly publicKey: string; readonly csr: string };
  }>(agentUrl, "/v1/keys", pairing, { ticket, pin });

/** Writes back the certificates the platform issued (a `write-certificates` ticket). */
export const writeCertificates = (agentUrl: string, pairing: string, ticket: string, pin: string) =>
  post<{ readonly written: boolean }>(agentUrl, "/v1/certificates", pairing, { ticket, pin });

/** Sets a new PIN with the unblock secret sealed inside the ticket (publication's first PIN, unblock). */
export const unblock = (agentUrl: string, pairing: string, ticket: string, newPin: string) =>
  post<{ readonly unblocked: boolean }>(agentUrl, "/v1/unblock", pairing, { ticket, newPin });

/** The agent's sealing key, for the platform to seal an unblock secret for this agent. */
export const pairingInfo = (agentUrl: string, pairing: string) =>
  post<{ readonly session: string; readonly expiresAt: string; readonly sealingKey: { readonly keyId: string; readonly publicKey: string } }>(
    agentUrl,
    "/v1/pairing",
    pairing,
    {},
  );
