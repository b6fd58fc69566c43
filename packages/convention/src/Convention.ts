/**
 * The two conventions a commune signs to join COMEDEC (DOMAIN.md §3, step 3): CARTES (the agents'
 * cards) and COMEDEC (the exchange). The mayor signs and dates each; it reaches ANTS by post in two
 * copies, or by e-mail; it names the responsable carte and the délégué. ANTS records receipt, then
 * validates or rejects it with reasons. The state machine is `machine`, which `decide` enforces.
 */
import type { Actor } from "@comedec/actor";
import { CalendarDate, InseeCode } from "@comedec/commune";
import { Result, Schema } from "effect";
import { Problem } from "@comedec/actor";

/** Which convention. */
export const Kind = Schema.Literals(["CARTES", "COMEDEC"]);
/** Which convention. */
export type Kind = typeof Kind.Type;

/** Where a convention stands. */
export const Status = Schema.Literals(["incomplete", "received", "validated", "rejected"]);
/** Where a convention stands. */
export type Status = typeof Status.Type;

const Text = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200));
const Email = Schema.String.check(Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "not an e-mail address" }));

/** A person the convention names. */
export const Person = Schema.Struct({ name: Text, email: Email });

/** How the signed convention reached ANTS. */
export const Receipt = Schema.Struct({
  channel: Schema.Literals(["post", "email"]),
  copies: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 })),
  receivedOn: CalendarDate.CalendarDate,
});

/** The content of a convention as the mayor signed it. */
export const Terms = Schema.Struct({
  commune: InseeCode.InseeCode,
  kind: Kind,
  signatory: Schema.Struct({ name: Text, quality: Schema.Literals(["maire", "maire par intérim"]) }),
  signedOn: CalendarDate.CalendarDate,
  responsableCarte: Person,
  delegue: Person,
});
/** The content of a convention as the mayor signed it. */
export type Terms = typeof Terms.Type;

/** A convention and where it stands. */
export const State = Schema.Struct({
  id: Schema.String,
  terms: Terms,
  status: Status,
  receipt: Schema.optionalKey(Receipt),
  /** Why it is incomplete or rejected. */
  reasons: Schema.Array(Schema.String),
});
/** A convention and where it stands. */
export type State = typeof State.Type;

// --- commands and events ----------------------------------------------------------------------

/** A commune submits a signed convention. */
export const Submit = Schema.TaggedStruct("Submit", { id: Schema.String, terms: Terms });
/** ANTS records that the signed convention arrived. */
export const RecordReceipt = Schema.TaggedStruct("RecordReceipt", { receipt: Receipt });
/** ANTS validates a received convention. */
export const Validate = Schema.TaggedStruct("Validate", {});
/** ANTS rejects a convention, saying why. */
export const Reject = Schema.TaggedStruct("Reject", { reasons: Schema.NonEmptyArray(Text) });
/** Any convention command. */
export const Command = Schema.Union([Submit, RecordReceipt, Validate, Reject]);
/** Any convention command. */
export type Command = typeof Command.Type;

/** A convention was submitted. */
export const Submitted = Schema.TaggedStruct("Submitted", { id: Schema.String, terms: Terms });
/** Its receipt was recorded; `complete` says whether it now counts as received. */
export const ReceiptRecorded = Schema.TaggedStruct("ReceiptRecorded", { receipt: Receipt, reasons: Schema.Array(Schema.String) });
/** It was validated. */
export const Validated = Schema.TaggedStruct("Validated", {});
/** It was rejected. */
export const Rejected = Schema.TaggedStruct("Rejected", { reasons: Schema.Array(Schema.String) });
/** Any convention event. */
export const Event = Schema.Union([Submitted, ReceiptRecorded, Validated, Rejected]);
/** Any convention event. */
export type Event = typeof Event.Type;

// --- the state machine as data ----------------------------------------------------------------

/** One transition: which command, from which states, to which, fired by whom. */
export interface Transition {
  readonly command: Command["_tag"];
  readonly from: ReadonlyArray<Status | "none">;
  readonly to: ReadonlyArray<Status>;
  readonly roles: ReadonlyArray<Actor.Role>;
}

/** The convention state machine, versioned. */
export const machine = {
  name: "convention",
  version: 1,
  states: Status.literals,
  transitions: [
    { command: "Submit", from: ["none"], to: ["incomplete"], roles: ["commune-operator", "national-administrator"] },
    { command: "RecordReceipt", from: ["incomplete"], to: ["received", "incomplete"], roles: ["national-administrator"] },
    { command: "Validate", from: ["received"], to: ["validated"], roles: ["national-administrator"] },
    { command: "Reject", from: ["incomplete", "received"], to: ["rejected"], roles: ["national-administrator"] },
  ],
} as const satisfies { name: string; version: number; states: ReadonlyArray<Status>; transitions: ReadonlyArray<Transition> };

