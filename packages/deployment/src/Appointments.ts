/**
 * Hand-over appointments (DOMAIN.md §3, step 5): the sessions an operator confirms, from a plan
 * or edited by hand, become each mairie's `handOverAppointment` milestone — which the worker turns
 * into the mairie's invitation, from the event log.
 *
 * The whole confirmation is checked before anything is written (every mairie in the granted
 * département, none twice); then each mairie is recorded on its own, so one whose appointment is
 * already recorded, or whose connection was not triggered, is reported and does not hold up the
 * others. A recorded appointment is not replaced by a new confirmation (it is refused with its
 * reason); one mairie's appointment moves with `Onboarding.MoveAppointment`
 * (`POST /communes/{code}/onboarding/appointment/move`), which sends a new invitation.
 */
import { HandOver, InseeCode, Onboarding } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as OnboardingUseCases from "./Onboarding.js";

// Each use case checks its grant first: one the policy did not make, for another permission, or
// that does not cover the département planned, is refused with `Forbidden` (a 403), never a silent pass.

/** A session confirmed: its date, its venue as the invitation names it, its mairies. */
export type ConfirmedSession = HandOver.ConfirmedSession;

/** What the confirmation did, mairie by mairie. */
export type Confirmation = HandOver.Confirmation;

/** The confirmation cannot be taken as sent (the domain's refusal, kept importable from here). */
export const AppointmentsRefused = HandOver.AppointmentsRefused;
/** The confirmation cannot be taken as sent: nothing was recorded. */
export type AppointmentsRefused = HandOver.AppointmentsRefused;

/** Why a mairie's appointment was not recorded, as the operator reads it. */
const reasonOf = (error: { readonly _tag: string }): string => {
  const fields = error as { readonly _tag: string; readonly missing?: ReadonlyArray<string>; readonly reason?: string };
  switch (fields._tag) {
    case "MilestoneAlreadyRecorded":
      return "appointment already recorded";
    case "PrerequisiteMissing":
      return `not waiting for an appointment: ${(fields.missing ?? []).join(", ")} missing`;
    default:
      return fields.reason ?? fields._tag;
  }
};

/** Records the appointment of every mairie of the confirmed sessions of the granted département. */
export const confirm = (
  grant: Access.Grant<"appointment.plan">,
  input: { readonly departement: string; readonly reference: string; readonly sessions: ReadonlyArray<ConfirmedSession> },
) =>
  Effect.gen(function* () {
    yield* Access.require(grant, "appointment.plan");
    yield* Access.covers(grant, Access.departementTarget(input.departement));
    const seen = new Set<string>();
    for (const session of input.sessions) {
      for (const code of session.mairies) {
        if (InseeCode.departementOf(code) !== input.departement) {
          return yield* new HandOver.AppointmentsRefused({ reason: `${code} is not in département ${input.departement}` });
        }
        if (seen.has(code)) return yield* new HandOver.AppointmentsRefused({ reason: `${code} is in more than one session` });
        seen.add(code);
      }
    }
    const recorded: Array<InseeCode.InseeCode> = [];
    const refused: Array<{ commune: InseeCode.InseeCode; reason: string }> = [];
    for (const session of input.sessions) {
      for (const code of session.mairies) {
        const outcome = yield* Access.authorize(grant.actor, "onboarding.record", { _tag: "commune", commune: code, departement: input.departement }).pipe(
          Effect.flatMap((recording) =>
            OnboardingUseCases.execute(
              recording,
              Onboarding.RecordMilestone.make({
                evidence: { milestone: "handOverAppointment", reference: input.reference, appointmentOn: session.date, venue: session.venue },
              }),
            ),
          ),
          Effect.result,
        );
        if (outcome._tag === "Success") recorded.push(code);
        else refused.push({ commune: code, reason: reasonOf(outcome.failure) });
      }
    }
    return { recorded, refused } satisfies Confirmation;
  });
