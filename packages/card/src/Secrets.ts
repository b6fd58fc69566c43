/**
 * The two secrets a holder deals with besides the PIN, and their rules. An activation code is
 * sent to the mairie for one card: random, single use, expiring, with a bounded number of tries.
 * Secret questions (at least four) authenticate a holder who asks at a distance for a revocation
 * or an unblock; answers are compared after normalisation, so "Saint-Étienne" matches
 * "saint etienne". Both are stored only as slow hashes (the adapters' concern).
 */
import { Commune } from "@comedec/commune";
import { Schema } from "effect";

/** Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand survives. */
export const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Characters of an activation code: 16 × 5 bits = 80 bits. */
export const codeLength = 16;

/** How long an activation code stays valid. */
export const codeValidityDays = 30;

/** Wrong codes tolerated before the code is burned (a new one must be sent). */
export const codeAttempts = 5;

/** Writes a code in groups of four, as it is printed in the letter: `7K2M-…`. */
export const formatCode = (code: string): string => code.replace(/(.{4})(?=.)/g, "$1-");

/** Reads a code as typed: case, dashes and spaces ignored, O/I/L read as 0/1/1. */
export const normaliseCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");

/** A code as typed at the counter. */
export const TypedCode = Schema.String.check(Schema.isMinLength(codeLength), Schema.isMaxLength(codeLength * 2));

/** How many questions a holder must set up. */
export const minimumQuestions = 4;

/** How many questions an operator asks at a distance. */
export const questionsAsked = 2;

/** Wrong answer sets tolerated before the holder's questions are locked (reset face to face only). */
export const answerAttempts = 3;

/** Reads an answer as compared: accents, case, punctuation and spacing folded. */
export const normaliseAnswer = (answer: string): string => Commune.foldName(answer);

const Question = Schema.String.check(Schema.isMinLength(5), Schema.isMaxLength(200));
const Answer = Schema.String.check(
  Schema.isMaxLength(100),
  Schema.makeFilter((answer: string) => normaliseAnswer(answer).replace(/ /g, "").length >= 2, {
    message: "an answer needs at least two letters or digits",
  }),
);

/** The holder's secret questions and answers, as the holder sets them up (the answers are hashed at once). */
export const SecretQuestions = Schema.Array(Schema.Struct({ question: Question, answer: Answer })).check(
  Schema.isMinLength(minimumQuestions),
  Schema.isMaxLength(10),
  Schema.makeFilter(
    (entries: ReadonlyArray<{ readonly question: string }>) => new Set(entries.map((entry) => normaliseAnswer(entry.question))).size === entries.length,
    {
      message: "the questions must differ",
    },
  ),
);
/** The holder's secret questions and answers. */
export type SecretQuestions = typeof SecretQuestions.Type;

/** Answers given at a distance: question index → answer. */
export const GivenAnswers = Schema.Array(
  Schema.Struct({ question: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 9 })), answer: Schema.String.check(Schema.isMaxLength(100)) }),
).check(Schema.isMinLength(questionsAsked), Schema.isMaxLength(10));
/** Answers given at a distance. */
export type GivenAnswers = typeof GivenAnswers.Type;
