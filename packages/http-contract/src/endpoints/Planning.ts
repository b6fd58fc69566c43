/**
 * Hand-over appointment planning: the sessions of a département's mairies waiting for their first
 * cards, computed afresh at each call, with the plan as CSV; and the sessions an operator confirms,
 * recorded as each mairie's appointment; and the appointments recorded. All are authorised on the
 * nation first (role and credential), then on the département the body or the query names.
 */
import { CommuneNotFound, HandOver } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { Departement } from "./Shared.js";

// The département is a target the contract does not name: the handler checks it.
const onDepartement = { _tag: "permission", permission: "appointment.plan", target: { _tag: "resource", resource: "departement" } } as const;

/**
 * A commune of a plan by its code and name (the venue `prefecture` is named after the prefecture's
 * seat), and where it is, for the map.
 */
const Named = Schema.Struct({
  code: Schema.String,
  name: Schema.String,
  latitude: Schema.optionalKey(Schema.Number),
  longitude: Schema.optionalKey(Schema.Number),
});

/** A planned hand-over session. */
export const PlannedSession = Schema.Struct({
  date: Schema.String,
  venue: Named,
  mairies: Schema.Array(Named),
  /** The mairies' total distance to the venue, km (one decimal). */
  distanceKm: Schema.Number,
}).annotate({ identifier: "PlannedSession" });

/** A plan of hand-over sessions. */
export const HandOverPlan = Schema.Struct({
  /** The total distance of the plan, km (one decimal). */
  totalKm: Schema.Number,
  sessions: Schema.Array(PlannedSession),
  /** The mairies left out: the gazetteer has no coordinates for them. */
  withoutCoordinates: Schema.Array(Schema.String),
  /** The plan as CSV, one line per mairie, for the operators' mail merge. */
  csv: Schema.String,
}).annotate({ identifier: "HandOverPlan" });

/** Plan the hand-over sessions of a département. */
export const plan = Endpoint.make({
  operationId: "planHandOverSessions",
  method: "post",
  path: "/planning/hand-over-sessions",
  tag: "planning",
  summary: "Plan the hand-over sessions of a département's mairies waiting for their first cards (grouped by proximity, capacity per session)",
  body: HandOver.PlanningRequest,
  success: HandOverPlan,
  errors: [CommuneNotFound, HandOver.PlanningRefused, Access.Forbidden],
  authorization: onDepartement,
});

/** Confirm hand-over sessions. */
export const confirm = Endpoint.make({
  operationId: "confirmHandOverSessions",
  method: "post",
  path: "/planning/hand-over-sessions/confirmation",
  tag: "planning",
  summary:
    "Confirm hand-over sessions: each mairie's appointment recorded (its invitation follows by mail); all checked before any is written, each refusal reported",
  body: HandOver.ConfirmationRequest,
  success: HandOver.Confirmation,
  errors: [HandOver.AppointmentsRefused, Access.Forbidden],
  authorization: onDepartement,
});

/** A mairie's hand-over appointment as recorded (its `handOverAppointment` milestone). */
export const RecordedAppointment = Schema.Struct({
  commune: Schema.String,
  name: Schema.String,
  appointmentOn: Schema.String,
  venue: Schema.String,
  reference: Schema.String,
  /** The first cards were handed over since: the appointment took place. */
  handedOver: Schema.Boolean,
}).annotate({ identifier: "RecordedAppointment" });

/** The hand-over appointments of a département. */
export const appointments = Endpoint.make({
  operationId: "listHandOverAppointments",
  method: "get",
  path: "/planning/appointments",
  tag: "planning",
  summary: "The hand-over appointments recorded for a département's mairies, by date, each with whether its first cards were handed over since",
  query: Schema.Struct({ departement: Departement }),
  success: Schema.Struct({ items: Schema.Array(RecordedAppointment) }),
  errors: [Access.Forbidden],
  authorization: onDepartement,
});

/** Every endpoint of the group. */
export const endpoints = [plan, confirm, appointments] as const;
