/**
 * Login with the agent's card: a challenge, then its answer signed with the card's authentication
 * key opens a session; logout closes it. The first two are the only JSON routes reachable without
 * a token — they are how one gets a session.
 */
import { Login } from "@comedec/pgca";
import { Sessions } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]+={0,2}$/, { message: "not base64" }), Schema.isMaxLength(16_384));

const challenge = Endpoint.make({
  method: "post",
  path: "/sessions/challenges",
  tag: "sessions",
  summary: "A single-use challenge (2 minutes) for the card to sign: sign the UTF-8 bytes of `toSign`",
  public: true,
  status: 201,
  handler: () =>
    Effect.map(Login.challenge, (issued) => ({
      id: issued.id,
      nonce: issued.nonce,
      expiresAt: issued.expiresAt.toISOString(),
      toSign: new TextDecoder().decode(Sessions.signedText(issued)),
    })),
});

const open = Endpoint.make({
  method: "post",
  path: "/sessions",
  tag: "sessions",
  summary: "Open a session: the challenge signed with the card's authentication key, and that key's certificate (DER, base64)",
  public: true,
  status: 201,
  body: Schema.Struct({ challenge: Schema.String.check(Schema.isMaxLength(64)), certificate: Base64, signature: Base64 }),
  handler: ({ body }) =>
    Effect.map(
      Login.open({
        challenge: body.challenge,
        certificate: new Uint8Array(Buffer.from(body.certificate, "base64")),
        signature: new Uint8Array(Buffer.from(body.signature, "base64")),
      }),
      (session) => ({ token: session.token, expiresAt: session.expiresAt.toISOString(), actor: session.actor }),
    ),
});

const close = Endpoint.make({
  method: "post",
  path: "/sessions/logout",
  tag: "sessions",
  summary: "Close the session whose token is given in `token` (logout)",
  body: Schema.Struct({ token: Schema.String.check(Schema.isMaxLength(200)) }),
  handler: ({ body }) =>
    Effect.map(
      Sessions.CardSessions.use((sessions) => sessions.close(body.token)),
      (closed) => ({ closed }),
    ),
});

/** The session endpoints. */
export const endpoints = [challenge, open, close];
