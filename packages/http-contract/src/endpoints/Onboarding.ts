/**
 * A commune's onboarding: where it stands, its timeline, recording a milestone with its evidence,
 * declaring the maternity, scheduling the training; and the state machine itself, as data. The
 * commune's endpoints are authorised on the commune of the path; the use case reads it from the grant.
 */
import { Actor, Change } from "@comedec/actor";
import { CalendarDate, CommuneNotFound, Editor, InseeCode, Onboarding } from "@comedec/commune";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, ExpectedVersion } from "./Shared.js";

/** Who must act for a milestone to be reached. */
const Party = Schema.Literals(["commune", "ministry-of-justice", "national-operator", "prefecture", "editor"]);

/** Where a commune's onboarding stands on a day: done, next and who acts, what blocks, lateness. */
export const OnboardingStatus = Schema.Struct({
  commune: InseeCode.InseeCode,
  underObligation: Schema.Boolean,
  connected: Schema.Boolean,
  done: Schema.Array(Schema.Struct({ milestone: Onboarding.Milestone, at: Schema.String, by: Onboarding.RecordedBy })),
  next: Schema.Array(Schema.Struct({ milestone: Onboarding.Milestone, title: Schema.String, party: Party, recordedBy: Schema.Array(Actor.Role) })),
  blocked: Schema.Array(Schema.Struct({ milestone: Onboarding.Milestone, missing: Schema.Array(Onboarding.Milestone) })),
  late: Schema.Boolean,
  overdue: Schema.Array(
    Schema.Struct({
      reason: Schema.Literals(["connection-deadline-missed", "connection-date-passed", "specimen-file-overdue"]),
      dueOn: CalendarDate.CalendarDate,
    }),
  ),
  trainingOn: Schema.optionalKey(CalendarDate.CalendarDate),
  /** When the connection test passed, while `trainingAndTest` waits for its prerequisites. */
  testPassedAt: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "OnboardingStatus" });

/** A commune's onboarding status with the version of its stream (for `expectedVersion`). */
export const VersionedStatus = Schema.Struct({ version: Schema.Int, status: OnboardingStatus }).annotate({ identifier: "VersionedOnboardingStatus" });

/** One event of a commune's timeline: when, what, and who appended it (every event, not only the milestones' records). */
export const TimelineEntry = Schema.Struct({
  version: Schema.Int,
  at: Schema.String,
  event: Onboarding.Event,
  by: Schema.Struct({ id: Schema.String, role: Schema.String, site: Schema.String }),
}).annotate({ identifier: "OnboardingTimelineEntry" });

/** One node of the prerequisite graph. */
export const MilestoneDefinition = Schema.Struct({
  step: Schema.Int,
  milestone: Onboarding.Milestone,
  title: Schema.String,
  track: Schema.Literals(["common", "card", "editor"]),
  requires: Schema.Array(Onboarding.Milestone),
  onlyUnderObligation: Schema.Boolean,
  party: Party,
  recordedBy: Schema.Array(Actor.Role),
  /** `operation`: only the named operation of the platform records it; `hand`: recorded and withdrawn by hand. */
  recordedThrough: Schema.Literals(["hand", "operation"]),
  operation: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "MilestoneDefinition" });

// Every refusal of a command on the commune's stream: the commune, a stale version, the domain's
// decision, and the evidence checked against the editors list and the conventions.
const commandRefusals = [
  CommuneNotFound,
  Change.ConcurrentModification,
  Onboarding.PrerequisiteMissing,
  Onboarding.MilestoneAlreadyRecorded,
  Onboarding.MilestoneNotApplicable,
  Onboarding.MilestoneRoleNotAllowed,
  Onboarding.EditorNotContracted,
  Onboarding.ObligationAlreadySettled,
  Onboarding.TrainingNotSchedulable,
  Onboarding.MilestoneRecordedByOperation,
  Onboarding.MilestoneNotWithdrawable,
  Onboarding.AppointmentNotMovable,
  Onboarding.ConnectionDateAfterDeadline,
  Editor.EditorNotFound,
  Editor.EditorNotCompatible,
  Onboarding.ConventionsNotValidated,
] as const;

const onCommune = <P extends "onboarding.read" | "onboarding.record">(permission: P) =>
  ({ _tag: "permission", permission, target: { _tag: "commune", in: "params", field: "code" } }) as const;

/** Where the commune stands. */
export const status = Endpoint.make({
  operationId: "getOnboardingStatus",
  method: "get",
  path: "/communes/{code}/onboarding",
  tag: "onboarding",
  summary: "Where the commune stands: milestones done, next ones and who acts, what blocks, lateness",
  params: CommuneParams,
  success: VersionedStatus,
  errors: [CommuneNotFound],
  authorization: onCommune("onboarding.read"),
});

