/**
 * The card operations the platform drives through the card agent on the workstation (ADR 0016):
 * the hand-over of a received card (started with the activation code and the document, resumed by
 * an operator of the site, certified from the two CSRs the card signed, confirmed by the card's
 * proof), the renewal of an active card's certificates, a PIN the card locked at the agent, and
 * the unblock of a PIN-blocked card.
 * Each answers the single-use tickets the console page relays to the agent on `127.0.0.1`; the
 * PUK travels only sealed for the agent's key inside the `unblock` ticket, and **no body here
 * carries a PIN or a PUK**: the holder types them at the workstation.
 *
 * The console's sequence for a hand-over:
 * 1. `POST /card-agent/pairings` → the pairing; agent `POST /v1/pairing` → its `sealingKey.publicKey`;
 * 2. `POST /cards/{id}/hand-over {activationCode, handOver, agentKey, reason}` → `tickets.unblock`, `tickets.prepareKeys`;
 * 3. agent `POST /v1/unblock {ticket: unblock, newPin}` (the first PIN), then `POST /v1/keys {ticket: prepareKeys, pin}` → both CSRs;
 * 4. `POST /cards/{id}/hand-over/certificate-requests {csrs}` → `tickets.writeCertificates`, `tickets.proof`;
 * 5. agent `POST /v1/certificates {ticket: writeCertificates, pin}`, then `POST /v1/login {ticket: proof, pin}` → `signature`, `certificate`;
 * 6. `POST /cards/{id}/hand-over/confirmation {proof: signature, certificate}` → the card, published.
 * A card pulled out after step 2: `POST /cards/{id}/hand-over/resumption {agentKey, reason}` gives fresh
 * tickets for the same operation (the agent reuses its key pairs; the same keys get the same certificates).
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name these types (TS2742 otherwise)
import { type Change, Problem } from "@comedec/actor";
import { AgentNotFound } from "@comedec/agent";
import {
  ActivationCodeInvalid,
  // biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
  type Card,
  CardView,
  CertificateRefused,
  DualControlRequired,
  HandOverDocumentMismatch,
  HolderNotActive,
  KeyOperations,
  RequestNotFound,
  SecretAnswersRefused,
} from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name these types (TS2742 otherwise)
import type { Onboarding } from "@comedec/commune";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Access (TS2742 otherwise)
import { type Access, Rules } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { Statement } from "./CardAgent.js";
import { IdParams, milestoneRefusals, onCard, ReasonBody, writeRefusals } from "./Cards.js";

/** The agent's sealing key is not an X25519 public key: nothing was done. */
export class AgentKeyInvalid extends Schema.TaggedError<AgentKeyInvalid>()(
  "AgentKeyInvalid",
  { reason: Schema.String },
  Problem.annotation(422, "card-agent-key-invalid", "The card agent's sealing key is not an X25519 public key"),
) {}

// What a hand-over's checks may refuse besides the card's rules: the holder, the second person, the document.
const handOverRefusals = [HolderNotActive, AgentNotFound, DualControlRequired, HandOverDocumentMismatch] as const;

// What the operation's own progress may refuse.
const operationRefusals = [KeyOperations.KeyOperationNotFound, KeyOperations.KeyOperationOutOfStep] as const;

/** The tickets to start a key operation at the agent: the first PIN (a hand-over only), then both key pairs. */
export const StartTickets = Schema.Struct({
  /** For the agent's `POST /v1/unblock {ticket, newPin}`: the PUK sealed for the agent's key; the holder types the first PIN there. */
  unblock: Schema.optionalKey(Statement),
  /** For the agent's `POST /v1/keys {ticket, pin}`: both key pairs on the card, CSRs naming the subjects the platform decided. */
  prepareKeys: Statement,
});

