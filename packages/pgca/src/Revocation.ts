/**
 * Revoking a card and its certificates. An operator's card (a holder who registers agents or
 * operates cards, or a prefecture's) is revoked by two trusted people (RGS rule
 * roles.dual-control): a request and another operator's validation, or the holder authenticated
 * by their secret answers. Only the holder may revoke it alone, which takes nothing from anybody else.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import { AgentStore } from "@comedec/agent";
import { type Card, CardSecrets } from "@comedec/card";
import { Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as OperatorCards from "./OperatorCards.js";
import * as Personalisation from "./Personalisation.js";
import { DualControlRequired, type RevokeInput } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as SecretAnswers from "./SecretAnswers.js";
import * as Writes from "./Writes.js";

const checkDualControl = Effect.fnUntraced(function* (by: string, card: Card.State, confirmedBy: ReadonlyArray<string>) {
  if (by === card.holder) return;
  const holder = (yield* (yield* AgentStore).load(card.holder)).state;
  // As recorded at publication, not only as the rights stand now: stripping them first changes nothing.
  const trusted = OperatorCards.isOperatorCard(card, holder);
  if (!trusted) return;
  const violation = Rules.rules.dualControl.check({ operation: "the revocation of an operator's card", confirmedBy });
  if (violation !== undefined) {
    return yield* new DualControlRequired({
      card: card.id,
      rule: violation.rule,
      reason: `${violation.detail}: file a revocation request, which another operator of the site validates`,
    });
  }
});

/** Revokes a card; `answers` when an operator acts on the holder's call. */
export const revoke = Effect.fn("Revocation.revoke")(function* (grant: Access.Grant<"card.operate">, id: string, input: RevokeInput) {
  yield* Access.require(grant, "card.operate");
  const actor = grant.actor;
  const view = yield* Reach.loadCard(grant, id);
  const write = yield* Writes.card(view, { _tag: "Revoke", revocationReason: input.revocationReason, reason: input.reason }, actor);
  // The holder's secret answers make them the second person: the revocation is theirs too — unless
  // this operator set the questions, and so could answer them without the holder (refused before any answer counts).
  const setByActor = input.answers !== undefined && (yield* (yield* CardSecrets).questions(view.state.holder))?.setBy === actor.id;
  const confirmedBy = input.answers === undefined || setByActor ? [actor.id] : [actor.id, view.state.holder];
  if (setByActor) yield* checkDualControl(actor.id, view.state, confirmedBy);
  if (input.answers !== undefined) yield* SecretAnswers.check(view.state.holder, input.answers, actor);
  yield* checkDualControl(actor.id, view.state, confirmedBy);
  // The card's revocation and its certificates' commit together; the CRL is published after.
  const revocation = yield* Personalisation.revocationOf(view.state, input.revocationReason);
  yield* Writes.commit(actor, [write], [], [revocation]);
  yield* Personalisation.publishRevocations([revocation]);
  return Writes.viewOf(write);
});
