/**
 * The onboarding (raccordement) of a commune to COMEDEC, DOMAIN.md §3: thirteen milestones that
 * form a prerequisite graph, not a line. The card track (conventions → connection triggered →
 * hand-over → first cards → autonomy) and the editor track (contract → installation → specimen
 * file) run in parallel and meet at the training and connection test. The census applies only to
 * communes under the connection obligation (a maternity on their territory, now or in the past).
 *
 * The graph is data (`machine`), read alike by `decide`, the API, the docs and the tests. Some
 * milestones follow an operation of the platform (the first cards handed over and activated, the
 * specimen file kept, the connection test passed): only that operation records them, never a hand
 * with a free-text reference. Every other milestone is recorded by hand, and can be withdrawn by
 * the roles that record it, with a reason, while nothing that depends on it is recorded.
 */
import { type Actor, Site, Problem } from "@comedec/actor";
import { Result, Schema } from "effect";
import * as CalendarDate from "./CalendarDate.js";
import { connectionDeadline } from "./Commune.js";
import { InseeCode } from "./InseeCode.js";

/** The thirteen milestones, in the order of the deployment guide. */
export const Milestone = Schema.Literals([
  "census",
  "adhesion",
  "conventionsReceived",
  "connectionTriggered",
  "handOverAppointment",
  "firstCards",
  "autonomy",
  "editorContract",
  "installation",
  "specimenRequests",
  "trainingAndTest",
  "connectionDate",
  "connected",
]);
/** One of the thirteen onboarding milestones. */
export type Milestone = typeof Milestone.Type;

/** Who must act for a milestone to be reached, as a person at a town hall would name them. */
export type Party = "commune" | "ministry-of-justice" | "national-operator" | "prefecture" | "editor";

/** One node of the prerequisite graph. */
export interface MilestoneDefinition {
  readonly step: number;
  readonly milestone: Milestone;
  readonly title: string;
  readonly track: "common" | "card" | "editor";
  readonly requires: ReadonlyArray<Milestone>;
  /** Only for communes under the connection obligation. */
  readonly onlyUnderObligation: boolean;
  /** Who acts in the real world. */
  readonly party: Party;
  /** Which roles may record it on the platform (ANTS keeps the tracking, so it may record all). */
  readonly recordedBy: ReadonlyArray<Actor.Role>;
  /**
   * `hand`: recorded (and withdrawn) by one of `recordedBy` with its evidence; `operation`: only
   * the platform's own operation records it, as that operation happens (named in `operation`).
   */
  readonly recordedThrough: "hand" | "operation";
  /** The operation that records it, for a milestone recorded through one. */
  readonly operation?: string;
}

const ants = "national-administrator" as const;

