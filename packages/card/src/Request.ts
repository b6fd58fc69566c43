/**
 * A card request in PGCA: made by a holder (a new card, a renewal, a revocation, an unblock) or
 * automatically by the platform (a renewal before the certificates expire), and validated or
 * rejected by a site operator. Nobody validates a request they made or that concerns them. Once
 * validated, the platform carries it out; the request is fulfilled when the card it asked for is
 * published, or at once for the other kinds.
 */
import type { Actor } from "@comedec/actor";
import { Agent } from "@comedec/agent";
import type { CalendarDate } from "@comedec/commune";
import { Result, Schema } from "effect";
import { CardIllegalTransition, CardPartyNotAllowed, fieldsOf, partyOf, Reason, RevocationReason } from "./Card.js";

/** What is asked. */
export const Kind = Schema.Literals(["new-card", "card-renewal", "certificate-renewal", "revocation", "unblock"]);
/** What is asked. */
export type Kind = typeof Kind.Type;

/** Where a request stands. */
export const Status = Schema.Literals(["pending-validation", "validated", "fulfilled", "rejected", "cancelled"]);
/** Where a request stands. */
export type Status = typeof Status.Type;

/**
 * Made by the holder, by the platform (renewal before expiry), or by an operator of the card's
 * site (a revocation only, which another operator then validates: dual control).
 */
export const Origin = Schema.Literals(["holder", "automatic", "operator"]);

/** A card request. */
export const State = Schema.Struct({
  id: Schema.String,
  kind: Kind,
  origin: Origin,
  holder: Schema.String,
  site: Agent.AgentSite,
  /** The card concerned (every kind but a new card). */
  card: Schema.optionalKey(Schema.String),
  revocationReason: Schema.optionalKey(RevocationReason),
  /** Whether the card is an operator's card as things stood when the request was made. */
  operatorCard: Schema.optionalKey(Schema.Boolean),
  requestedBy: Schema.String,
  status: Status,
  /** The card ordered to fulfil a new-card or renewal request. */
  orderedCard: Schema.optionalKey(Schema.String),
  decidedBy: Schema.optionalKey(Schema.String),
  submittedOn: Schema.String,
  lastReason: Schema.String,
});
/** A card request. */
export type State = typeof State.Type;

/** Make a request. */
export const Submit = Schema.TaggedStruct("Submit", {
  id: Schema.String,
  kind: Kind,
  origin: Origin,
  holder: Schema.String,
  site: Agent.AgentSite,
  card: Schema.optionalKey(Schema.String),
  revocationReason: Schema.optionalKey(RevocationReason),
  operatorCard: Schema.optionalKey(Schema.Boolean),
  reason: Reason,
});
/** Accept it; `orderedCard` is the card ordered to fulfil it, when it asks for one. */
export const Validate = Schema.TaggedStruct("Validate", { orderedCard: Schema.optionalKey(Schema.String), reason: Reason });
/** Refuse it. */
export const Reject = Schema.TaggedStruct("Reject", { reason: Reason });
/** Withdraw it (the requester, before validation). */
export const Cancel = Schema.TaggedStruct("Cancel", { reason: Reason });
/** It was carried out. */
export const Fulfil = Schema.TaggedStruct("Fulfil", { reason: Reason });

/** A command on a request. */
export const Command = Schema.Union([Submit, Validate, Reject, Cancel, Fulfil]);
/** A command on a request. */
export type Command = typeof Command.Type;

/** What happened to a request. */
export const Event = Schema.Union([
  Schema.TaggedStruct("RequestSubmitted", { ...fieldsOf(Submit.fields), requestedBy: Schema.String, on: Schema.String }),
  Schema.TaggedStruct("RequestValidated", { ...fieldsOf(Validate.fields), by: Schema.String }),
  Schema.TaggedStruct("RequestRejected", { ...fieldsOf(Reject.fields), by: Schema.String }),
  Schema.TaggedStruct("RequestCancelled", fieldsOf(Cancel.fields)),
  Schema.TaggedStruct("RequestFulfilled", fieldsOf(Fulfil.fields)),
]);
/** What happened to a request. */
export type Event = typeof Event.Type;

