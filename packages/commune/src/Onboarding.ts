/**
 * The onboarding (raccordement) of a commune to COMEDEC, DOMAIN.md §3: thirteen milestones that
 * form a prerequisite graph, not a line. The card track (conventions → connection triggered →
 * hand-over → first cards → autonomy) and the editor track (contract → installation → specimen
 * file) run in parallel and meet at the training and connection test. The census applies only to
 * communes under the connection obligation (a maternity on their territory, now or in the past).
 *
 * The graph is data (`machine`), read alike by `decide`, the API, the docs and the tests.
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
}

const ants = "national-administrator" as const;

/** The onboarding state machine, versioned: a change of graph is a new version. */
export const machine = {
  name: "commune-onboarding",
  version: 1,
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

/** Record a milestone with its evidence. */
export const RecordMilestone = Schema.TaggedStruct("RecordMilestone", { evidence: Evidence });
/** Declare whether the commune has or had a maternity (which puts it under the obligation). */
export const DeclareMaternity = Schema.TaggedStruct("DeclareMaternity", { hasMaternity: Schema.Boolean, reference: Reference });
/** Fix the date of the editor's training, which sets the specimen file's deadline. */
export const ScheduleTraining = Schema.TaggedStruct("ScheduleTraining", { trainingOn: CalendarDate.CalendarDate });
/** Any onboarding command. */
export const Command = Schema.Union([RecordMilestone, DeclareMaternity, ScheduleTraining]);
/** Any onboarding command. */
export type Command = typeof Command.Type;

// --- events -----------------------------------------------------------------------------------

/** A milestone was reached. */
export const MilestoneRecorded = Schema.TaggedStruct("MilestoneRecorded", { record: MilestoneRecord });
/** The maternity flag was declared. */
export const MaternityDeclared = Schema.TaggedStruct("MaternityDeclared", { hasMaternity: Schema.Boolean, reference: Reference });
/** The training date was fixed. */
export const TrainingScheduled = Schema.TaggedStruct("TrainingScheduled", { trainingOn: CalendarDate.CalendarDate });
/** Any onboarding event. */
export const Event = Schema.Union([MilestoneRecorded, MaternityDeclared, TrainingScheduled]);
/** Any onboarding event. */
export type Event = typeof Event.Type;

// --- state ------------------------------------------------------------------------------------

/** Where a commune's onboarding stands. */
export const State = Schema.Struct({
  commune: InseeCode,
  underObligation: Schema.Boolean,
  trainingOn: Schema.optionalKey(CalendarDate.CalendarDate),
  milestones: Schema.Record(Schema.String, MilestoneRecord),
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

/** Every refusal `decide` can give. */
export type OnboardingError =
  | PrerequisiteMissing
  | MilestoneAlreadyRecorded
  | MilestoneNotApplicable
  | MilestoneRoleNotAllowed
  | EditorNotContracted
  | ObligationAlreadySettled
  | TrainingNotSchedulable;

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
      return decideMilestone(state, command.evidence, context);
  }
};

const decideMilestone = (state: State, evidence: Evidence, { actor, now }: Context): Result.Result<ReadonlyArray<Event>, OnboardingError> => {
  const { milestone } = evidence;
  const definition = definitionOf(milestone);
  if (!definition.recordedBy.includes(actor.role)) {
    return Result.fail(new MilestoneRoleNotAllowed({ milestone, role: actor.role, allowed: [...definition.recordedBy] }));
  }
  if (!applies(state, milestone)) {
    return Result.fail(
      new MilestoneNotApplicable({ commune: state.commune, milestone, reason: "only communes under the connection obligation take part in the census" }),
    );
  }
  if (milestone in state.milestones) return Result.fail(new MilestoneAlreadyRecorded({ commune: state.commune, milestone }));
  const missing = missingFor(state, milestone);
  if (missing.length > 0) return Result.fail(new PrerequisiteMissing({ commune: state.commune, milestone, missing: [...missing] }));
  if (actor.site._tag === "editor") {
    const contract = state.milestones.editorContract?.evidence;
    const contracted = contract?.milestone === "editorContract" ? contract.editor : undefined;
    if (contracted !== actor.site.editor) return Result.fail(new EditorNotContracted({ commune: state.commune, editor: actor.site.editor }));
  }
  return Result.succeed([MilestoneRecorded.make({ record: { at: now.toISOString(), by: recordedBy(actor), evidence } })]);
};

/** Applies one event to the state. Pure and total: events are facts already decided. */
export const evolve = (state: State, event: Event): State => {
  switch (event._tag) {
    case "MaternityDeclared":
      return { ...state, underObligation: event.hasMaternity };
    case "TrainingScheduled":
      return { ...state, trainingOn: event.trainingOn };
    case "MilestoneRecorded":
      return { ...state, milestones: { ...state.milestones, [event.record.evidence.milestone]: event.record } };
  }
};

// --- status -----------------------------------------------------------------------------------

/** Why a commune is late. */
export interface Overdue {
  readonly reason: "connection-deadline-missed" | "specimen-file-overdue";
  readonly dueOn: CalendarDate.CalendarDate;
}

/** The dues that apply to this state, met or not (the earliest unmet one makes the commune late). */
export const dues = (state: State): ReadonlyArray<Overdue> => {
  const result: Array<Overdue> = [];
  if (state.underObligation && !("connected" in state.milestones)) {
    result.push({ reason: "connection-deadline-missed", dueOn: connectionDeadline });
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
  };
};

/** The milestones reached, in graph order (what the directory indexes for filtering). */
export const reached = (state: State): ReadonlyArray<Milestone> =>
  machine.milestones.map((definition) => definition.milestone).filter((milestone) => milestone in state.milestones);