/** The onboarding state machine, versioned: a change of graph is a new version. */
export const machine = {
  name: "commune-onboarding",
  version: 2,
  milestones: [
    {
      step: 1,
      milestone: "census",
      title: "Recensement (formulaire du ministère de la Justice)",
      track: "common",
      requires: [],
      onlyUnderObligation: true,
      party: "ministry-of-justice",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "hand",
    },
    {
      step: 2,
      milestone: "adhesion",
      title: "Adhésion en ligne",
      track: "common",
      requires: ["census"],
      onlyUnderObligation: false,
      party: "commune",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "hand",
    },
    {
      step: 3,
      milestone: "conventionsReceived",
      title: "Conventions CARTES et COMEDEC reçues par l'ANTS",
      track: "card",
      requires: ["adhesion"],
      onlyUnderObligation: false,
      party: "national-operator",
      recordedBy: [ants],
      recordedThrough: "hand",
    },
    {
      step: 4,
      milestone: "connectionTriggered",
      title: "Raccordement déclenché (lecteurs puis codes d'activation)",
      track: "card",
      requires: ["conventionsReceived"],
      onlyUnderObligation: false,
      party: "national-operator",
      recordedBy: [ants],
      recordedThrough: "hand",
    },
    {
      step: 5,
      milestone: "handOverAppointment",
      title: "Rendez-vous de remise des cartes",
      track: "card",
      requires: ["connectionTriggered"],
      onlyUnderObligation: false,
      party: "national-operator",
      recordedBy: [ants, "prefecture-operator"],
      recordedThrough: "hand",
    },
    {
      step: 6,
      milestone: "firstCards",
      title: "Remise des deux premières cartes",
      track: "card",
      requires: ["handOverAppointment"],
      onlyUnderObligation: false,
      party: "prefecture",
      recordedBy: [ants, "prefecture-operator"],
      recordedThrough: "operation",
      operation: "the publication of the responsable carte's first card (POST /cards/{id}/hand-over, through the card agent)",
    },
    {
      step: 7,
      milestone: "autonomy",
      title: "Autonomie des responsables carte",
      track: "card",
      requires: ["firstCards"],
      onlyUnderObligation: false,
      party: "commune",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "operation",
      operation: "the activation of the délégué's first card (POST /cards/{id}/hand-over, through the card agent)",
    },
    {
      step: 8,
      milestone: "editorContract",
      title: "Contrat avec un éditeur compatible",
      track: "editor",
      requires: ["adhesion"],
      onlyUnderObligation: false,
      party: "commune",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "hand",
    },
    {
      step: 9,
      milestone: "installation",
      title: "Installation des lecteurs et du logiciel",
      track: "editor",
      requires: ["editorContract", "connectionTriggered"],
      onlyUnderObligation: false,
      party: "editor",
      recordedBy: [ants, "commune-operator", "editor"],
      recordedThrough: "hand",
    },
    {
      step: 10,
      milestone: "specimenRequests",
      title: "Fichier de demandes spécimens envoyé à l'ANTS",
      track: "editor",
      requires: ["installation"],
      onlyUnderObligation: false,
      party: "commune",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "operation",
      operation: "the specimen file sent (POST /communes/{code}/specimen-file)",
    },
    {
      step: 11,
      milestone: "trainingAndTest",
      title: "Formation et test de raccordement",
      track: "common",
      requires: ["specimenRequests", "firstCards"],
      onlyUnderObligation: false,
      party: "editor",
      recordedBy: [ants, "commune-operator", "editor"],
      recordedThrough: "operation",
      operation: "the connection test passed: every specimen request answered right (POST /communes/{code}/requests/{id}/response)",
    },
    {
      step: 12,
      milestone: "connectionDate",
      title: "Date de raccordement choisie et communiquée",
      track: "common",
      requires: ["trainingAndTest"],
      onlyUnderObligation: false,
      party: "commune",
      recordedBy: [ants, "commune-operator"],
      recordedThrough: "hand",
    },
    {
      step: 13,
      milestone: "connected",
      title: "Raccordement effectif confirmé par l'ANTS",
      track: "common",
      requires: ["connectionDate"],
      onlyUnderObligation: false,
      party: "national-operator",
      recordedBy: [ants],
      recordedThrough: "hand",
    },
  ],
} as const satisfies { name: string; version: number; milestones: ReadonlyArray<MilestoneDefinition> };

/** The definition of one milestone. */
export const definitionOf = (milestone: Milestone): MilestoneDefinition =>
  machine.milestones.find((definition) => definition.milestone === milestone) as MilestoneDefinition;

/** How many days before the training the specimen file must reach ANTS. */
export const specimenLeadDays = 7;

const Reference = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200));
const Note = Schema.optionalKey(Schema.String.check(Schema.isMaxLength(2000)));
const plain = <M extends Milestone>(milestone: M) => Schema.Struct({ milestone: Schema.Literal(milestone), reference: Reference, note: Note });

/** What proves a milestone: a reference (file, mail, form number) and, for some, the facts it fixes. */
export const Evidence = Schema.Union([
  plain("census"),
  plain("adhesion"),
  Schema.Struct({
    milestone: Schema.Literal("conventionsReceived"),
    reference: Reference,
    note: Note,
    conventions: Schema.Array(Schema.String).check(Schema.isMinLength(2)),
  }),
  plain("connectionTriggered"),
  Schema.Struct({
    milestone: Schema.Literal("handOverAppointment"),
    reference: Reference,
    note: Note,
    appointmentOn: CalendarDate.CalendarDate,
    venue: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(300)),
  }),
  plain("firstCards"),
  plain("autonomy"),
  Schema.Struct({ milestone: Schema.Literal("editorContract"), reference: Reference, note: Note, editor: Schema.String.check(Schema.isMinLength(1)) }),
  plain("installation"),
  plain("specimenRequests"),
  Schema.Struct({
    milestone: Schema.Literal("trainingAndTest"),
    reference: Reference,
    note: Note,
    trainedBy: Schema.Literals(["editor", "commune"]),
  }),
  Schema.Struct({ milestone: Schema.Literal("connectionDate"), reference: Reference, note: Note, connectionOn: CalendarDate.CalendarDate }),
  plain("connected"),
]);
/** What proves a milestone. */
export type Evidence = typeof Evidence.Type;

