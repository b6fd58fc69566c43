/**
 * What the card platform's operations take, answer and refuse, as Schemas of the domain: the
 * inputs of an order, a revocation and a holder's request (those of the operations driven through
 * the card agent are in `KeyOperations`; none takes a PIN or a PUK); the refusals the use cases add to the card's own rules; and a card or request
 * with its version as the API shows it. They live here, not with the use cases, so that the HTTP
 * contract and the typed clients read the same Schemas as the platform without depending on it.
 */
import { Problem } from "@comedec/actor";
import { Schema, SchemaTransformation } from "effect";
import * as Card from "./Card.js";
import * as Request from "./Request.js";
import * as Secrets from "./Secrets.js";

// --- inputs ------------------------------------------------------------------------------------

/** Order a card for a holder of the directory. */
export const OrderInput = Schema.Struct({
  holder: Schema.String.check(Schema.isMaxLength(64)),
  firstCard: Schema.optionalKey(Card.FirstCard),
  reason: Card.Reason,
});
/** Order a card. */
export type OrderInput = typeof OrderInput.Type;

/** Revoke a card; `answers` when an operator acts on the holder's call. */
export const RevokeInput = Schema.Struct({ revocationReason: Card.RevocationReason, answers: Schema.optionalKey(Secrets.GivenAnswers), reason: Card.Reason });
/** Revoke a card. */
export type RevokeInput = typeof RevokeInput.Type;

/** A holder's request. */
export const RequestInput = Schema.Struct({
  kind: Schema.Literals(["new-card", "card-renewal", "certificate-renewal", "revocation", "unblock"]),
  card: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(64))),
  revocationReason: Schema.optionalKey(Card.RevocationReason),
  reason: Card.Reason,
});
/** A holder's request. */
export type RequestInput = typeof RequestInput.Type;

// --- refusals ----------------------------------------------------------------------------------

/** The activation code is unknown, used, expired or burned, or wrong (`attemptsLeft` then says how many tries remain). */
export class ActivationCodeInvalid extends Schema.TaggedError<ActivationCodeInvalid>()(
  "ActivationCodeInvalid",
  {
    card: Schema.String,
    reason: Schema.String,
    attemptsLeft: Schema.Int,
  },
  Problem.annotation(422, "activation-code-invalid", "The activation code is not valid"),
) {}

/**
 * The activation letter is produced once: it was already (`producedAt` says when), or the card has
 * no code waiting for one. Its code then exists only as its hash.
 */
export class ActivationLetterUnavailable extends Schema.TaggedError<ActivationLetterUnavailable>()(
  "ActivationLetterUnavailable",
  {
    card: Schema.String,
    reason: Schema.String,
    producedAt: Schema.optionalKey(Schema.String),
  },
  Problem.annotation(409, "activation-letter-unavailable", "The activation letter was already produced, or there is no code to send"),
) {}

/** The document presented at hand-over is not the one checked at registration. */
export class HandOverDocumentMismatch extends Schema.TaggedError<HandOverDocumentMismatch>()(
  "HandOverDocumentMismatch",
  { card: Schema.String },
  Problem.annotation(422, "hand-over-document-mismatch", "The document presented is not the one checked at registration"),
) {}

/** The holder is not active in the directory (or not of the card's site). */
export class HolderNotActive extends Schema.TaggedError<HolderNotActive>()(
  "HolderNotActive",
  { holder: Schema.String, reason: Schema.String },
  Problem.annotation(422, "holder-not-active", "The holder is not active in the directory"),
) {}

/** The secret answers do not match, are missing, or the holder's questions are locked. */
export class SecretAnswersRefused extends Schema.TaggedError<SecretAnswersRefused>()(
  "SecretAnswersRefused",
  {
    holder: Schema.String,
    reason: Schema.String,
    locked: Schema.Boolean,
  },
  Problem.annotation(403, "secret-answers-refused", "The holder could not be authenticated by their secret answers"),
) {}

/** The first cards of a commune are not ordered yet (the connection cannot be triggered). */
export class FirstCardsMissing extends Schema.TaggedError<FirstCardsMissing>()(
  "FirstCardsMissing",
  {
    commune: Schema.String,
    missing: Schema.Array(Schema.String),
  },
  Problem.annotation<{ readonly missing: ReadonlyArray<string> }>(
    409,
    "first-cards-missing",
    "The commune's first two cards are not ordered",
    (fields) => `not ordered yet: ${fields.missing.join(", ")}`,
  ),
) {}

/** The operation needs a second trusted person (RGS rule roles.dual-control); `reason` says how to get one. */
export class DualControlRequired extends Schema.TaggedError<DualControlRequired>()(
  "DualControlRequired",
  {
    card: Schema.String,
    rule: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(403, "dual-control-required", "A second trusted person must confirm this operation"),
) {}

// --- views -------------------------------------------------------------------------------------

// A record and its version travel as one JSON object, the record's fields and `version` side by
// side (what a client sends back as the expected version), and decode into `{ state, version }`.

/** A card and its version: `{ ...card, version }` on the wire. */
export const CardView = Schema.Struct({ ...Card.State.fields, version: Schema.Int })
  .annotate({ identifier: "Card" })
  .pipe(
    Schema.decodeTo(
      Schema.Struct({ state: Schema.toType(Card.State), version: Schema.Int }),
      SchemaTransformation.transform({
        decode: ({ version, ...state }) => ({ state, version }),
        encode: ({ state, version }) => ({ ...state, version }),
      }),
    ),
  );
/** A card and its version. */
export type CardView = typeof CardView.Type;

/** A card request and its version: `{ ...request, version }` on the wire. */
export const RequestView = Schema.Struct({ ...Request.State.fields, version: Schema.Int })
  .annotate({ identifier: "CardRequest" })
  .pipe(
    Schema.decodeTo(
      Schema.Struct({ state: Schema.toType(Request.State), version: Schema.Int }),
      SchemaTransformation.transform({
        decode: ({ version, ...state }) => ({ state, version }),
        encode: ({ state, version }) => ({ ...state, version }),
      }),
    ),
  );
/** A card request and its version. */
export type RequestView = typeof RequestView.Type;

/** A holder and their cards. */
export const HolderCards = Schema.Struct({ holder: Schema.String, cards: Schema.Array(CardView) }).annotate({ identifier: "HolderCards" });
/** A holder and their cards. */
export type HolderCards = typeof HolderCards.Type;
