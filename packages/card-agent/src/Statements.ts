/**
 * The platform's statements as the agent checks them (ADR 0016): `base64url(JSON) "." base64url(DER
 * ECDSA-SHA-256)` over the contract's prefix, signed with the key the agent fetched from the
 * platform at start. A pairing binds the agent to one platform session (a digest of its token) and
 * to the console's origin; a ticket names one operation of a session, once. The agent holds no
 * secret of the platform, so a stolen agent configuration forges nothing.
 */
import { Contract } from "@comedec/http-contract";
import { Effect, Schema } from "effect";
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { PairingInvalid, TicketInvalid, TicketOfAnotherSession, TicketReplayed } from "./Refusals.js";

const { CardAgent } = Contract;

/** The platform's key, as `GET /card-agent/key` gives it. */
export type PlatformKey = typeof CardAgent.AgentKey.Type;
/** A checked pairing. */
export type Pairing = typeof CardAgent.PairingPayload.Type;
/** A checked ticket. */
export type Ticket = typeof CardAgent.TicketPayload.Type;

/** A statement's payload when its signature is the platform key's; `undefined` otherwise. */
const opened = (statement: string, key: KeyObject): unknown => {
  const [part, signature, extra] = statement.split(".");
  if (part === undefined || signature === undefined || extra !== undefined) return undefined;
  if (!verify("sha256", CardAgent.signedBytes(part), key, Buffer.from(signature, "base64url"))) return undefined;
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
};

/** The checker of one platform key: pairings, tickets, and the tickets used already (until they expire). */
export interface Checker {
  readonly keyId: string;
  readonly pairing: (statement: string, origin: string, now: number) => Effect.Effect<Pairing, PairingInvalid>;
  /** Checks a ticket for an operation of the pairing's session, and uses it up. */
  readonly ticket: (
    statement: string,
    pairing: Pairing,
    operation: typeof CardAgent.Operation.Type,
    now: number,
  ) => Effect.Effect<Ticket, TicketInvalid | TicketOfAnotherSession | TicketReplayed>;
}

/** A checker of the statements signed with this key. */
export const checker = (platformKey: PlatformKey): Checker => {
  const key = createPublicKey(platformKey.publicKey);
  const decodePairing = Schema.decodeUnknownOption(CardAgent.PairingPayload);
  const decodeTicket = Schema.decodeUnknownOption(CardAgent.TicketPayload);
  // Nonces of the tickets used, with their expiry: a ticket is good once.
  const used = new Map<string, number>();
  return {
    keyId: platformKey.keyId,
    pairing: (statement, origin, now) =>
      Effect.suspend((): Effect.Effect<Pairing, PairingInvalid> => {
        const decoded = decodePairing(opened(statement, key));
        if (decoded._tag === "None") return Effect.fail(new PairingInvalid({ reason: "not signed by the platform's key" }));
        const pairing = decoded.value;
        if (pairing.keyId !== platformKey.keyId) return Effect.fail(new PairingInvalid({ reason: "signed with another key" }));
        if (Date.parse(pairing.expiresAt) <= now) return Effect.fail(new PairingInvalid({ reason: "expired" }));
        if (pairing.origin !== origin) return Effect.fail(new PairingInvalid({ reason: `made for the origin ${pairing.origin}` }));
        return Effect.succeed(pairing);
      }),
    ticket: (statement, pairing, operation, now) =>
      Effect.suspend((): Effect.Effect<Ticket, TicketInvalid | TicketOfAnotherSession | TicketReplayed> => {
        for (const [nonce, expiry] of used) if (expiry <= now) used.delete(nonce);
        const decoded = decodeTicket(opened(statement, key));
        if (decoded._tag === "None") return Effect.fail(new TicketInvalid({ reason: "not signed by the platform's key" }));
        const ticket = decoded.value;
        if (ticket.keyId !== platformKey.keyId) return Effect.fail(new TicketInvalid({ reason: "signed with another key" }));
        if (Date.parse(ticket.expiresAt) <= now) return Effect.fail(new TicketInvalid({ reason: "expired" }));
        if (ticket.session !== pairing.session) return Effect.fail(new TicketOfAnotherSession());
        if (ticket.operation !== operation) return Effect.fail(new TicketInvalid({ reason: `a ticket for ${ticket.operation}, not ${operation}` }));
        if (used.has(ticket.nonce)) return Effect.fail(new TicketReplayed());
        used.set(ticket.nonce, Date.parse(ticket.expiresAt));
        return Effect.succeed(ticket);
      }),
  };
};
