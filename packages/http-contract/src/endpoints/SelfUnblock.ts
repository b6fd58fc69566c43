/**
 * A holder unblocks their own PIN-blocked card at a distance, with the answers to the secret
 * questions they set themselves (ADR 0018). They cannot sign in — their card is locked — so these
 * endpoints are public, rate limited, and bound instead by a **self-unblock binding**: a statement
 * the platform signs with its card-agent key naming a fresh agent session (a random value, no
 * account), the console's origin, 10 minutes, and — once the card is read — that card's serial.
 * The pairing and tickets it comes with name that session, so the agent takes them from this page
 * only, and the PUK travels sealed for the agent's key for that session and card. **No body here
 * carries a PIN or a PUK**: the holder types the new PIN at the agent.
 *
 * The console's sequence:
 * 1. `POST /card-agent/self-unblock {origin}` → `binding`, `pairing`, `ticket` (list-cards);
 * 2. agent `POST /v1/pairing` → its sealing key; agent `POST /v1/cards {ticket}` → the cards in the readers, their PIN locked or not;
 * 3. `POST /card-agent/self-unblock/questions {binding, serial}` → the holder's questions and a `binding` naming that card;
 * 4. `POST /card-agent/self-unblock/ticket {binding, answers, agentKey}` → an `unblock` ticket, the PUK sealed for the agent;
 * 5. agent `POST /v1/unblock {ticket, newPin}`.
 */
import { Change } from "@comedec/actor";
import { Card, KeyOperations, SecretAnswersRefused, Secrets } from "@comedec/card";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { AgentKeyInvalid } from "./AgentOperations.js";
import { Origin, Statement } from "./CardAgent.js";

/** How long a self-unblock binding lasts: the whole walk, from reading the card to the new PIN. */
export const bindingMinutes = 10;

/**
 * What a binding says: this agent session (`session`, random, named in the pairing and tickets),
 * for a page of this origin, until `expiresAt`, and, once read, for the card bearing `card`.
 */
export const BindingPayload = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal("self-unblock"),
  keyId: Schema.String,
  session: Schema.String,
  origin: Schema.String,
  card: Schema.optionalKey(Schema.String),
  issuedAt: Schema.String,
  expiresAt: Schema.String,
  nonce: Schema.String,
}).annotate({ identifier: "SelfUnblockBinding" });

/** What a binding's signature covers: this prefix, then the payload part (never taken for a pairing or a ticket). */
export const bindingPrefix = "COMEDEC self-unblock\n";

/** A card's serial as the agent reads it. */
const Serial = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9-]{4,32}$/, { message: "a card serial" }));

/** Start: a binding, the agent's pairing and a ticket to read the cards in the readers. */
export const start = Endpoint.make({
  operationId: "startSelfUnblock",
  method: "post",
  path: "/card-agent/self-unblock",
  tag: "card-agent",
  summary:
    "A holder's own unblock at a distance, started without a session (their card is locked): a binding (10 minutes) with the card agent's pairing and a ticket to read the cards in the workstation's readers",
  body: Schema.Struct({ origin: Origin }),
  success: Schema.Struct({ binding: Statement, pairing: Statement, ticket: Statement, expiresAt: Schema.String }),
  status: 201,
  errors: [],
  authorization: { _tag: "public" },
  rateLimit: "login",
});

/** The holder's questions for the card the agent read. */
export const questions = Endpoint.make({
  operationId: "getSelfUnblockQuestions",
  method: "post",
  path: "/card-agent/self-unblock/questions",
  tag: "card-agent",
  summary:
    "The secret questions of the holder of the card the agent read (never the answers), when they set them themselves, with the binding narrowed to that card",
  body: Schema.Struct({ binding: Statement, serial: Serial }),
  success: Schema.Struct({
    binding: Statement,
    questions: Schema.Array(Schema.String),
    /** How many of them to answer. */
    asked: Schema.Int,
  }),
  errors: [KeyOperations.SelfUnblockRefused, SecretAnswersRefused],
  authorization: { _tag: "public" },
  rateLimit: "code-entry",
});

/** The unblock authorised by the holder's answers: a ticket with the PUK sealed for the agent. */
export const ticket = Endpoint.make({
  operationId: "createSelfUnblockTicket",
  method: "post",
  path: "/card-agent/self-unblock/ticket",
  tag: "card-agent",
  summary:
    "Unblock the card the binding names, its holder authenticated by the answers to their own secret questions (wrong sets counted, the questions locked after three): the unblock recorded as the holder's, a ticket with the PUK sealed for the agent's key; the holder types the new PIN there",
  body: Schema.Struct({ binding: Statement, ...KeyOperations.SelfUnblockAnswers.fields }),
  success: Schema.Struct({ ticket: Statement, expiresAt: Schema.String }),
  status: 201,
  errors: [
    KeyOperations.SelfUnblockRefused,
    SecretAnswersRefused,
    AgentKeyInvalid,
    Card.CardIllegalTransition,
    Card.CardPartyNotAllowed,
    Card.SerialMismatch,
    Change.ConcurrentModification,
  ],
  authorization: { _tag: "public" },
  rateLimit: "code-entry",
});

/** How many answers the holder gives. */
export const questionsAsked = Secrets.questionsAsked;

/** Every endpoint of the group. */
export const endpoints = [start, questions, ticket] as const;
