/**
 * Who may be the second person of a card's personalisation (RGS rule roles.dual-control, the
 * `card.approve-personalisation` entry of `Duties.separated`): an operator of the card's own kind
 * of site — a commune's operators for its cards, the prefecture for its own, ANTS for the national
 * operator's — and for a commune's first two cards the prefecture alone. ANTS produces the cards of
 * the communes and prefectures and never approves one. A holder who already has a card may approve
 * their new one from their own card session (signed in with their current card): they are then the
 * second authenticated person, which a fictitious holder never is.
 */
import { Actor } from "@comedec/actor";
import { type Card, CardStore, DualControlRequired } from "@comedec/card";
import { type Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";

const operation = "the approval of a card's personalisation";

const approvers = (card: Card.State): ReadonlyArray<string> =>
  card.firstCard !== undefined
    ? ["prefecture-operator"]
    : card.site._tag === "commune"
      ? ["commune-operator", "prefecture-operator"]
      : card.site._tag === "prefecture"
        ? ["prefecture-operator"]
        : ["national-administrator"];

/** Refuses an approver who may not be the second person of this card's personalisation. */
export const checkApprover = (grant: Access.Grant<"card.operate">, card: Card.State): Effect.Effect<void, Rules.RuleBroken> => {
  const { id, role } = grant.actor;
  // Signed in with their current card: a token issued in their name proves no person.
  const holderWithCard = id === card.holder && card.firstCard === undefined && grant.actor.credential === "card";
  if (holderWithCard || approvers(card).includes(role)) return Effect.void;
  return Effect.fail(
    new Rules.RuleBroken({
      rule: Rules.rules.dualControl.id,
      reason:
        card.firstCard !== undefined
          ? `${operation} of a commune's first card is the prefecture's alone`
          : `${operation} is for an operator of the card's site (${approvers(card).join(", ")})`,
    }),
  );
};

/**
 * The bootstrap session counts once (ADR 0018): it hands over the platform's first card — the
 * holder at the desk, with their document, activation code and PIN, the second person — and no
 * other: once any card is in force, cards are handed over by the operators of their site.
 */
export const checkBootstrapHandOver = Effect.fnUntraced(function* (actor: Actor.Actor, card: Card.State) {
  if (!Actor.isBootstrapAdministrator(actor)) return;
  const inForce = yield* (yield* CardStore).cards({}, { status: ["active", "pin-blocked", "suspended"], limit: 2 });
  if (inForce.some((other) => other.state.id !== card.id)) {
    return yield* new DualControlRequired({
      card: card.id,
      rule: Rules.rules.dualControl.id,
      reason: "a bootstrap session hands over the platform's first card only: the operators of the card's site hand over the others",
    });
  }
});
