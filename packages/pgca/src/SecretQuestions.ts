/**
 * A holder's secret questions, set face to face: the answers are kept only as slow hashes, and
 * the questions alone are shown to an operator who authenticates the holder at a distance.
 */
import { AgentStore } from "@comedec/agent";
import { CardSecrets, Secrets } from "@comedec/card";
import { Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as Hashing from "./Hashing.js";
import * as Reach from "./Reach.js";

const holderReached = Effect.fnUntraced(function* (grant: Access.Grant<"card.operate">, holderId: string) {
  const holder = yield* (yield* AgentStore).load(holderId);
  yield* Reach.card(grant, { ...Reach.draft(holderId, holder.state.site), status: "active" });
});

/** Sets (replaces) a holder's secret questions and answers. */
export const set = Effect.fn("SecretQuestions.set")(function* (grant: Access.Grant<"card.operate">, holderId: string, questions: Secrets.SecretQuestions) {
  yield* Access.require(grant, "card.operate");
  yield* holderReached(grant, holderId);
  // Replacing a holder's questions would let an operator answer for them (the second person of an
  // operator's revocation or unblock at a distance): only the holder replaces their own.
  if (grant.actor.id !== holderId && (yield* (yield* CardSecrets).questions(holderId)) !== undefined) {
    yield* Rules.enforce(Rules.rules.dualControl, {
      operation: "the reset of a holder's secret questions (the holder replaces them with their own card session)",
      confirmedBy: [grant.actor.id],
    });
  }
  const salt = Hashing.newSalt();
  const answerHashes = yield* Effect.forEach(
    questions,
    (entry, index) => Hashing.hash(Secrets.normaliseAnswer(entry.answer), Hashing.answerSalt(salt, index)),
    {
      concurrency: "unbounded",
    },
  );
  yield* (yield* CardSecrets).putQuestions(holderId, { questions: questions.map((entry) => entry.question), answerHashes, salt }, grant.actor);
  return { questions: questions.length };
});

/** The questions to ask a holder at a distance (never the answers). */
export const questions = Effect.fn("SecretQuestions.questions")(function* (grant: Access.Grant<"card.operate">, holderId: string) {
  yield* Access.require(grant, "card.operate");
  yield* holderReached(grant, holderId);
  return (yield* (yield* CardSecrets).questions(holderId))?.questions ?? [];
});
