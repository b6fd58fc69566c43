/**
 * The platform's side of the card agent's protocol (ADR 0016): the key the agent checks the
 * platform's statements with, the pairing a console page hands to the agent on its workstation,
 * and the operation tickets that name what the agent may do with a card for that page's session.
 * The agent never holds a secret of the platform: it verifies statements with the public key it
 * fetched at start. No body here carries a PIN or a PUK; an unblock secret travels only sealed for
 * the agent inside a ticket.
 */
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { Challenge } from "./Sessions.js";

/** What the platform's statements are signed over: this prefix, then the payload part (domain separation). */
export const signedPrefix = "COMEDEC card agent\n";

/** The bytes a statement's signature covers: the prefix and the base64url payload part, UTF-8. */
export const signedBytes = (payloadPart: string): Uint8Array => new TextEncoder().encode(`${signedPrefix}${payloadPart}`);

/** The operations an agent carries out on a card, each under a ticket naming it. */
export const Operation = Schema.Literals(["list-cards", "login", "sign", "change-pin", "prepare-keys", "write-certificates", "unblock"]);
/** The operations an agent carries out on a card. */
export type Operation = typeof Operation.Type;

/** The operations a session asks a ticket for itself; the others are issued by the platform's own operations (publication, unblock, renewal). */
export const SelfServiceOperation = Schema.Literals(["list-cards", "sign", "change-pin"]);

/** The platform's key for statements to card agents: ECDSA P-256 over SHA-256, signatures DER. */
export const AgentKey = Schema.Struct({
  keyId: Schema.String,
  algorithm: Schema.Literal("ECDSA-P256-SHA256"),
  /** SubjectPublicKeyInfo, PEM. */
  publicKey: Schema.String,
}).annotate({ identifier: "CardAgentKey" });

/** A signed statement: `base64url(JSON payload) "." base64url(DER signature)`. */
export const Statement = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: "not a signed statement" }),
  Schema.isMaxLength(32_768),
);

/** A console origin: scheme, host and port, nothing else. */
export const Origin = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, { message: "an origin is scheme://host[:port]" }),
  Schema.isMaxLength(255),
);

/**
 * What a pairing says: this session (a digest of its token, never the token), for a page of this
 * origin, until `expiresAt`. The agent accepts requests that carry it from that origin only.
 */
export const PairingPayload = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal("pairing"),
  keyId: Schema.String,
  session: Schema.String,
  origin: Schema.String,
  issuedAt: Schema.String,
  expiresAt: Schema.String,
  nonce: Schema.String,
}).annotate({ identifier: "CardAgentPairing" });

/**
 * A secret sealed for one agent: ECDH X25519 between the platform's ephemeral key and the agent's
 * key (from its pairing answer), HKDF-SHA-256, AES-256-GCM with the ticket's session and card as
 * associated data. Only that agent process opens it; no page, log or proxy reads it.
 */
export const SealedSecret = Schema.Struct({
  /** The agent key it is sealed for (`keyId` of the agent's answer to its pairing). */
  agentKey: Schema.String,
  /** The platform's ephemeral X25519 public key, SubjectPublicKeyInfo, base64url. */
  ephemeralKey: Schema.String,
  iv: Schema.String,
  ciphertext: Schema.String,
  tag: Schema.String,
}).annotate({ identifier: "CardAgentSealedSecret" });

/** The two certificates an agent writes back, DER base64url, each for the key it generated. */
export const Certificates = Schema.Struct({ authentication: Schema.String, signature: Schema.String });

/**
 * What a ticket says: one operation, for this session, on this card (none for a listing), once,
 * until `expiresAt`, with what that operation needs from the platform.
 */
export const TicketPayload = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal("ticket"),
  keyId: Schema.String,
  session: Schema.String,
  operation: Operation,
  card: Schema.optionalKey(Schema.String),
  issuedAt: Schema.String,
  expiresAt: Schema.String,
  nonce: Schema.String,
  /** login: the challenge's text the authentication key signs. */
  toSign: Schema.optionalKey(Schema.String),
  /** sign: SHA-256 of the data to sign, base64url (the page sends the data). */
  dataDigest: Schema.optionalKey(Schema.String),
  /** prepare-keys, write-certificates: the platform's operation the keys are for (its key pairs are reused on a retry). */
  keyOperation: Schema.optionalKey(Schema.String),
  /** prepare-keys: the keys' algorithm. */
  algorithm: Schema.optionalKey(Schema.Literals(["P-256", "RSA-3072", "RSA-2048"])),
  /** prepare-keys: the subject each CSR names (DER `Name`, base64url), as the CA expects it; the card's serial alone when absent. */
  subjects: Schema.optionalKey(Schema.Struct({ authentication: Schema.String, signature: Schema.String })),
  /** write-certificates: the certificates the platform issued for the keys of `keyOperation`. */
  certificates: Schema.optionalKey(Certificates),
  /** unblock: the unblock secret (PUK), sealed for the agent. */
  sealedSecret: Schema.optionalKey(SealedSecret),
}).annotate({ identifier: "CardAgentTicket" });

/** The platform's key the agent checks statements with. */
export const key = Endpoint.make({
  operationId: "getCardAgentKey",
  method: "get",
  path: "/card-agent/key",
  tag: "card-agent",
  summary: "The public key card agents check the platform's pairings and tickets with (fetched by the agent at start)",
  success: AgentKey,
  errors: [],
  authorization: { _tag: "public" },
});

/** A pairing for the caller's session. */
export const pairing = Endpoint.make({
  operationId: "createCardAgentPairing",
  method: "post",
  path: "/card-agent/pairings",
  tag: "card-agent",
  summary: "A pairing statement (15 minutes) binding the card agent on the workstation to the caller's session and to the console's origin",
  body: Schema.Struct({ origin: Origin }),
  success: Schema.Struct({ pairing: Statement, expiresAt: Schema.String }),
  status: 201,
  errors: [],
  authorization: { _tag: "authenticated" },
});

/** A ticket for an operation the caller's session asks for itself. */
export const ticket = Endpoint.make({
  operationId: "createCardAgentTicket",
  method: "post",
  path: "/card-agent/tickets",
  tag: "card-agent",
  summary:
    "A single-use operation ticket (5 minutes) for the caller's session: list the cards, sign data (its SHA-256, base64url) or change a card's PIN at the agent",
  body: Schema.Struct({
    operation: SelfServiceOperation,
    card: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64))),
    dataDigest: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{43}$/, { message: "a SHA-256 digest, base64url" }))),
  }),
  success: Schema.Struct({ ticket: Statement, expiresAt: Schema.String }),
  status: 201,
  errors: [],
  authorization: { _tag: "authenticated" },
});

/** A login through the agent: a challenge, its pairing and its ticket. */
export const login = Endpoint.make({
  operationId: "createCardAgentLogin",
  method: "post",
  path: "/card-agent/login",
  tag: "card-agent",
  summary:
    "A login challenge with the pairing and the ticket for the agent to sign it with the card's authentication key (the PIN is typed at the workstation); answer with POST /sessions",
  body: Schema.Struct({ origin: Origin }),
  success: Schema.Struct({ challenge: Challenge, pairing: Statement, ticket: Statement }),
  status: 201,
  errors: [],
  authorization: { _tag: "public" },
  rateLimit: "login",
});

/** Every endpoint of the group. */
export const endpoints = [key, pairing, ticket, login] as const;