/** The request state machine, versioned. */
export const machine = {
  name: "pgca-card-request",
  version: 1,
  states: Status.literals,
  transitions: [
    {
      command: "Submit",
      from: ["none"],
      to: "pending-validation",
      by: ["holder", "platform", "site-operator", "national-operator"],
      rule: "A holder requests for their own cards; the platform makes the automatic renewal requests; an operator requests the revocation of a card of the site.",
    },
    {
      command: "Validate",
      from: ["pending-validation"],
      to: "validated",
      by: ["site-operator", "national-operator"],
      rule: "Only a pending request is validated, by an operator who neither made it nor is concerned by it.",
    },
    {
      command: "Reject",
      from: ["pending-validation"],
      to: "rejected",
      by: ["site-operator", "national-operator"],
      rule: "Only a pending request is rejected, by an operator who neither made it nor is concerned by it.",
    },
    { command: "Cancel", from: ["pending-validation"], to: "cancelled", by: ["holder", "platform"], rule: "Only a pending request is withdrawn." },
    {
      command: "Fulfil",
      from: ["validated"],
      to: "fulfilled",
      by: ["site-operator", "national-operator", "platform"],
      rule: "Only a validated request is fulfilled.",
    },
  ],
} as const;

/** Who decides and when. */
export interface Context {
  readonly actor: Actor.Actor;
  readonly today: CalendarDate.CalendarDate;
}

/** Decides a command on a request (undefined before submission). */
export const decide = (
  state: State | undefined,
  command: Command,
  { actor, today }: Context,
): Result.Result<ReadonlyArray<Event>, CardIllegalTransition | CardPartyNotAllowed> => {
  const transition = machine.transitions.find((entry) => entry.command === command._tag) as (typeof machine.transitions)[number];
  const from = state === undefined ? "none" : state.status;
  if (!(transition.from as ReadonlyArray<string>).includes(from)) {
    return Result.fail(new CardIllegalTransition({ command: `${command._tag}Request`, state: from, allowedFrom: transition.from, rule: transition.rule }));
  }
  const holder = state?.holder ?? (command._tag === "Submit" ? command.holder : "");
  const party = partyOf(actor, holder);
  const refuse = () => Result.fail(new CardPartyNotAllowed({ command: `${command._tag}Request`, party, allowed: transition.by, rule: transition.rule }));
  if (!(transition.by as ReadonlyArray<string>).includes(party)) return refuse();
  switch (command._tag) {
    case "Submit": {
      if ((command.origin === "automatic") !== (party === "platform")) return refuse();
      if ((command.origin === "holder") !== (party === "holder")) return refuse();
      if (command.origin === "operator" && command.kind !== "revocation") return refuse();
      if (command.kind !== "new-card" && command.card === undefined) {
        return Result.fail(
          new CardIllegalTransition({ command: "SubmitRequest", state: "none", allowedFrom: [], rule: `A ${command.kind} request names the card.` }),
        );
      }
      const { _tag, ...fields } = command;
      return Result.succeed([{ _tag: "RequestSubmitted", ...fields, requestedBy: actor.id, on: today }]);
    }
    case "Validate":
    case "Reject": {
      // Four eyes: the requester and the holder are both excluded.
      if ((state as State).requestedBy === actor.id) return refuse();
      return Result.succeed([{ ...command, _tag: command._tag === "Validate" ? "RequestValidated" : "RequestRejected", by: actor.id } as Event]);
    }
    case "Cancel":
      return Result.succeed([{ ...command, _tag: "RequestCancelled" }]);
    case "Fulfil":
      return Result.succeed([{ ...command, _tag: "RequestFulfilled" }]);
  }
};

/** Applies an event. */
export const evolve = (state: State | undefined, event: Event): State => {
  const request = state as State;
  switch (event._tag) {
    case "RequestSubmitted": {
      const { _tag, reason, on, ...fields } = event;
      return { ...fields, status: "pending-validation", submittedOn: on, lastReason: reason };
    }
    case "RequestValidated":
      return {
        ...request,
        status: "validated",
        decidedBy: event.by,
        ...(event.orderedCard === undefined ? {} : { orderedCard: event.orderedCard }),
        lastReason: event.reason,
      };
    case "RequestRejected":
      return { ...request, status: "rejected", decidedBy: event.by, lastReason: event.reason };
    case "RequestCancelled":
      return { ...request, status: "cancelled", lastReason: event.reason };
    case "RequestFulfilled":
      return { ...request, status: "fulfilled", lastReason: event.reason };
  }
};
