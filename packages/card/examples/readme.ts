import { Actor } from "@comedec/actor";
import { Card } from "@comedec/card";
import { Result } from "effect";

const operator = Actor.Actor.make({ id: "rc-69266", name: "Alice Roux", role: "commune-operator", site: { _tag: "commune", commune: "69266" } });
const site = { _tag: "commune", commune: "69266" } as const;

const ordered = Card.decide(
  undefined,
  { _tag: "Order", id: "c-1", holder: "agent-1", site: site as never, reason: "nouvel agent" },
  { actor: operator, today: "2026-11-22" },
);
if (Result.isSuccess(ordered)) {
  const card = ordered.success.reduce(Card.evolve, undefined as Card.State | undefined) as Card.State;
  // An ordered card cannot expire: the refusal names the state and the rule.
  const refused = Card.decide(card, { _tag: "Expire", reason: "essai" }, { actor: operator, today: "2026-11-22" });
  if (Result.isFailure(refused)) console.log(refused.failure._tag, refused.failure);
}
console.log(Card.machine.transitions.map((transition) => `${transition.command}: ${transition.from.join("|")} → ${transition.to}`));
