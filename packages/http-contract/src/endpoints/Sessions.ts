/**
 * Login with the agent's card: a single-use challenge, then its answer signed with the card's
 * authentication key opens a session; logout closes it. The first two are public — they are how
 * one gets a session — and share the login rate limit, so a client cannot flood either.
 */
import { Actor } from "@comedec/actor";
import { Sessions } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

// DER in base64, standard or URL-safe: a certificate or a signature, a few kilobytes at most.
const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]+={0,2}$/, { message: "not base64" }), Schema.isMaxLength(16_384));

/** A challenge to sign: the card signs the UTF-8 bytes of `toSign` before `expiresAt` (ISO instant). */
export const Challenge = Schema.Struct({ id: Schema.String, nonce: Schema.String, expiresAt: Schema.String, toSign: Schema.String }).annotate({
  identifier: "LoginChallenge",
});

/** A session opened: its bearer token, until when (ISO instant), and whom it acts for. */
export const CardSession = Schema.Struct({ token: Schema.String, expiresAt: Schema.String, actor: Actor.Actor }).annotate({ identifier: "CardSession" });

/** The agent's software's answer to a challenge. */
export const Answer = Schema.Struct({ challenge: Schema.String.check(Schema.isMaxLength(64)), certificate: Base64, signature: Base64 });

/** Ask for a challenge. */
export const challenge = Endpoint.make({
  operationId: "createLoginChallenge",
  method: "post",
  path: "/sessions/challenges",
  tag: "sessions",
  summary: "A single-use challenge (2 minutes) for the card to sign: sign the UTF-8 bytes of `toSign`",
  success: Challenge,
  status: 201,
  errors: [],
  authorization: { _tag: "public" },
  rateLimit: "login",
});

/** Open a session. */
export const open = Endpoint.make({
  operationId: "openSession",
  method: "post",
  path: "/sessions",
  tag: "sessions",
  summary: "Open a session: the challenge signed with the card's authentication key, and that key's certificate (DER, base64)",
  body: Answer,
  success: CardSession,
  status: 201,
  errors: [Sessions.LoginRefused],
  authorization: { _tag: "public" },
  rateLimit: "login",
});

/** Close a session. */
export const logout = Endpoint.make({
  operationId: "closeSession",
  method: "post",
  path: "/sessions/logout",
  tag: "sessions",
  summary: "Close the session whose token is given in `token` (logout)",
  body: Schema.Struct({ token: Schema.String.check(Schema.isMaxLength(200)) }),
  // `false` when the session was unknown or closed already.
  success: Schema.Struct({ closed: Schema.Boolean }),
  errors: [],
  authorization: { _tag: "authenticated" },
});

/** Whom the caller's token acts for. */
export const current = Endpoint.make({
  operationId: "getCurrentSession",
  method: "get",
  path: "/sessions/current",
  tag: "sessions",
  summary: "Whom the caller's token acts for (a card session, a bootstrap or a machine token): the web console shows it and narrows its screens to that site",
  success: Schema.Struct({ actor: Actor.Actor }),
  errors: [],
  authorization: { _tag: "authenticated" },
});

/** Every endpoint of the group. */
export const endpoints = [challenge, open, logout, current] as const;
