/**
 * Hand-over appointment planning over HTTP: the sessions of a département's mairies waiting for
 * their first cards, computed afresh at each call (re-plan after changes by calling again), with
 * the plan as CSV for export; and the sessions an operator confirms, recorded as each mairie's
 * hand-over appointment (the worker then sends the invitations).
 */
import { Site } from "@comedec/actor";
import { CalendarDate, InseeCode } from "@comedec/commune";
import { Appointments, Planning } from "@comedec/deployment";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

const handOverSessions = Endpoint.make({
  method: "post",
  path: "/planning/hand-over-sessions",
  tag: "planning",
  summary: "Plan the hand-over sessions of a département's mairies waiting for their first cards (grouped by proximity, capacity per session)",
  body: Schema.Struct({
    departement: Site.DepartementCode,
    /** The commune where the prefecture sits (its coordinates place the prefecture). */
    prefectureCommune: InseeCode.InseeCode,
    capacity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })),
    startOn: CalendarDate.CalendarDate,
    sessionsPerDay: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 20 }))),
  }),
  handler: ({ actor, body }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "appointment.plan", { _tag: "departement", departement: body.departement });
      const placed = yield* Planning.forDepartement(grant, body);
      const name = (code: string) => placed.names[code] ?? code;
      return {
        totalKm: Math.round(placed.plan.totalKm * 10) / 10,
        sessions: placed.plan.sessions.map((session) => ({
          date: session.date,
          venue: { code: session.venue, name: name(session.venue) },
          mairies: session.mairies.map((code) => ({ code, name: name(code) })),
          distanceKm: Math.round(session.distanceKm * 10) / 10,
        })),
        withoutCoordinates: placed.withoutCoordinates,
        csv: Planning.toCsv(placed),
      };
    }),
});

const confirmation = Endpoint.make({
  method: "post",
  path: "/planning/hand-over-sessions/confirmation",
  tag: "planning",
  summary:
    "Confirm hand-over sessions: each mairie's appointment recorded (its invitation follows by mail); all checked before any is written, each refusal reported",
  body: Schema.Struct({
    departement: Site.DepartementCode,
    /** What the invitations cite (the operator's planning reference). */
    reference: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
    sessions: Schema.Array(
      Schema.Struct({
        date: CalendarDate.CalendarDate,
        venue: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(300)),
        mairies: Schema.Array(InseeCode.InseeCode).check(Schema.isMinLength(1), Schema.isMaxLength(200)),
      }),
    ).check(Schema.isMinLength(1), Schema.isMaxLength(500)),
  }),
  handler: ({ actor, body }) =>
    Effect.flatMap(Access.authorize(actor, "appointment.plan", { _tag: "departement", departement: body.departement }), (grant) =>
      Appointments.confirm(grant, body),
    ),
});

/** The planning endpoints. */
export const endpoints = [handOverSessions, confirmation];
