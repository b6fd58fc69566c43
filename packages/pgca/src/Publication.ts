/**
 * The hand-over's decisions: the holder, face to face with the document checked at registration,
 * gives the activation code; a second person approved the personalisation first (dual control);
 * the publication commits the card with its certificates, a renewal card retiring the card it
 * replaces, a commune's first two cards advancing its onboarding. The card's side — the first
 * PIN, both key pairs, the certificates written back — happens at the card agent on the desk
 * (`AgentPublication`, ADR 0016): nothing here takes a PIN.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Onboarding, OnboardingStore } from "@comedec/commune";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Change (TS2742 otherwise)
import { Actor, type Change } from "@comedec/actor";
import type { Agent } from "@comedec/agent";
import { Card, CardStore, type KeyOperations } from "@comedec/card";
import { Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as Approval from "./Approval.js";
import * as Milestones from "./Milestones.js";
import * as OperatorCards from "./OperatorCards.js";
import * as Personalisation from "./Personalisation.js";
import { type CardView, DualControlRequired, HandOverDocumentMismatch } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Writes from "./Writes.js";

/**
 * The second person of a publication (`card.publish` in `Duties.separated`): whoever registered the
 * holder (or last checked their document) or ordered the card never publishes it alone, and the
 * prefecture never personalises a card alone; another operator of the site — the délégué for the
 * responsable carte and the other way round, the prefecture for a commune's first two cards — has
 * approved it from their own session first. Read from the records, not from anything the
 * publisher sends.
 */
export const checkSecondPerson = (actor: Actor.Actor, card: Card.State, holder: Agent.State): Effect.Effect<void, DualControlRequired> => {
  const firstPersons = [holder.registeredBy, card.orderedBy].filter((id): id is string => id !== undefined);
  // The bootstrap session counts once, for the platform's first card (ADR 0018, `Approval.checkBootstrapHandOver`): the holder at the desk is the second person.
  if (Actor.isBootstrapAdministrator(actor) && card.holder !== actor.id) return Effect.void;
  if (actor.role !== "prefecture-operator" && !firstPersons.includes(actor.id)) return Effect.void;
  const approvedBy = card.personalisationApprovedBy;
  const violation = Rules.rules.dualControl.check({
    operation:
      actor.role === "prefecture-operator"
        ? "the prefecture's personalisation of a card"
        : "the publication of a card by whoever registered its holder or ordered it",
    confirmedBy: approvedBy === undefined ? [actor.id] : [approvedBy, actor.id],
  });
  if (violation === undefined) return Effect.void;
  return Effect.fail(
    new DualControlRequired({
      card: card.id,
      rule: violation.rule,
      reason: `${violation.detail}: another operator of the site approves the personalisation first`,
    }),
  );
};

/** At the prefecture, a second operator approves the personalisation of a received card before another publishes it. */
export const approvePersonalisation = Effect.fn("Publication.approvePersonalisation")(function* (
  grant: Access.Grant<"card.operate">,
  id: string,
  reason: string,
) {
  yield* Access.require(grant, "card.operate");
  const view = yield* Reach.loadCard(grant, id);
  yield* Approval.checkApprover(grant, view.state);
  const write = yield* Writes.card(view, { _tag: "ApprovePersonalisation", approver: grant.actor.id, reason }, grant.actor);
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});

/** The document presented at a hand-over and where it happens. */
export type PresentedHandOver = KeyOperations.HandOverInput["handOver"];

/** The placeholder certificates a publication is decided with before the card makes the real ones. */
const placeholders = { authentication: Personalisation.placeholder, signature: Personalisation.placeholder };

/**
 * The checks of a hand-over that need no secret, in the order a publication makes them: the card's
 * state and the actor's party (the `Publish` decision), a bootstrap session's first card only, the holder active, the second person, the
 * document presented; gives the holder and the hand-over's evidence. The publication through the
 * agent makes them again when the card proves it holds its keys, with the certificates issued.
 */
export const checkHandOver = Effect.fnUntraced(function* (
  actor: Actor.Actor,
  view: CardView,
  presented: PresentedHandOver,
  reason: string,
  certificates: Card.Certificates = placeholders,
) {
  const card = view.state;
  const handOver = { ...presented, activationCodePresented: true as const };
  yield* Writes.card(view, { _tag: "Publish", handOver, certificates, reason }, actor);
  // At every step of a hand-over (start, resumption, certification, confirmation): of the cards a
  // bootstrap session started, one is published.
  yield* Approval.checkBootstrapHandOver(actor, card);
  const holder = yield* Reach.activeHolder(card.holder);
  yield* checkSecondPerson(actor, card, holder);
  if (holder.document?.type !== presented.document.type || holder.document?.number !== presented.document.number) {
    return yield* new HandOverDocumentMismatch({ card: card.id });
  }
  return { holder, handOver };
});

/** Checks the onboarding milestone a commune's first card advances, and gives what records it once the card is published. */
export const milestoneOf = Effect.fnUntraced(function* (card: Card.State, actor: Actor.Actor) {
  if (card.firstCard === undefined || card.site._tag !== "commune") return Effect.void;
  return yield* Milestones.prepare(
    card.site.commune,
    {
      milestone: card.firstCard === "responsable-carte" ? "firstCards" : "autonomy",
      reference: `PGCA carte ${card.serial ?? card.id}`,
      note: card.firstCard === "responsable-carte" ? "Carte du responsable carte remise en main propre et activée." : "Carte du délégué activée à la mairie.",
    },
    actor,
  );
});

/**
 * Publishes a card whose certificates are on it: the `Publish` command with them, the request the
 * card answers fulfilled and the card it replaces retired (its certificates revoked as
 * superseded) in one commit, then the revocations published and the milestone recorded.
 */
export const completePublication = Effect.fnUntraced(function* (
  actor: Actor.Actor,
  view: CardView,
  holder: Agent.State,
  handOver: Card.HandOver,
  certificates: Card.Certificates,
  reason: string,
  record: Effect.Effect<void, never, OnboardingStore>,
) {
  const store = yield* CardStore;
  const card = view.state;
  // Whether the holder is an operator is kept with the card: a later change of rights cannot hide it.
  const operatorCard = OperatorCards.isOperatorCard(card, holder);
  const write = yield* Writes.card(view, { _tag: "Publish", handOver, certificates, operatorCard, reason }, actor);
  // The platform itself fulfils the request the card answers, and retires the card it replaces.
  const requestWrites =
    card.request === undefined
      ? []
      : [yield* Writes.request(yield* store.loadRequest(card.request), { _tag: "Fulfil", reason: "carte remise et activée" }, Access.platform)];
  const replaced = card.replaces === undefined ? undefined : yield* store.load(card.replaces);
  const replacedWrites =
    replaced === undefined || Card.terminal.includes(replaced.state.status)
      ? []
      : [yield* Writes.card(replaced, { _tag: "Replace", by: card.id, reason: "carte de renouvellement activée" }, Access.platform)];
  const revocations = yield* Effect.forEach(replacedWrites, (old) => Personalisation.revocationOf(old.state, "superseded"));
  yield* Writes.commit(actor, [write, ...replacedWrites], requestWrites, revocations);
  yield* Personalisation.publishRevocations(revocations);
  yield* record;
  return Writes.viewOf(write);
});