// --- errors -----------------------------------------------------------------------------------

/** The command is not allowed in the convention's current state. */
export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()(
  "IllegalTransition",
  {
    convention: Schema.String,
    command: Schema.String,
    state: Schema.String,
    allowedFrom: Schema.Array(Schema.String),
  },
  Problem.annotation<{ readonly command: string; readonly state: string; readonly allowedFrom: ReadonlyArray<string> }>(
    409,
    "illegal-transition",
    "Transition not allowed from this state",
    (fields) => `${fields.command} is not allowed in state ${fields.state} (allowed from: ${fields.allowedFrom.join(", ")})`,
  ),
) {}

/** The actor's role may not fire this command. */
export class TransitionRoleNotAllowed extends Schema.TaggedError<TransitionRoleNotAllowed>()(
  "TransitionRoleNotAllowed",
  {
    command: Schema.String,
    role: Schema.String,
    allowed: Schema.Array(Schema.String),
  },
  Problem.annotation(403, "transition-role-not-allowed", "This role may not fire this transition"),
) {}

/** The convention's content is not acceptable as submitted. */
export class InvalidTerms extends Schema.TaggedError<InvalidTerms>()(
  "InvalidTerms",
  { reasons: Schema.Array(Schema.String) },
  Problem.annotation(422, "invalid-convention-terms", "The convention's terms are not acceptable"),
) {}

/** Every refusal `decide` can give. */
export type ConventionError = IllegalTransition | TransitionRoleNotAllowed | InvalidTerms;

// --- decide / evolve --------------------------------------------------------------------------

/** What the decision needs besides the command. */
export interface Context {
  readonly actor: Actor.Actor;
  readonly today: CalendarDate.CalendarDate;
}

const termProblems = (terms: Terms, today: CalendarDate.CalendarDate): ReadonlyArray<string> => [
  ...(terms.signedOn > today ? ["the signature date is in the future"] : []),
  ...(terms.responsableCarte.email.toLowerCase() === terms.delegue.email.toLowerCase()
    ? ["the responsable carte and the délégué must be two different people"]
    : []),
];

const receiptProblems = (receipt: typeof Receipt.Type, terms: Terms): ReadonlyArray<string> => [
  ...(receipt.channel === "post" && receipt.copies < 2 ? ["a convention sent by post must arrive in two signed copies"] : []),
  ...(receipt.receivedOn < terms.signedOn ? ["received before it was signed"] : []),
];

/** Decides the events of a command on a convention (undefined state: not yet submitted). Pure. */
export const decide = (state: State | undefined, command: Command, { actor, today }: Context): Result.Result<ReadonlyArray<Event>, ConventionError> => {
  const transition = machine.transitions.find((candidate) => candidate.command === command._tag) as Transition;
  const current = state?.status ?? "none";
  if (!transition.roles.includes(actor.role)) {
    return Result.fail(new TransitionRoleNotAllowed({ command: command._tag, role: actor.role, allowed: [...transition.roles] }));
  }
  if (!transition.from.includes(current)) {
    const convention = state?.id ?? (command._tag === "Submit" ? command.id : "unknown");
    return Result.fail(new IllegalTransition({ convention, command: command._tag, state: current, allowedFrom: [...transition.from] }));
  }
  switch (command._tag) {
    case "Submit": {
      const reasons = termProblems(command.terms, today);
      if (reasons.length > 0) return Result.fail(new InvalidTerms({ reasons: [...reasons] }));
      return Result.succeed([Submitted.make({ id: command.id, terms: command.terms })]);
    }
    case "RecordReceipt":
      return Result.succeed([ReceiptRecorded.make({ receipt: command.receipt, reasons: [...receiptProblems(command.receipt, (state as State).terms)] })]);
    case "Validate":
      return Result.succeed([Validated.make({})]);
    case "Reject":
      return Result.succeed([Rejected.make({ reasons: [...command.reasons] })]);
  }
};

/** Applies an event. Pure and total. */
export const evolve = (state: State | undefined, event: Event): State => {
  switch (event._tag) {
    case "Submitted":
      return { id: event.id, terms: event.terms, status: "incomplete", reasons: ["awaiting receipt of the signed convention by ANTS"] };
    case "ReceiptRecorded":
      return { ...(state as State), receipt: event.receipt, status: event.reasons.length === 0 ? "received" : "incomplete", reasons: event.reasons };
    case "Validated":
      return { ...(state as State), status: "validated", reasons: [] };
    case "Rejected":
      return { ...(state as State), status: "rejected", reasons: event.reasons };
  }
};
