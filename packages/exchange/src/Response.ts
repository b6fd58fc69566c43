/**
 * The commune's response to a verification request: verified as declared, verified with
 * corrections (each corrected field, as declared and as the act records it), act not found, or act
 * not held by this commune. Its bytes are what the officer signs: the canonical JSON of the
 * response (keys sorted, no spaces), so signer and verifier hash the same text.
 */
import { InseeCode } from "@comedec/commune";
import { Effect, Schema } from "effect";
import { PersonField } from "./Request.js";

/** A field the officer corrected, as the requester declared it and as the act records it. */
export const Correction = Schema.Struct({
  /** The person's position in the request. */
  person: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 })),
  field: Schema.Union([PersonField, Schema.Literal("actDate")]),
  declared: Schema.String.check(Schema.isMaxLength(300)),
  recorded: Schema.String.check(Schema.isMaxLength(300)),
});
export type Correction = typeof Correction.Type;

/** What the officer found. */
export const Outcome = Schema.Union([
  Schema.TaggedStruct("verified", {}),
  Schema.TaggedStruct("corrected", { corrections: Schema.Array(Correction).check(Schema.isMinLength(1), Schema.isMaxLength(40)) }),
  Schema.TaggedStruct("not-found", {}),
  Schema.TaggedStruct("not-held", {}),
]);
export type Outcome = typeof Outcome.Type;

/** The response, as signed. */
export const Response = Schema.Struct({
  request: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
  commune: InseeCode.InseeCode,
  outcome: Outcome,
});
export type Response = typeof Response.Type;

/** JSON with keys sorted at every level and no spaces: one text per value. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
};

/** The bytes an officer signs. */
export const toBytes = (response: Response): Uint8Array => new TextEncoder().encode(canonicalJson(response));

/** The signed bytes are not a response. */
export class ResponseUnreadable extends Schema.TaggedError<ResponseUnreadable>()("ResponseUnreadable", { reason: Schema.String }) {}

const decodeResponse = Schema.decodeUnknownEffect(Schema.fromJsonString(Response));
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The response in signed bytes, checked. */
export const fromBytes = (bytes: Uint8Array): Effect.Effect<Response, ResponseUnreadable> =>
  Effect.try({ try: () => utf8.decode(bytes), catch: () => new ResponseUnreadable({ reason: "not UTF-8 text" }) }).pipe(
    Effect.flatMap((text) => Effect.mapError(decodeResponse(text), (issue) => new ResponseUnreadable({ reason: `not a response: ${issue.message}` }))),
  );

/** Whether two outcomes say the same (corrections in any order). */
export const sameOutcome = (a: Outcome, b: Outcome): boolean => {
  if (a._tag !== b._tag) return false;
  if (a._tag !== "corrected" || b._tag !== "corrected") return true;
  const key = (correction: Correction) => canonicalJson(correction);
  return canonicalJson(a.corrections.map(key).sort()) === canonicalJson(b.corrections.map(key).sort());
};
