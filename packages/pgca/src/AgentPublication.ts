/**
 * The hand-over through the card agent at the desk (ADR 0016): the platform checks the hand-over
 * as a publication does — state, party, the second person, the holder active, the document, the
 * milestone, then the activation code under its row lock, used once — and records the operation;
 * the agent sets the first PIN with the PUK (sealed for it by the API), makes both key pairs on
 * the card and has it sign both CSRs; the platform certifies them; the agent writes the
 * certificates back; the card proves with its authentication key that it holds them, and only
 * then is the card published, with those certificates. No PIN reaches the platform.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name these types (TS2742 otherwise)
import type { Change as ChangeType, Actor } from "@comedec/actor";
import { Change } from "@comedec/actor";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Agent } from "@comedec/agent";
import { type Card, CardSecrets, type KeyAlgorithm, KeyOperations, type Subject } from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Onboarding } from "@comedec/commune";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name RuleBroken (TS2742 otherwise)
import { Access, type Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as ActivationCodes from "./ActivationCodes.js";
import * as AgentKeys from "./AgentKeys.js";
import * as Personalisation from "./Personalisation.js";
import type { CardView } from "./Platform.js";
import * as Publication from "./Publication.js";
import * as Reach from "./Reach.js";
import { newId, now } from "./Writes.js";

/** How long a hand-over just started is left to use its code before another hand-over may replace it. */
export const settleMillis = 60_000;

/** What the agent's tickets of a hand-over need: the card, the operation, the PUK to seal, the subjects of the CSRs. */
export interface HandOverTickets {
  readonly card: CardView;
  readonly operation: KeyOperations.KeyOperation;
  readonly serial: string;
  /** The unblock secret, to seal for the agent at once (the API never answers it in clear). */
  readonly puk: string;
  readonly subject: Subject;
}

const ticketsOf = Effect.fnUntraced(function* (view: CardView, operation: KeyOperations.KeyOperation) {
  const tickets: HandOverTickets = {
    card: view,
    operation,
    serial: view.state.serial as string,
    puk: (yield* (yield* CardSecrets).puk(view.state.id)) ?? "",
    subject: yield* Personalisation.subjectOf(view.state),
  };
  return tickets;
});

/**
 * Starts the hand-over of a received card at the agent: the same refusals as a publication, in its
 * order, then the activation code tried and used once; the operation is recorded and what its
 * tickets need is given. A hand-over under way whose code was used is resumed, not started again.
 */
export const handOver = Effect.fn("AgentPublication.handOver")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  input: {
    readonly activationCode: string;
    readonly handOver: Publication.PresentedHandOver;
    readonly algorithm?: KeyAlgorithm;
    readonly reason: string;
  },
) {
  yield* Access.require(grant, "card.operate");
  const actor = grant.actor;
  const view = yield* Reach.loadCard(grant, id);
  yield* Publication.checkHandOver(actor, view, input.handOver, input.reason);
  yield* Publication.milestoneOf(view.state, actor);
  const operations = yield* KeyOperations.KeyOperations;
  const secrets = yield* CardSecrets;
  const open = yield* operations.open(id);
  if (open !== undefined) {
    // A hand-over whose code was used is resumed, never started again; so is one that may still be
    // on its way to using it (another operator's, this very second).
    const recent = open.changedAt !== undefined && (yield* now).getTime() - open.changedAt.getTime() < settleMillis;
    if ((yield* secrets.code(id))?.used === true || (open.purpose === "hand-over" && recent)) {
      return yield* new KeyOperations.KeyOperationUnderWay({ card: id, operation: open.id, purpose: open.purpose });
    }
    // An operation whose code was never used (the process stopped between the two), or a renewal left open: it gives way.
    yield* AgentKeys.abandon(view.state, open, actor);
  }
  yield* ActivationCodes.check(id, input.activationCode, actor);
  const operation = yield* operations.start(
    { id: newId(), card: id, purpose: "hand-over", algorithm: input.algorithm ?? "P-256", startedBy: actor.id, reason: input.reason, handOver: input.handOver },
    actor,
  );
  // One use wins: a second operator handing over the same card at the same time stops here.
  if (!(yield* secrets.codeUsed(id, actor))) {
    yield* AgentKeys.abandon(view.state, operation, actor);
    return yield* new Change.ConcurrentModification({ stream: `card:${id}`, expectedVersion: view.version });
  }
  return yield* ticketsOf(view, operation);
});

