/**
 * New key pairs and certificates on an active card through the card agent (ADR 0016): the platform
 * records the operation and names the subjects; the agent makes both key pairs on the card (the
 * holder types the PIN there) with their CSRs; the platform certifies them; the agent writes the
 * certificates back; the card proves it holds them, and only then does the card take them, its
 * old certificates revoked as superseded in the same commit.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name these types (TS2742 otherwise)
import type { Actor, Change } from "@comedec/actor";
import { type Card, type KeyAlgorithm, KeyOperations, type Subject } from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name RuleBroken (TS2742 otherwise)
import { Access, type Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as AgentKeys from "./AgentKeys.js";
import * as Personalisation from "./Personalisation.js";
import type { CardView } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Renewal from "./Renewal.js";
import * as Writes from "./Writes.js";

/** What the agent's prepare-keys ticket of a renewal needs. */
export interface RenewalTickets {
  readonly card: CardView;
  readonly operation: KeyOperations.KeyOperation;
  readonly serial: string;
  readonly subject: Subject;
}

const placeholders = { authentication: Personalisation.placeholder, signature: Personalisation.placeholder };

/** The renewal may go on: the card is one whose certificates this party renews (the card's own decision). */
const checkRenewal = (actor: Actor.Actor, view: CardView, reason: string) =>
  Writes.card(view, { _tag: "RenewCertificates", certificates: placeholders, reason }, actor);

/** Starts a renewal of an active card's certificates at the agent; one under way is taken up again with a fresh ticket. */
export const start = Effect.fn("AgentRenewal.start")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  input: { readonly algorithm?: KeyAlgorithm; readonly reason: string },
) {
  yield* Access.require(grant, "card.operate");
  const actor = grant.actor;
  const view = yield* Reach.loadCard(grant, id);
  yield* checkRenewal(actor, view, input.reason);
  const operations = yield* KeyOperations.KeyOperations;
  const open = yield* operations.open(id);
  if (open !== undefined && open.purpose !== "certificate-renewal") {
    return yield* new KeyOperations.KeyOperationUnderWay({ card: id, operation: open.id, purpose: open.purpose });
  }
  const operation =
    open !== undefined
      ? open
      : yield* operations.start(
          { id: Writes.newId(), card: id, purpose: "certificate-renewal", algorithm: input.algorithm ?? "P-256", startedBy: actor.id, reason: input.reason },
          actor,
        );
  const tickets: RenewalTickets = { card: view, operation, serial: view.state.serial as string, subject: yield* Personalisation.subjectOf(view.state) };
  return tickets;
});

/** Certifies the two CSRs the card signed at the agent for the renewal under way. */
export const certificateRequests = Effect.fn("AgentRenewal.certificateRequests")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  csrs: Readonly<Record<Card.KeyUsage, Uint8Array>>,
) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  const operation = yield* AgentKeys.openOf(id, "certificate-renewal");
  yield* checkRenewal(grant.actor, view, operation.reason);
  const certified = yield* AgentKeys.certify(view.state, operation, csrs, grant.actor);
  return { operation: certified, serial: view.state.serial as string };
});

/** Gives the card its new certificates once it proved it holds their keys; the old ones are revoked as superseded. */
export const confirm = Effect.fn("AgentRenewal.confirm")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  proof: { readonly signature: Uint8Array; readonly certificate: Uint8Array },
) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  const operation = yield* AgentKeys.openOf(id, "certificate-renewal");
  yield* AgentKeys.checkProof(operation, proof);
  if (AgentKeys.carries(view.state, operation)) {
    yield* AgentKeys.complete(operation, grant.actor);
    return view;
  }
  const certificates = AgentKeys.refsOf(operation.certificates as Readonly<Record<Card.KeyUsage, KeyOperations.IssuedKey>>);
  const renewed = yield* Renewal.completeRenewal(grant.actor, view, certificates, operation.reason);
  yield* AgentKeys.complete(operation, grant.actor);
  return renewed;
});
