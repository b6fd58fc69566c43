/**
 * Who may be the second person of a card's personalisation (RGS rule roles.dual-control, the
 * `card.approve-personalisation` entry of `Duties.separated`): an operator of the card's own site,
 * and for a commune's first two cards the prefecture alone. ANTS produces the cards and never
 * approves one; a commune operator never approves the first cards the prefecture hands over.
 */
import type { Card } from "@comedec/card";
import { type Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";

const operation = "the approval of a card's personalisation";

/** Refuses an approver who may not be the second person of this card's personalisation. */
export const checkApprover = (grant: Access.Grant<"card.operate">, card: Card.State): Effect.Effect<void, Rules.RuleBroken> => {
  const role = grant.actor.role;
  const allowed = card.firstCard !== undefined ? role === "prefecture-operator" : role === "prefecture-operator" || role === "commune-operator";
  if (allowed) return Effect.void;
  return Effect.fail(
    new Rules.RuleBroken({
      rule: Rules.rules.dualControl.id,
      reason:
        card.firstCard !== undefined
          ? `${operation} of a commune's first card is the prefecture's alone`
          : `${operation} is for an operator of the card's site, never ANTS`,
    }),
  );
};