/** Who did something, as the milestone keeps it. */
export const RecordedBy = Schema.Struct({ id: Schema.String, name: Schema.String, role: Schema.String, site: Schema.String });

/** A milestone reached: who, when, on what evidence. */
export const MilestoneRecord = Schema.Struct({ at: Schema.String, by: RecordedBy, evidence: Evidence });
/** A milestone reached. */
export type MilestoneRecord = typeof MilestoneRecord.Type;

// --- commands ---------------------------------------------------------------------------------

/**
 * Record a milestone with its evidence. `byHand` is set by the API's recording route (a person
 * typing the evidence); an operation of the platform that reaches a milestone records it without,
 * which is the only way a milestone recorded through an operation is recorded.
 */
export const RecordMilestone = Schema.TaggedStruct("RecordMilestone", { evidence: Evidence, byHand: Schema.optionalKey(Schema.Boolean) });
/** Why a milestone is withdrawn or an appointment moved, as the audit trail keeps it. */
const Reason = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(500));
/** Withdraw a milestone recorded by hand by mistake, with the reason (kept in the audit trail). */
export const WithdrawMilestone = Schema.TaggedStruct("WithdrawMilestone", { milestone: Milestone, reason: Reason });
/** Move a confirmed hand-over appointment to a new date and venue (a new invitation follows). */
export const MoveAppointment = Schema.TaggedStruct("MoveAppointment", {
  appointmentOn: CalendarDate.CalendarDate,
  venue: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(300)),
  reference: Reference,
  reason: Reason,
});
/**
 * The connection test passed (the platform's, on its last right specimen answer): recorded as the
 * `trainingAndTest` milestone now, or kept until its prerequisites are recorded, then recorded.
 */
export const RecordConnectionTestPassed = Schema.TaggedStruct("RecordConnectionTestPassed", {
  reference: Reference,
  trainedBy: Schema.Literals(["editor", "commune"]),
});
/** Declare whether the commune has or had a maternity (which puts it under the obligation). */
export const DeclareMaternity = Schema.TaggedStruct("DeclareMaternity", { hasMaternity: Schema.Boolean, reference: Reference });
/** Fix the date of the editor's training, which sets the specimen file's deadline. */
export const ScheduleTraining = Schema.TaggedStruct("ScheduleTraining", { trainingOn: CalendarDate.CalendarDate });
/** A new specimen file starts the connection test afresh: a pass kept from the previous file no longer stands. */
export const ResetConnectionTest = Schema.TaggedStruct("ResetConnectionTest", {});
/** Any onboarding command. */
export const Command = Schema.Union([
  RecordMilestone,
  DeclareMaternity,
  ScheduleTraining,
  WithdrawMilestone,
  MoveAppointment,
  RecordConnectionTestPassed,
  ResetConnectionTest,
]);
/** Any onboarding command. */
export type Command = typeof Command.Type;

// --- events -----------------------------------------------------------------------------------

/** A milestone was reached. */
export const MilestoneRecorded = Schema.TaggedStruct("MilestoneRecorded", { record: MilestoneRecord });
/** The maternity flag was declared. */
export const MaternityDeclared = Schema.TaggedStruct("MaternityDeclared", { hasMaternity: Schema.Boolean, reference: Reference });
/** The training date was fixed. */
export const TrainingScheduled = Schema.TaggedStruct("TrainingScheduled", { trainingOn: CalendarDate.CalendarDate });
/** A milestone recorded by mistake was withdrawn: who, when, why, and the record withdrawn. */
export const MilestoneWithdrawn = Schema.TaggedStruct("MilestoneWithdrawn", {
  milestone: Milestone,
  reason: Reason,
  at: Schema.String,
  by: RecordedBy,
  withdrawn: MilestoneRecord,
});
/** The hand-over appointment was moved: the new record, the previous date and venue, why. */
export const AppointmentMoved = Schema.TaggedStruct("AppointmentMoved", {
  record: MilestoneRecord,
  previous: Schema.Struct({ appointmentOn: CalendarDate.CalendarDate, venue: Schema.String }),
  reason: Reason,
});
/** The connection test passed before its prerequisites were recorded: its record waits for them. */
export const ConnectionTestPassed = Schema.TaggedStruct("ConnectionTestPassed", { record: MilestoneRecord });
/** The pass kept was dropped: a new specimen file restarted the test. */
export const ConnectionTestReset = Schema.TaggedStruct("ConnectionTestReset", {});
/** Any onboarding event. */
export const Event = Schema.Union([
  MilestoneRecorded,
  MaternityDeclared,
  TrainingScheduled,
  MilestoneWithdrawn,
  AppointmentMoved,
  ConnectionTestPassed,
  ConnectionTestReset,
]);
/** Any onboarding event. */
export type Event = typeof Event.Type;