/** A key operation started (or resumed): its id — the tickets' `keyOperation` — and the agent's tickets. */
export const StartAnswer = Schema.Struct({
  card: CardView,
  keyOperation: Schema.String,
  tickets: StartTickets,
  /** When the tickets expire: ask for a resumption after. */
  expiresAt: Schema.String,
}).annotate({ identifier: "KeyOperationStarted" });

/** The certificates issued for the card's CSRs, and the tickets to write them back and to prove the card holds their keys. */
export const CertifiedAnswer = Schema.Struct({
  keyOperation: Schema.String,
  /** DER, base64url, each for the key of its CSR (the same again for the same keys). */
  certificates: Schema.Struct({ authentication: Schema.String, signature: Schema.String }),
  tickets: Schema.Struct({
    /** For the agent's `POST /v1/certificates {ticket, pin}`. */
    writeCertificates: Statement,
    /** For the agent's `POST /v1/login {ticket, pin}`: the card's authentication key signs `toSign`; its `signature` is the confirmation's `proof`. */
    proof: Statement,
  }),
  /** The text the card's authentication key signs (the proof ticket carries it). */
  toSign: Schema.String,
  expiresAt: Schema.String,
}).annotate({ identifier: "KeyOperationCertified" });

/** Start the hand-over of a received card at the agent. */
export const handOver = Endpoint.make({
  operationId: "startCardHandOver",
  method: "post",
  path: "/cards/{id}/hand-over",
  tag: "card-agent",
  summary:
    "Hand-over face to face at the desk, through the card agent: activation code and document checked (the code used once), tickets for the agent to set the first PIN with the sealed PUK and make both key pairs on the card — no PIN sent here",
  params: IdParams,
  body: KeyOperations.HandOverInput,
  success: StartAnswer,
  status: 201,
  errors: [...writeRefusals, ...handOverRefusals, ActivationCodeInvalid, KeyOperations.KeyOperationUnderWay, AgentKeyInvalid, ...milestoneRefusals],
  authorization: onCard("card.operate"),
  rateLimit: "code-entry",
});

/** Resume a hand-over whose code was used. */
export const resumeHandOver = Endpoint.make({
  operationId: "resumeCardHandOver",
  method: "post",
  path: "/cards/{id}/hand-over/resumption",
  tag: "card-agent",
  summary:
    "Resume, as an operator of the site, a hand-over whose activation code was used but which the card never confirmed (card pulled out, agent stopped): fresh tickets for the same operation, without the code",
  params: IdParams,
  body: KeyOperations.ResumptionInput,
  success: StartAnswer,
  errors: [...writeRefusals, ...handOverRefusals, ...operationRefusals, AgentKeyInvalid, ...milestoneRefusals],
  authorization: onCard("card.operate"),
});

/** Certify the CSRs of the hand-over. */
export const handOverCertificates = Endpoint.make({
  operationId: "certifyCardHandOver",
  method: "post",
  path: "/cards/{id}/hand-over/certificate-requests",
  tag: "card-agent",
  summary:
    "The two certificates of the hand-over, issued from the CSRs the card signed at the agent (two distinct keys; the same keys get the same certificates, other keys revoke the previous ones), with the tickets to write them back and to prove the card holds their keys",
  params: IdParams,
  body: KeyOperations.CertificateRequestsInput,
  success: CertifiedAnswer,
  errors: [...writeRefusals, ...handOverRefusals, ...operationRefusals, CertificateRefused, Rules.RuleBroken],
  authorization: onCard("card.operate"),
});

/** Confirm the hand-over with the card's proof. */
export const confirmHandOver = Endpoint.make({
  operationId: "confirmCardHandOver",
  method: "post",
  path: "/cards/{id}/hand-over/confirmation",
  tag: "card-agent",
  summary:
    "Publish the card once its authentication key signed the hand-over's text with the certificates written back: the card active with those certificates, its request fulfilled, the card it replaces retired",
  params: IdParams,
  body: KeyOperations.ConfirmationInput,
  success: CardView,
  errors: [...writeRefusals, ...handOverRefusals, ...operationRefusals, KeyOperations.KeyOperationProofRefused, RequestNotFound, ...milestoneRefusals],
  authorization: onCard("card.operate"),
});

