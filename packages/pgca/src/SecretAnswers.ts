/**
 * A holder authenticated at a distance by their secret answers (an unblock, a revocation on the
 * holder's call): a few distinct questions of theirs, answers compared as slow hashes, failures
 * counted until the questions lock and only a face-to-face reset opens them again.
 */
import type { Actor } from "@comedec/actor";
import { CardSecrets, Secrets } from "@comedec/card";
import { Effect } from "effect";
import * as Hashing from "./Hashing.js";
import { SecretAnswersRefused } from "./Platform.js";

/** Answers as given: the index of the question among the holder's, and the answer typed. */
export type Given = ReadonlyArray<{ readonly question: number; readonly answer: string }>;

/** Authenticates a holder by their secret answers, or fails with `SecretAnswersRefused`. */
export const check = Effect.fnUntraced(function* (holder: string, answers: Given | undefined, actor: Actor.Actor) {
  const secrets = yield* CardSecrets;
  const refuse = (reason: string, locked = false) => new SecretAnswersRefused({ holder, reason, locked });
  const stored = yield* secrets.questions(holder);
  if (stored === undefined) return yield* refuse("the holder has no secret questions: authenticate them face to face");
  if (stored.failures >= Secrets.answerAttempts) return yield* refuse("too many wrong answers: the questions are locked until reset face to face", true);
  const given = answers ?? [];
  const indexes = new Set(given.map((entry) => entry.question));
  if (given.length < Secrets.questionsAsked || indexes.size !== given.length || given.some((entry) => entry.question >= stored.questions.length)) {
    return yield* refuse(`answer ${Secrets.questionsAsked} distinct questions of the holder's ${stored.questions.length}`);
  }
  const results = yield* Effect.forEach(
    given,
    (entry) =>
      Hashing.matches(
        Secrets.normaliseAnswer(entry.answer),
        Hashing.answerSalt(stored.salt, entry.question),
        stored.answerHashes[entry.question] as Uint8Array,
      ),
    { concurrency: "unbounded" },
  );
  if (results.every(Boolean)) return yield* secrets.answersMatched(holder, actor);
  const failures = yield* secrets.answersMissed(holder, actor);
  return yield* refuse("wrong answers", failures >= Secrets.answerAttempts);
});
