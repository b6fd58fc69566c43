/**
 * Handlers of the card agent's protocol, the platform's side (ADR 0016): the key agents check the
 * platform's statements with, a pairing for the caller's session, the tickets a session asks for
 * itself, and a login's challenge with its pairing and ticket. A statement names the session by a
 * digest of its bearer token, never the token. The platform's own card operations (publication,
 * unblock, renewal) issue their tickets with `issue` and seal the unblock secret with `sealFor`.
 */
import { Contract } from "@comedec/http-contract";
import { Login } from "@comedec/pgca";
import { CardAgentKey } from "@comedec/pki";
import { Sessions as CardSessions } from "@comedec/rgs";
import { Clock, Effect, Schema } from "effect";
import { createCipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import * as Handler from "../Handler.js";

const { CardAgent } = Contract;

/** How long a pairing lasts: a console page asks for a new one when it runs out. */
export const pairingMillis = 15 * 60_000;
/** How long a ticket lasts: it is asked for right before its operation. */
export const ticketMillis = 5 * 60_000;

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** The session a statement names: SHA-256 of the session's bearer token (a card session's or a machine account's), base64url. */
export const sessionOf = (token: string): string => base64url(createHash("sha256").update(`COMEDEC card agent session\n${token}`).digest());

/** The session of a login not yet opened: its challenge. */
export const loginSessionOf = (challenge: string): string => base64url(createHash("sha256").update(`COMEDEC card agent login\n${challenge}`).digest());

const encodePairing = Schema.encodeSync(CardAgent.PairingPayload);
const encodeTicket = Schema.encodeSync(CardAgent.TicketPayload);

/** A ticket's content, without what `issue` adds (version, kind, key, instants, nonce). */
export type TicketRequest = Omit<typeof CardAgent.TicketPayload.Type, "v" | "kind" | "keyId" | "issuedAt" | "expiresAt" | "nonce">;

/**
 * Signs a payload with the card-agent key: `base64url(JSON) "." base64url(DER signature)`, over
 * the payload part behind a prefix that says what kind of statement it is (an agent's pairing or
 * ticket by default), so that one kind is never taken for another.
 */
export const signed = (payload: unknown, signedBytes: (part: string) => Uint8Array = CardAgent.signedBytes) =>
  Effect.gen(function* () {
    const key = yield* CardAgentKey.CardAgentKey;
    const part = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
    return `${part}.${base64url(yield* key.sign(signedBytes(part)))}`;
  });

/** A pairing for a session and an origin. */
export const pair = Effect.fn("CardAgent.pair")(function* (session: string, origin: string) {
  const key = yield* CardAgentKey.CardAgentKey;
  const now = yield* Clock.currentTimeMillis;
  const expiresAt = new Date(now + pairingMillis).toISOString();
  const payload = encodePairing({
    v: 1,
    kind: "pairing",
    keyId: key.keyId,
    session,
    origin,
    issuedAt: new Date(now).toISOString(),
    expiresAt,
    nonce: base64url(randomBytes(16)),
  });
  return { pairing: yield* signed(payload), expiresAt };
});

/** A single-use ticket for one operation of a session. */
export const issue = Effect.fn("CardAgent.issue")(function* (request: TicketRequest) {
  const key = yield* CardAgentKey.CardAgentKey;
  const now = yield* Clock.currentTimeMillis;
  const expiresAt = new Date(now + ticketMillis).toISOString();
  const payload = encodeTicket({
    ...request,
    v: 1,
    kind: "ticket",
    keyId: key.keyId,
    issuedAt: new Date(now).toISOString(),
    expiresAt,
    nonce: base64url(randomBytes(16)),
  });
  return { ticket: yield* signed(payload), expiresAt };
});

/** The id of an agent's sealing key: SHA-256 of its SubjectPublicKeyInfo, base64url. */
export const agentKeyId = (agentPublicKey: string): string => base64url(createHash("sha256").update(Buffer.from(agentPublicKey, "base64url")).digest());

/**
 * Seals a secret (the PUK) for one agent process: X25519 with a fresh key of the platform, HKDF-SHA-256,
 * AES-256-GCM over the secret with the session and the card as associated data.
 * `agentPublicKey` is the agent's sealing key (SubjectPublicKeyInfo, base64url), from its pairing answer.
 */
export const sealFor = (
  agentPublicKey: string,
  secret: string,
  bound: { readonly session: string; readonly card: string },
): typeof CardAgent.SealedSecret.Type => {
  const agent = createPublicKey({ key: Buffer.from(agentPublicKey, "base64url"), format: "der", type: "spki" });
  if (agent.asymmetricKeyType !== "x25519") throw new Error("an agent's sealing key is X25519");
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralKey = base64url(ephemeral.publicKey.export({ format: "der", type: "spki" }));
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: agent });
  const key = Buffer.from(hkdfSync("sha256", shared, Buffer.from(ephemeralKey), "COMEDEC card agent sealed secret", 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`${bound.session}\n${bound.card}`));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return { agentKey: agentKeyId(agentPublicKey), ephemeralKey, iv: base64url(iv), ciphertext: base64url(ciphertext), tag: base64url(cipher.getAuthTag()) };
};

const key = Handler.handle(CardAgent.key, () =>
  CardAgentKey.CardAgentKey.use((agentKey) =>
    Effect.succeed({ keyId: agentKey.keyId, algorithm: "ECDSA-P256-SHA256" as const, publicKey: agentKey.publicKey }),
  ),
);

const pairing = Handler.handle(CardAgent.pairing, ({ token, body }) => pair(sessionOf(token ?? ""), body.origin));

const ticket = Handler.handle(CardAgent.ticket, ({ token, body }) => issue({ session: sessionOf(token ?? ""), ...body }));

const login = Handler.handle(CardAgent.login, ({ body }) =>
  Effect.gen(function* () {
    const issued = yield* Login.challenge;
    const session = loginSessionOf(issued.id);
    const toSign = new TextDecoder().decode(CardSessions.signedText(issued));
    const { pairing } = yield* pair(session, body.origin);
    const { ticket } = yield* issue({ session, operation: "login", toSign });
    return { challenge: { id: issued.id, nonce: issued.nonce, expiresAt: issued.expiresAt.toISOString(), toSign }, pairing, ticket };
  }),
);

/** The handlers of the group. */
export const handlers: ReadonlyArray<Handler.Handler<CardAgentKey.CardAgentKey | CardSessions.CardSessions>> = [key, pairing, ticket, login];
