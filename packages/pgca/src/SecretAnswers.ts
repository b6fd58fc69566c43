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

/**
 * Authenticates a holder by their secret answers, or fails with `SecretAnswersRefused`. The store
 * judges each answer set under the holder's row lock: parallel wrong sets count one failure each,
 * and none is judged once the questions are locked.
 */
export const check = Effect.fnUntraced(function* (holder: string, answers: Given | undefined, actor: Actor.Actor) {
  const refuse = (reason: string, locked = false) => new SecretAnswersRefused({ holder, reason, locked });
  const secrets = yield* CardSecrets;
  const given = answers ?? [];
  // The slow hashes are made before the lock, under the salt read now; the lock is held only to compare and count.
  const read = yield* secrets.questions(holder);
  const early =
    read === undefined || read.failures >= Secrets.answerAttempts
      ? undefined
      : yield* Effect.forEach(
          given,
          (entry) =>
            Effect.map(Hashing.hash(Secrets.normaliseAnswer(entry.answer), Hashing.answerSalt(read.salt, entry.question)), (digest) => ({
              salt: Hashing.answerSalt(read.salt, entry.question),
              digest,
            })),
          { concurrency: "unbounded" },
        );
  const tried = yield* secrets.tryAnswers(
    holder,
    Effect.fnUntraced(function* (stored) {
      if (stored === undefined) return yield* refuse("the holder has no secret questions: authenticate them face to face");
      if (stored.failures >= Secrets.answerAttempts) return yield* refuse("too many wrong answers: the questions are locked until reset face to face", true);
      const indexes = new Set(given.map((entry) => entry.question));
      if (given.length < Secrets.questionsAsked || indexes.size !== given.length || given.some((entry) => entry.question >= stored.questions.length)) {
        return yield* refuse(`answer ${Secrets.questionsAsked} distinct questions of the holder's ${stored.questions.length}`);
      }
      const results = yield* Effect.forEach(
        given,
        (entry, index) =>
          Hashing.matchesPrepared(
            early?.[index],
            Secrets.normaliseAnswer(entry.answer),
            Hashing.answerSalt(stored.salt, entry.question),
            stored.answerHashes[entry.question] as Uint8Array,
          ),
        { concurrency: "unbounded" },
      );
      return results.every(Boolean);
    }),
    actor,
  );
  if (!tried.matched) return yield* refuse("wrong answers", tried.failures >= Secrets.answerAttempts);
});