/** The commune's events. */
export const timeline = Endpoint.make({
  operationId: "getOnboardingTimeline",
  method: "get",
  path: "/communes/{code}/onboarding/timeline",
  tag: "onboarding",
  summary: "Every onboarding event of the commune, oldest first, with who appended it (the actor's id, role and site key)",
  params: CommuneParams,
  success: Schema.Struct({ events: Schema.Array(TimelineEntry) }),
  errors: [CommuneNotFound],
  authorization: onCommune("onboarding.read"),
});

/** Record a milestone. */
export const recordMilestone = Endpoint.make({
  operationId: "recordMilestone",
  method: "post",
  path: "/communes/{code}/onboarding/milestones",
  tag: "onboarding",
  summary:
    "Record a milestone with its evidence (refused with the missing prerequisites when out of order, and for a milestone an operation of the platform records)",
  params: CommuneParams,
  body: Schema.Struct({ evidence: Onboarding.Evidence, expectedVersion: ExpectedVersion }),
  success: VersionedStatus,
  status: 201,
  errors: commandRefusals,
  authorization: onCommune("onboarding.record"),
});

/** Withdraw a milestone recorded by hand by mistake. */
export const withdrawMilestone = Endpoint.make({
  operationId: "withdrawMilestone",
  method: "post",
  path: "/communes/{code}/onboarding/milestones/{milestone}/withdrawal",
  tag: "onboarding",
  summary:
    "Withdraw a milestone recorded by hand, with the reason (by a role that records it; refused while a milestone recorded on it stands, and for one an operation records)",
  params: Schema.Struct({ code: CommuneParams.fields.code, milestone: Onboarding.Milestone }),
  body: Schema.Struct({ reason: Onboarding.WithdrawMilestone.fields.reason, expectedVersion: ExpectedVersion }),
  success: VersionedStatus,
  status: 201,
  errors: commandRefusals,
  authorization: onCommune("onboarding.record"),
});

/** Move the confirmed hand-over appointment. */
export const moveAppointment = Endpoint.make({
  operationId: "moveAppointment",
  method: "post",
  path: "/communes/{code}/onboarding/appointment/move",
  tag: "onboarding",
  summary: "Move the commune's confirmed hand-over appointment to a new date and venue, before the hand-over; the mairie is sent a new invitation",
  params: CommuneParams,
  body: Schema.Struct({
    appointmentOn: Onboarding.MoveAppointment.fields.appointmentOn,
    venue: Onboarding.MoveAppointment.fields.venue,
    reference: Onboarding.MoveAppointment.fields.reference,
    reason: Onboarding.MoveAppointment.fields.reason,
    expectedVersion: ExpectedVersion,
  }),
  success: VersionedStatus,
  status: 201,
  errors: commandRefusals,
  authorization: onCommune("onboarding.record"),
});

/** Declare the maternity. */
export const declareMaternity = Endpoint.make({
  operationId: "declareMaternity",
  method: "post",
  path: "/communes/{code}/onboarding/maternity",
  tag: "onboarding",
  summary: "Declare whether the commune has or had a maternity (puts it under the connection obligation)",
  params: CommuneParams,
  body: Schema.Struct({
    hasMaternity: Onboarding.DeclareMaternity.fields.hasMaternity,
    reference: Onboarding.DeclareMaternity.fields.reference,
    expectedVersion: ExpectedVersion,
  }),
  success: VersionedStatus,
  status: 201,
  errors: commandRefusals,
  authorization: onCommune("onboarding.record"),
});

/** Schedule the training. */
export const scheduleTraining = Endpoint.make({
  operationId: "scheduleTraining",
  method: "post",
  path: "/communes/{code}/onboarding/training",
  tag: "onboarding",
  summary: "Schedule the editor's training (the specimen file is due 7 days before)",
  params: CommuneParams,
  body: Schema.Struct({ trainingOn: CalendarDate.CalendarDate, expectedVersion: ExpectedVersion }),
  success: VersionedStatus,
  status: 201,
  errors: commandRefusals,
  authorization: onCommune("onboarding.record"),
});

/** The onboarding state machine, as data (for clients and the docs). */
export const machine = Endpoint.make({
  operationId: "getOnboardingMachine",
  method: "get",
  path: "/onboarding/machine",
  tag: "onboarding",
  summary: "The onboarding milestones and their prerequisite graph, as data",
  success: Schema.Struct({ name: Schema.String, version: Schema.Int, milestones: Schema.Array(MilestoneDefinition) }).annotate({
    identifier: "OnboardingMachine",
  }),
  errors: [],
  // Public knowledge, read by whoever may read the editors list (every role).
  authorization: { _tag: "permission", permission: "editor.read", target: { _tag: "nation" } },
});

/** Every endpoint of the group. */
export const endpoints = [status, timeline, recordMilestone, withdrawMilestone, moveAppointment, declareMaternity, scheduleTraining, machine] as const;
