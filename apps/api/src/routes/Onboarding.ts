/**
 * Handlers of a commune's onboarding: status, timeline, recording a milestone with its evidence,
 * withdrawing one, moving the hand-over appointment, declaring the maternity, scheduling the
 * training, and the state machine as data. Each runs one use case of `@comedec/deployment` on the
 * grant of the commune of the path.
 */
import { Onboarding } from "@comedec/commune";
import { Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Onboarding: Endpoints } = Contract;

const status = Handler.handle(Endpoints.status, ({ grant }) => OnboardingUseCases.status(grant));

const timeline = Handler.handle(Endpoints.timeline, ({ grant }) => Effect.map(OnboardingUseCases.timeline(grant), (events) => ({ events })));

// Recorded through this route, a milestone is recorded by hand: one an operation of the platform records is refused.
const recordMilestone = Handler.handle(Endpoints.recordMilestone, ({ grant, body }) =>
  OnboardingUseCases.execute(grant, Onboarding.RecordMilestone.make({ evidence: body.evidence, byHand: true }), body.expectedVersion),
);

const withdrawMilestone = Handler.handle(Endpoints.withdrawMilestone, ({ grant, params, body }) =>
  OnboardingUseCases.execute(grant, Onboarding.WithdrawMilestone.make({ milestone: params.milestone, reason: body.reason }), body.expectedVersion),
);

const moveAppointment = Handler.handle(Endpoints.moveAppointment, ({ grant, body }) =>
  OnboardingUseCases.execute(
    grant,
    Onboarding.MoveAppointment.make({ appointmentOn: body.appointmentOn, venue: body.venue, reference: body.reference, reason: body.reason }),
    body.expectedVersion,
  ),
);

const declareMaternity = Handler.handle(Endpoints.declareMaternity, ({ grant, body }) =>
  OnboardingUseCases.execute(grant, Onboarding.DeclareMaternity.make({ hasMaternity: body.hasMaternity, reference: body.reference }), body.expectedVersion),
);

const scheduleTraining = Handler.handle(Endpoints.scheduleTraining, ({ grant, body }) =>
  OnboardingUseCases.execute(grant, Onboarding.ScheduleTraining.make({ trainingOn: body.trainingOn }), body.expectedVersion),
);

const machine = Handler.handle(Endpoints.machine, () => Effect.succeed(Onboarding.machine));

/** The handlers of the group. */
export const handlers = [status, timeline, recordMilestone, withdrawMilestone, moveAppointment, declareMaternity, scheduleTraining, machine];