/** Start a renewal of the certificates at the agent. */
export const renewCertificates = Endpoint.make({
  operationId: "startCardCertificateRenewal",
  method: "post",
  path: "/cards/{id}/new-certificates",
  tag: "card-agent",
  summary:
    "New key pairs and certificates on an active card, through the card agent: a ticket for the agent to make both key pairs on the card (the holder types the PIN there); one under way is taken up again",
  params: IdParams,
  body: KeyOperations.CertificateRenewalInput,
  success: StartAnswer,
  status: 201,
  errors: [...writeRefusals, AgentNotFound, KeyOperations.KeyOperationUnderWay],
  authorization: onCard("card.operate"),
});

/** Certify the CSRs of the renewal. */
export const renewalCertificates = Endpoint.make({
  operationId: "certifyCardCertificateRenewal",
  method: "post",
  path: "/cards/{id}/new-certificates/certificate-requests",
  tag: "card-agent",
  summary:
    "The two new certificates, issued from the CSRs the card signed at the agent, with the tickets to write them back and to prove the card holds their keys",
  params: IdParams,
  body: KeyOperations.CertificateRequestsInput,
  success: CertifiedAnswer,
  errors: [...writeRefusals, AgentNotFound, ...operationRefusals, CertificateRefused, Rules.RuleBroken],
  authorization: onCard("card.operate"),
});

/** Confirm the renewal with the card's proof. */
export const confirmRenewal = Endpoint.make({
  operationId: "confirmCardCertificateRenewal",
  method: "post",
  path: "/cards/{id}/new-certificates/confirmation",
  tag: "card-agent",
  summary: "The card takes its new certificates once its new authentication key signed the renewal's text; the old ones are revoked (superseded)",
  params: IdParams,
  body: KeyOperations.ConfirmationInput,
  success: CardView,
  errors: [...writeRefusals, ...operationRefusals, KeyOperations.KeyOperationProofRefused],
  authorization: onCard("card.operate"),
});

/** Unblock a PIN-blocked card at the agent. */
export const unblockTicket = Endpoint.make({
  operationId: "createCardUnblockTicket",
  method: "post",
  path: "/cards/{id}/unblock-ticket",
  tag: "card-agent",
  summary:
    "Unblock a PIN-blocked card at the agent, the holder authenticated face to face or by secret answers: the unblock recorded, a ticket with the PUK sealed for the agent's key; the holder types the new PIN there",
  params: IdParams,
  body: KeyOperations.UnblockTicketInput,
  success: Schema.Struct({ card: CardView, ticket: Statement, expiresAt: Schema.String }),
  status: 201,
  errors: [...writeRefusals, SecretAnswersRefused, AgentKeyInvalid],
  authorization: onCard("card.operate"),
  // The body carries the holder's secret answers.
  rateLimit: "code-entry",
});

/** Record a PIN the card locked at the agent. */
export const pinBlocked = Endpoint.make({
  operationId: "recordCardPinBlocked",
  method: "post",
  path: "/cards/{id}/pin-block",
  tag: "card-agent",
  summary:
    "Record that the card locked its PIN, as the card agent at the workstation saw it (the card answered pin-locked there): the card is PIN-blocked until unblocked",
  params: IdParams,
  body: ReasonBody,
  success: CardView,
  errors: writeRefusals,
  authorization: onCard("card.operate"),
});

/** Every endpoint of the group. */
export const endpoints = [
  handOver,
  resumeHandOver,
  handOverCertificates,
  confirmHandOver,
  renewCertificates,
  renewalCertificates,
  confirmRenewal,
  pinBlocked,
  unblockTicket,
] as const;