// --- state ------------------------------------------------------------------------------------

/** Where a commune's onboarding stands. */
export const State = Schema.Struct({
  commune: InseeCode,
  underObligation: Schema.Boolean,
  trainingOn: Schema.optionalKey(CalendarDate.CalendarDate),
  milestones: Schema.Record(Schema.String, MilestoneRecord),
  /** A connection test passed before `trainingAndTest`'s prerequisites: recorded once they are. */
  testPassed: Schema.optionalKey(MilestoneRecord),
});
/** Where a commune's onboarding stands. */
export type State = typeof State.Type;

/** A commune that has not started. */
export const initial = (commune: InseeCode, underObligation = false): State => ({ commune, underObligation, milestones: {} });

// --- errors -----------------------------------------------------------------------------------

/** A milestone's prerequisites are not all reached. */
export class PrerequisiteMissing extends Schema.TaggedError<PrerequisiteMissing>()(
  "PrerequisiteMissing",
  {
    commune: Schema.String,
    milestone: Milestone,
    missing: Schema.Array(Milestone),
  },
  Problem.annotation<{ readonly milestone: string; readonly missing: ReadonlyArray<string> }>(
    409,
    "milestone-prerequisite-missing",
    "A prerequisite milestone is missing",
    (fields) => `${fields.milestone} needs ${fields.missing.join(", ")} first`,
  ),
) {}

/** The milestone was already reached. */
export class MilestoneAlreadyRecorded extends Schema.TaggedError<MilestoneAlreadyRecorded>()(
  "MilestoneAlreadyRecorded",
  {
    commune: Schema.String,
    milestone: Milestone,
  },
  Problem.annotation(409, "milestone-already-recorded", "The milestone is already recorded"),
) {}

/** The milestone does not apply to this commune (the census, for a commune never under the obligation). */
export class MilestoneNotApplicable extends Schema.TaggedError<MilestoneNotApplicable>()(
  "MilestoneNotApplicable",
  {
    commune: Schema.String,
    milestone: Milestone,
    reason: Schema.String,
  },
  Problem.annotation(422, "milestone-not-applicable", "The milestone does not apply to this commune"),
) {}

/** The actor's role may not record this milestone. */
export class MilestoneRoleNotAllowed extends Schema.TaggedError<MilestoneRoleNotAllowed>()(
  "MilestoneRoleNotAllowed",
  {
    milestone: Milestone,
    role: Schema.String,
    allowed: Schema.Array(Schema.String),
  },
  Problem.annotation(403, "milestone-role-not-allowed", "This role may not record this milestone"),
) {}

/** An editor acted on a commune that has not contracted with it. */
export class EditorNotContracted extends Schema.TaggedError<EditorNotContracted>()(
  "EditorNotContracted",
  {
    commune: Schema.String,
    editor: Schema.String,
  },
  Problem.annotation(403, "editor-not-contracted", "The editor has no contract with this commune"),
) {}

/** The obligation can no longer change: the commune has adhered on the other basis. */
export class ObligationAlreadySettled extends Schema.TaggedError<ObligationAlreadySettled>()(
  "ObligationAlreadySettled",
  {
    commune: Schema.String,
  },
  Problem.annotation(409, "obligation-already-settled", "The obligation can no longer change"),
) {}