/**
 * Resumes a hand-over whose activation code was used (the card was pulled out, the agent stopped):
 * an operator of the site, the same checks but the code's, the same operation — the agent reuses
 * the key pairs it made for it, the platform the certificates it issued for them.
 */
export const resume = Effect.fn("AgentPublication.resume")(function* (grant: Access.Grant<"card.operate">, id: string, reason: string) {
  yield* Access.require(grant, "card.operate");
  const actor = grant.actor;
  const view = yield* Reach.loadCard(grant, id);
  const operation = yield* AgentKeys.openOf(id, "hand-over");
  const presented = operation.handOver as Publication.PresentedHandOver;
  yield* Publication.checkHandOver(actor, view, presented, reason);
  yield* Publication.milestoneOf(view.state, actor);
  if ((yield* (yield* CardSecrets).code(id))?.used !== true) {
    return yield* new KeyOperations.KeyOperationOutOfStep({
      card: id,
      operation: operation.id,
      reason: "its activation code was never used: start the hand-over again",
    });
  }
  const { id: _id, card: _card, purpose: _purpose, version: _version, ...content } = operation;
  const resumed = yield* (yield* KeyOperations.KeyOperations).change(operation, { ...content, startedBy: actor.id }, "KeyOperationResumed", actor);
  return yield* ticketsOf(view, resumed);
});

/** Certifies the two CSRs the card signed at the agent for the hand-over under way. */
export const certificateRequests = Effect.fn("AgentPublication.certificateRequests")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  csrs: Readonly<Record<Card.KeyUsage, Uint8Array>>,
) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  const operation = yield* AgentKeys.openOf(id, "hand-over");
  // Still a card to hand over, to this party: the publication's own decision, before anything is issued.
  yield* Publication.checkHandOver(grant.actor, view, operation.handOver as Publication.PresentedHandOver, operation.reason);
  const certified = yield* AgentKeys.certify(view.state, operation, csrs, grant.actor);
  return { operation: certified, serial: view.state.serial as string };
});

/**
 * Publishes the card once it proved, with its authentication key, that it holds the certified keys:
 * the publication's checks again, then its commit with those certificates (request fulfilled,
 * replaced card retired, milestone). A card published already with them (the process stopped
 * before the operation was closed) is answered as it is.
 */
export const confirm = Effect.fn("AgentPublication.confirm")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  proof: { readonly signature: Uint8Array; readonly certificate: Uint8Array },
) {
  yield* Access.require(grant, "card.operate");
  const actor = grant.actor;
  const view = yield* Reach.loadCard(grant, id);
  const operation = yield* AgentKeys.openOf(id, "hand-over");
  yield* AgentKeys.checkProof(operation, proof);
  if (AgentKeys.carries(view.state, operation)) {
    yield* AgentKeys.complete(operation, actor);
    return view;
  }
  const certificates = AgentKeys.refsOf(operation.certificates as Readonly<Record<Card.KeyUsage, KeyOperations.IssuedKey>>);
  const { holder, handOver } = yield* Publication.checkHandOver(
    actor,
    view,
    operation.handOver as Publication.PresentedHandOver,
    operation.reason,
    certificates,
  );
  const record = yield* Publication.milestoneOf(view.state, actor);
  const published = yield* Publication.completePublication(actor, view, holder, handOver, certificates, operation.reason, record);
  yield* AgentKeys.complete(operation, actor);
  return published;
});
