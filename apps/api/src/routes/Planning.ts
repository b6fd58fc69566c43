/**
 * Handlers of hand-over appointment planning: the sessions of a département's mairies waiting for
 * their first cards, computed afresh at each call (re-plan after changes by calling again), with
 * the plan as CSV for export; and the sessions an operator confirms, recorded as each mairie's
 * hand-over appointment (the worker then sends the invitations); and the appointments recorded.
 * The contract authorises on the nation; each handler then authorises on the département the body
 * (or the query) names.
 */
import type { Actor } from "@comedec/actor";
import { Appointments, HandOverAppointments, Planning } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Planning: Endpoints } = Contract;

const onDepartement = (actor: Actor.Actor, departement: string) => Access.authorize(actor, "appointment.plan", { _tag: "departement", departement });

/** Kilometres to one decimal, as the operators read them. */
const km = (value: number) => Math.round(value * 10) / 10;

const plan = Handler.handle(Endpoints.plan, ({ actor, body }) =>
  Effect.gen(function* () {
    const grant = yield* onDepartement(actor, body.departement);
    const placed = yield* Planning.forDepartement(grant, body);
    const named = (code: string) => {
      const place = placed.places[code];
      return { code, name: placed.names[code] ?? code, ...(place === undefined ? {} : { latitude: place.latitude, longitude: place.longitude }) };
    };
    return {
      totalKm: km(placed.plan.totalKm),
      sessions: placed.plan.sessions.map((session) => ({
        date: session.date,
        venue: named(session.venue),
        mairies: session.mairies.map(named),
        distanceKm: km(session.distanceKm),
      })),
      withoutCoordinates: placed.withoutCoordinates,
      csv: Planning.toCsv(placed),
    };
  }),
);

const confirm = Handler.handle(Endpoints.confirm, ({ actor, body }) =>
  Effect.flatMap(onDepartement(actor, body.departement), (grant) => Appointments.confirm(grant, body)),
);

const appointments = Handler.handle(Endpoints.appointments, ({ actor, query }) =>
  Effect.map(
    Effect.flatMap(onDepartement(actor, query.departement), (grant) => HandOverAppointments.ofDepartement(grant, query.departement)),
    (items) => ({ items }),
  ),
);

/** The handlers of the group. */
export const handlers = [plan, confirm, appointments];