/** The training cannot be scheduled yet, or any more. */
export class TrainingNotSchedulable extends Schema.TaggedError<TrainingNotSchedulable>()(
  "TrainingNotSchedulable",
  {
    commune: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(409, "training-not-schedulable", "The training cannot be scheduled now"),
) {}

/**
 * The conventions named as a milestone's evidence are not both validated, or are not this
 * commune's CARTES and COMEDEC (checked against the conventions, outside `decide`).
 */
export class ConventionsNotValidated extends Schema.TaggedError<ConventionsNotValidated>()(
  "ConventionsNotValidated",
  {
    commune: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(409, "conventions-not-validated", "Both conventions must be validated"),
) {}

/** The milestone follows an operation of the platform: that operation records it, not a hand. */
export class MilestoneRecordedByOperation extends Schema.TaggedError<MilestoneRecordedByOperation>()(
  "MilestoneRecordedByOperation",
  {
    commune: Schema.String,
    milestone: Milestone,
    operation: Schema.String,
  },
  Problem.annotation<{ readonly milestone: string; readonly operation: string }>(
    409,
    "milestone-recorded-by-operation",
    "This milestone is recorded by an operation of the platform, not by hand",
    (fields) => `${fields.milestone} is recorded by ${fields.operation}`,
  ),
) {}

/** The milestone cannot be withdrawn: not recorded, recorded by an operation, or others depend on it. */
export class MilestoneNotWithdrawable extends Schema.TaggedError<MilestoneNotWithdrawable>()(
  "MilestoneNotWithdrawable",
  {
    commune: Schema.String,
    milestone: Milestone,
    reason: Schema.String,
    /** The milestones recorded on it, to withdraw first. */
    dependents: Schema.Array(Milestone),
  },
  Problem.annotation<{ readonly reason: string }>(409, "milestone-not-withdrawable", "The milestone cannot be withdrawn", (fields) => fields.reason),
) {}

/** The hand-over appointment cannot be moved: none is recorded, or the cards were handed over. */
export class AppointmentNotMovable extends Schema.TaggedError<AppointmentNotMovable>()(
  "AppointmentNotMovable",
  {
    commune: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation<{ readonly reason: string }>(409, "appointment-not-movable", "The hand-over appointment cannot be moved", (fields) => fields.reason),
) {}

/** A commune under the obligation chose a connection date after the legal deadline. */
export class ConnectionDateAfterDeadline extends Schema.TaggedError<ConnectionDateAfterDeadline>()(
  "ConnectionDateAfterDeadline",
  {
    commune: Schema.String,
    connectionOn: CalendarDate.CalendarDate,
    deadline: CalendarDate.CalendarDate,
  },
  Problem.annotation<{ readonly connectionOn: string; readonly deadline: string }>(
    422,
    "connection-date-after-deadline",
    "A commune under the connection obligation must be connected by the deadline",
    (fields) => `${fields.connectionOn} is after the deadline of ${fields.deadline} (law 2016-1547, art. 114-XVII)`,
  ),
) {}

/** Every refusal `decide` can give. */
export type OnboardingError =
  | PrerequisiteMissing
  | MilestoneAlreadyRecorded
  | MilestoneNotApplicable
  | MilestoneRoleNotAllowed
  | EditorNotContracted
  | ObligationAlreadySettled
  | TrainingNotSchedulable
  | MilestoneRecordedByOperation
  | MilestoneNotWithdrawable
  | AppointmentNotMovable
  | ConnectionDateAfterDeadline;

// --- decide / evolve --------------------------------------------------------------------------

/** Whether a milestone applies to this commune. */
export const applies = (state: State, milestone: Milestone): boolean => state.underObligation || !definitionOf(milestone).onlyUnderObligation;

/** Whether a milestone is reached (a milestone that does not apply counts as reached). */
export const isDone = (state: State, milestone: Milestone): boolean => milestone in state.milestones || !applies(state, milestone);

/** The prerequisites of a milestone not yet reached. */
export const missingFor = (state: State, milestone: Milestone): ReadonlyArray<Milestone> =>
  definitionOf(milestone).requires.filter((required) => !isDone(state, required));

const recordedBy = (actor: Actor.Actor) => ({ id: actor.id, name: actor.name, role: actor.role, site: Site.siteKey(actor.site) });

/** What an actor asking for a change brings to the decision. */
export interface Context {
  readonly actor: Actor.Actor;
  readonly now: Date;
}

/** Decides which events a command produces, or why it is refused. Pure. */
export const decide = (state: State, command: Command, context: Context): Result.Result<ReadonlyArray<Event>, OnboardingError> => {
  switch (command._tag) {
    case "DeclareMaternity":
      if ("adhesion" in state.milestones) return Result.fail(new ObligationAlreadySettled({ commune: state.commune }));
      return Result.succeed([MaternityDeclared.make({ hasMaternity: command.hasMaternity, reference: command.reference })]);
    case "ScheduleTraining":
      if (!("editorContract" in state.milestones)) {
        return Result.fail(new TrainingNotSchedulable({ commune: state.commune, reason: "no editor contract recorded yet" }));
      }
      if ("trainingAndTest" in state.milestones) {
        return Result.fail(new TrainingNotSchedulable({ commune: state.commune, reason: "the training already took place" }));
      }
      return Result.succeed([TrainingScheduled.make({ trainingOn: command.trainingOn })]);
    case "RecordMilestone":
      return Result.map(decideMilestone(state, command.evidence, command.byHand === true, context), (events) => withTestPassed(state, events, context));
    case "WithdrawMilestone":
      return decideWithdrawal(state, command, context);
    case "MoveAppointment":
      return decideMove(state, command, context);
    case "ResetConnectionTest":
      // Nothing kept, or the test already recorded (the file is then sent for practice): nothing to drop.
      return Result.succeed(state.testPassed === undefined || "trainingAndTest" in state.milestones ? [] : [ConnectionTestReset.make({})]);
    case "RecordConnectionTestPassed": {
      const evidence: Evidence = { milestone: "trainingAndTest", reference: command.reference, trainedBy: command.trainedBy };
      if ("trainingAndTest" in state.milestones) return Result.fail(new MilestoneAlreadyRecorded({ commune: state.commune, milestone: "trainingAndTest" }));
      if (missingFor(state, "trainingAndTest").length === 0) return decideMilestone(state, evidence, false, context);
      // Passed before the first cards (or the file's milestone): kept, and recorded once they are.
      return Result.succeed([ConnectionTestPassed.make({ record: { at: context.now.toISOString(), by: recordedBy(context.actor), evidence } })]);
    }
  }
};

/** The editor acting must be the one under contract with the commune. */
const editorRefusal = (state: State, actor: Actor.Actor): EditorNotContracted | undefined => {
  if (actor.site._tag !== "editor") return undefined;
  const contract = state.milestones.editorContract?.evidence;
  const contracted = contract?.milestone === "editorContract" ? contract.editor : undefined;
  return contracted === actor.site.editor ? undefined : new EditorNotContracted({ commune: state.commune, editor: actor.site.editor });
};

const decideMilestone = (state: State, evidence: Evidence, byHand: boolean, { actor, now }: Context): Result.Result<ReadonlyArray<Event>, OnboardingError> => {
  const { milestone } = evidence;
  const definition = definitionOf(milestone);
  if (!definition.recordedBy.includes(actor.role)) {
    return Result.fail(new MilestoneRoleNotAllowed({ milestone, role: actor.role, allowed: [...definition.recordedBy] }));
  }
  if (byHand && definition.recordedThrough === "operation") {
    return Result.fail(
      new MilestoneRecordedByOperation({ commune: state.commune, milestone, operation: definition.operation ?? "an operation of the platform" }),
    );
  }
  if (!applies(state, milestone)) {
    return Result.fail(
      new MilestoneNotApplicable({ commune: state.commune, milestone, reason: "only communes under the connection obligation take part in the census" }),
    );
  }
  if (milestone in state.milestones) return Result.fail(new MilestoneAlreadyRecorded({ commune: state.commune, milestone }));
  const missing = missingFor(state, milestone);
  if (missing.length > 0) return Result.fail(new PrerequisiteMissing({ commune: state.commune, milestone, missing: [...missing] }));
  const editor = editorRefusal(state, actor);
  if (editor !== undefined) return Result.fail(editor);
  if (evidence.milestone === "connectionDate" && state.underObligation && evidence.connectionOn > connectionDeadline) {
    return Result.fail(new ConnectionDateAfterDeadline({ commune: state.commune, connectionOn: evidence.connectionOn, deadline: connectionDeadline }));
  }
  return Result.succeed([MilestoneRecorded.make({ record: { at: now.toISOString(), by: recordedBy(actor), evidence } })]);
};

/**
 * A connection test passed early is recorded with the milestone that completes its prerequisites
 * (the first cards, most often), in the same append: by whoever passed it, noting when.
 */
const withTestPassed = (state: State, events: ReadonlyArray<Event>, { now }: Context): ReadonlyArray<Event> => {
  const next = events.reduce(evolve, state);
  const passed = next.testPassed;
  if (passed === undefined || "trainingAndTest" in next.milestones || missingFor(next, "trainingAndTest").length > 0) return events;
  const note = `Test de raccordement réussi le ${passed.at.slice(0, 10)}, enregistré une fois ses prérequis atteints.`;
  return [...events, MilestoneRecorded.make({ record: { at: now.toISOString(), by: passed.by, evidence: { ...passed.evidence, note } } })];
};

/** The milestones recorded that require this one. */
const dependentsOf = (state: State, milestone: Milestone): ReadonlyArray<Milestone> =>
  machine.milestones
    .filter((definition) => (definition.requires as ReadonlyArray<Milestone>).includes(milestone) && definition.milestone in state.milestones)
    .map((definition) => definition.milestone);

const decideWithdrawal = (
  state: State,
  command: typeof WithdrawMilestone.Type,
  { actor, now }: Context,
): Result.Result<ReadonlyArray<Event>, OnboardingError> => {
  const { milestone } = command;
  const definition = definitionOf(milestone);
  if (!definition.recordedBy.includes(actor.role)) {
    return Result.fail(new MilestoneRoleNotAllowed({ milestone, role: actor.role, allowed: [...definition.recordedBy] }));
  }
  const refuse = (reason: string, dependents: ReadonlyArray<Milestone> = []) =>
    Result.fail(new MilestoneNotWithdrawable({ commune: state.commune, milestone, reason, dependents: [...dependents] }));
  if (definition.recordedThrough === "operation") {
    return refuse(`${milestone} is recorded by ${definition.operation ?? "an operation of the platform"}, not by hand: it cannot be withdrawn by hand`);
  }
  const record = state.milestones[milestone];
  if (record === undefined) return refuse(`${milestone} is not recorded`);
  const dependents = dependentsOf(state, milestone);
  if (dependents.length > 0)
    return refuse(`${dependents.join(", ")} ${dependents.length > 1 ? "are" : "is"} recorded on ${milestone}: withdraw first`, dependents);
  const editor = editorRefusal(state, actor);
  if (editor !== undefined) return Result.fail(editor);
  return Result.succeed([MilestoneWithdrawn.make({ milestone, reason: command.reason, at: now.toISOString(), by: recordedBy(actor), withdrawn: record })]);
};

const decideMove = (state: State, command: typeof MoveAppointment.Type, { actor, now }: Context): Result.Result<ReadonlyArray<Event>, OnboardingError> => {
  const definition = definitionOf("handOverAppointment");
  if (!definition.recordedBy.includes(actor.role)) {
    return Result.fail(new MilestoneRoleNotAllowed({ milestone: "handOverAppointment", role: actor.role, allowed: [...definition.recordedBy] }));
  }
  const current = state.milestones.handOverAppointment?.evidence;
  if (current?.milestone !== "handOverAppointment") {
    return Result.fail(new AppointmentNotMovable({ commune: state.commune, reason: "no hand-over appointment is recorded: confirm one first" }));
  }
  if ("firstCards" in state.milestones) {
    return Result.fail(new AppointmentNotMovable({ commune: state.commune, reason: "the first cards were handed over: the appointment took place" }));
  }
  if (current.appointmentOn === command.appointmentOn && current.venue === command.venue) {
    return Result.fail(new AppointmentNotMovable({ commune: state.commune, reason: "the appointment is already on that day at that venue" }));
  }
  const evidence: Evidence = { milestone: "handOverAppointment", reference: command.reference, appointmentOn: command.appointmentOn, venue: command.venue };
  return Result.succeed([
    AppointmentMoved.make({
      record: { at: now.toISOString(), by: recordedBy(actor), evidence },
      previous: { appointmentOn: current.appointmentOn, venue: current.venue },
      reason: command.reason,
    }),
  ]);
};

/** Applies one event to the state. Pure and total: events are facts already decided. */
export const evolve = (state: State, event: Event): State => {
  switch (event._tag) {
    case "MaternityDeclared":
      return { ...state, underObligation: event.hasMaternity };
    case "TrainingScheduled":
      return { ...state, trainingOn: event.trainingOn };
    case "MilestoneRecorded": {
      const next = { ...state, milestones: { ...state.milestones, [event.record.evidence.milestone]: event.record } };
      if (event.record.evidence.milestone !== "trainingAndTest") return next;
      const { testPassed: _recorded, ...rest } = next;
      return rest;
    }
    case "MilestoneWithdrawn": {
      const { [event.milestone]: _withdrawn, ...milestones } = state.milestones;
      return { ...state, milestones };
    }
    case "AppointmentMoved":
      return { ...state, milestones: { ...state.milestones, handOverAppointment: event.record } };
    case "ConnectionTestPassed":
      return { ...state, testPassed: event.record };
    case "ConnectionTestReset": {
      const { testPassed: _dropped, ...rest } = state;
      return rest;
    }
  }
};

// --- status -----------------------------------------------------------------------------------

/** Why a commune is late. */
export interface Overdue {
  readonly reason: "connection-deadline-missed" | "connection-date-passed" | "specimen-file-overdue";
  readonly dueOn: CalendarDate.CalendarDate;
}

/** The dues that apply to this state, met or not (the earliest unmet one makes the commune late). */
export const dues = (state: State): ReadonlyArray<Overdue> => {
  const result: Array<Overdue> = [];
  if (state.underObligation && !("connected" in state.milestones)) {
    result.push({ reason: "connection-deadline-missed", dueOn: connectionDeadline });
  }
  // The day the commune chose: passed without the connection, it is late from then (any commune).
  const chosen = state.milestones.connectionDate?.evidence;
  if (chosen?.milestone === "connectionDate" && !("connected" in state.milestones)) {
    result.push({ reason: "connection-date-passed", dueOn: chosen.connectionOn });
  }
  if (state.trainingOn !== undefined && !("specimenRequests" in state.milestones)) {
    result.push({ reason: "specimen-file-overdue", dueOn: CalendarDate.addDays(state.trainingOn, -specimenLeadDays) });
  }
  return result;
};

/** The first day on which the commune is late if nothing changes, or undefined. */
export const lateFrom = (state: State): CalendarDate.CalendarDate | undefined =>
  dues(state)
    .map((due) => CalendarDate.addDays(due.dueOn, 1))
    .sort()
    .at(0);

/** The answer to "where is this commune, what blocks it, who acts next, is it late". */
export interface Status {
  readonly commune: InseeCode;
  readonly underObligation: boolean;
  readonly connected: boolean;
  readonly done: ReadonlyArray<{ readonly milestone: Milestone; readonly at: string; readonly by: MilestoneRecord["by"] }>;
  readonly next: ReadonlyArray<{
    readonly milestone: Milestone;
    readonly title: string;
    readonly party: Party;
    readonly recordedBy: ReadonlyArray<Actor.Role>;
  }>;
  readonly blocked: ReadonlyArray<{ readonly milestone: Milestone; readonly missing: ReadonlyArray<Milestone> }>;
  readonly late: boolean;
  readonly overdue: ReadonlyArray<Overdue>;
  readonly trainingOn?: CalendarDate.CalendarDate;
  /** When the connection test passed, while `trainingAndTest` waits for its prerequisites. */
  readonly testPassedAt?: string;
}

/** Computes the status of a commune on a given day. */
export const status = (state: State, today: CalendarDate.CalendarDate): Status => {
  const pending = machine.milestones.filter((definition) => !isDone(state, definition.milestone));
  const overdue = dues(state).filter((due) => today > due.dueOn);
  return {
    commune: state.commune,
    underObligation: state.underObligation,
    connected: "connected" in state.milestones,
    done: machine.milestones.flatMap(({ milestone }) => {
      const record = state.milestones[milestone];
      return record === undefined ? [] : [{ milestone, at: record.at, by: record.by }];
    }),
    next: pending
      .filter((definition) => missingFor(state, definition.milestone).length === 0)
      .map(({ milestone, title, party, recordedBy }) => ({ milestone, title, party, recordedBy })),
    blocked: pending
      .map((definition) => ({ milestone: definition.milestone, missing: missingFor(state, definition.milestone) }))
      .filter((entry) => entry.missing.length > 0),
    late: overdue.length > 0,
    overdue,
    ...(state.trainingOn === undefined ? {} : { trainingOn: state.trainingOn }),
    ...(state.testPassed === undefined ? {} : { testPassedAt: state.testPassed.at }),
  };
};

/** The milestones reached, in graph order (what the directory indexes for filtering). */
export const reached = (state: State): ReadonlyArray<Milestone> =>
  machine.milestones.map((definition) => definition.milestone).filter((milestone) => milestone in state.milestones);
