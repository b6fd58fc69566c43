/**
 * The hand-over appointments of a département's mairies (DOMAIN.md §3, step 5), as requests and
 * refusals: what an operator asks the planning, the sessions they confirm, what the confirmation
 * did mairie by mairie, and why either can be refused. Here, in the domain, so the use cases that
 * plan and record them and the HTTP contract that carries them read one definition.
 */
import { Problem, Site } from "@comedec/actor";
import { Schema } from "effect";
import * as CalendarDate from "./CalendarDate.js";
import { InseeCode } from "./InseeCode.js";

/** What the planning of a département's hand-over sessions is asked. */
export const PlanningRequest = Schema.Struct({
  departement: Site.DepartementCode,
  /** The commune where the prefecture sits (its coordinates place the prefecture). */
  prefectureCommune: InseeCode,
  /** The most mairies one session takes. */
  capacity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })),
  /** The first day a session may be held. */
  startOn: CalendarDate.CalendarDate,
  /** Sessions held on one working day (several rooms or teams); 1 by default. */
  sessionsPerDay: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))),
});
/** What the planning of a département's hand-over sessions is asked. */
export type PlanningRequest = typeof PlanningRequest.Type;

/** A session confirmed: its date, its venue as the invitation names it, its mairies. */
export const ConfirmedSession = Schema.Struct({
  date: CalendarDate.CalendarDate,
  venue: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(300)),
  mairies: Schema.Array(InseeCode).check(Schema.isMinLength(1), Schema.isMaxLength(200)),
});
/** A session confirmed. */
export type ConfirmedSession = typeof ConfirmedSession.Type;

/** The sessions an operator confirms for a département. */
export const ConfirmationRequest = Schema.Struct({
  departement: Site.DepartementCode,
  /** What the invitations cite (the operator's planning reference). */
  reference: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
  sessions: Schema.Array(ConfirmedSession).check(Schema.isMinLength(1), Schema.isMaxLength(500)),
});
/** The sessions an operator confirms for a département. */
export type ConfirmationRequest = typeof ConfirmationRequest.Type;

/** What a confirmation did, mairie by mairie: the appointments recorded, and the others with why. */
export const Confirmation = Schema.Struct({
  recorded: Schema.Array(InseeCode),
  refused: Schema.Array(Schema.Struct({ commune: InseeCode, reason: Schema.String })),
}).annotate({ identifier: "HandOverConfirmation" });
/** What a confirmation did, mairie by mairie. */
export type Confirmation = typeof Confirmation.Type;

/** The planning cannot be done as asked. */
export class PlanningRefused extends Schema.TaggedError<PlanningRefused>()(
  "PlanningRefused",
  { reason: Schema.String },
  Problem.annotation(422, "planning-refused", "The planning cannot be done as asked"),
) {}

/** The confirmation cannot be taken as sent: nothing was recorded. */
export class AppointmentsRefused extends Schema.TaggedError<AppointmentsRefused>()(
  "AppointmentsRefused",
  { reason: Schema.String },
  Problem.annotation(422, "appointments-refused", "The appointments cannot be confirmed as sent; none was recorded"),
) {}
