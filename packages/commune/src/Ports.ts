/**
 * The ports the commune domain needs from the outside: a directory of communes with their
 * onboarding, a store for onboarding streams, and the editors list. Adapters (PostgreSQL, PGlite,
 * HTTP) provide them; nothing here knows which.
 */
import type { Actor, Change } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import type { CalendarDate } from "./CalendarDate.js";
import type { Commune } from "./Commune.js";
import type { Editor, EditorNotFound } from "./Editor.js";
import type * as Forecast from "./Forecast.js";
import type { InseeCode } from "./InseeCode.js";
import type * as Onboarding from "./Onboarding.js";
import { Problem } from "@comedec/actor";

/** No commune has this code in the reference list. */
export class CommuneNotFound extends Schema.TaggedError<CommuneNotFound>()(
  "CommuneNotFound",
  { commune: Schema.String },
  Problem.annotation(404, "commune-not-found", "Unknown commune"),
) {}

/** A commune with where its onboarding stands, as listings show it. */
export interface CommuneSummary {
  readonly commune: Commune;
  readonly underObligation: boolean;
  readonly reached: ReadonlyArray<Onboarding.Milestone>;
  /** The first day the commune is late if nothing changes. */
  readonly lateFrom: CalendarDate | undefined;
}

/** Filters of the commune listing; every filter narrows. */
export interface CommuneQuery {
  /** Only this commune (a commune operator's listing). */
  readonly code?: string;
  readonly name?: string;
  readonly departement?: string;
  readonly region?: string;
  readonly reached?: Onboarding.Milestone;
  readonly notReached?: Onboarding.Milestone;
  readonly underObligation?: boolean;
  /** Late on this day (true) or not (false). */
  readonly late?: { readonly on: CalendarDate; readonly value: boolean };
  /** Code of the last commune of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

/** What an import of the reference list changed. */
export interface ImportReport {
  readonly total: number;
  readonly added: number;
  readonly renamed: number;
  readonly updated: number;
  readonly removed: number;
}

/** Counts of the deployment dashboard for one area (département or region). */
export interface AreaCounts {
  readonly area: string;
  readonly communes: number;
  readonly underObligation: number;
  readonly connected: number;
  readonly late: number;
  readonly reached: Readonly<Partial<Record<Onboarding.Milestone, number>>>;
}

/**
 * Every commune of a scope as the deployment map reads it, in parallel columns (entry i of each
 * is the i-th commune, in code order): 35,000 communes read as a handful of arrays, not 35,000
 * objects.
 */
export interface MapColumns {
  readonly codes: ReadonlyArray<string>;
  readonly names: ReadonlyArray<string>;
  readonly departements: ReadonlyArray<string>;
  readonly regions: ReadonlyArray<string>;
  /** Degrees; `undefined` where the gazetteer has no coordinates (about three communes in four). */
  readonly latitudes: ReadonlyArray<number | undefined>;
  readonly longitudes: ReadonlyArray<number | undefined>;
  /** The milestones reached: bit i set when the i-th of `Onboarding.Milestone` (the guide's order) is. */
  readonly milestones: ReadonlyArray<number>;
  readonly underObligation: ReadonlyArray<boolean>;
  /** Late on the day asked. */
  readonly late: ReadonlyArray<boolean>;
}

/** How many communes of a département reached a milestone in a month (the dashboard's trend). */
export interface MilestonesInMonth {
  /** YYYY-MM, in UTC. */
  readonly month: string;
  readonly departement: string;
  readonly milestone: Onboarding.Milestone;
  readonly count: number;
}

/** Which communes a dashboard reading covers: all, a département's, or one. */
export interface DashboardScope {
  readonly departement?: string;
  readonly code?: string;
}

/** The directory of communes. */
export class CommuneDirectory extends Context.Service<
  CommuneDirectory,
  {
    readonly find: (code: InseeCode) => Effect.Effect<CommuneSummary, CommuneNotFound>;
    readonly search: (query: CommuneQuery) => Effect.Effect<ReadonlyArray<CommuneSummary>>;
    /** Replaces the reference list: adds, renames, updates, and marks as removed what is gone. */
    readonly importReference: (communes: ReadonlyArray<Commune>, actor: Actor.Actor) => Effect.Effect<ImportReport>;
    readonly countsBy: (area: "departement" | "region", today: CalendarDate) => Effect.Effect<ReadonlyArray<AreaCounts>>;
    /**
     * What the forecast's paces pool: the started communes (a milestone reached) grouped by
     * département and the day of their first milestone (in this département only, when given).
     */
    readonly starts: (scope: { readonly departement?: string }) => Effect.Effect<ReadonlyArray<Forecast.Starts>>;
    /**
     * The communes the forecast may name: those under the obligation not connected yet (in this
     * département only, when given), in code order.
     */
    readonly obligedNotConnected: (scope: { readonly departement?: string }) => Effect.Effect<ReadonlyArray<Omit<Forecast.Progress, "startedOn">>>;
    /** Every commune of the scope with its place and progress, in code order (the deployment map). */
    readonly mapColumns: (scope: DashboardScope, today: CalendarDate) => Effect.Effect<MapColumns>;
    /** The milestones reached per month and département in the scope, oldest month first. */
    readonly milestonesByMonth: (scope: DashboardScope) => Effect.Effect<ReadonlyArray<MilestonesInMonth>>;
    /** Which of these codes the reference list holds or held (a place of birth may be a commune since merged). */
    readonly known: (codes: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>>;
  }
>()("@comedec/commune/CommuneDirectory") {}

/** An onboarding stream as loaded: its state and the version to decide against. */
export interface OnboardingSnapshot {
  readonly state: Onboarding.State;
  readonly version: number;
}

/** One event of a commune's onboarding, when, and who appended it: the actor's id, role and site key. */
export interface TimelineEntry {
  readonly version: number;
  readonly at: string;
  readonly event: Onboarding.Event;
  readonly by: { readonly id: string; readonly role: string; readonly site: string };
}

/** Where onboarding streams live. */
export class OnboardingStore extends Context.Service<
  OnboardingStore,
  {
    readonly load: (code: InseeCode) => Effect.Effect<OnboardingSnapshot, CommuneNotFound>;
    /** Appends events decided against `expectedVersion`, with the resulting state, atomically. */
    readonly append: (change: {
      readonly expectedVersion: number;
      readonly state: Onboarding.State;
      readonly events: ReadonlyArray<Onboarding.Event>;
      readonly actor: Actor.Actor;
    }) => Effect.Effect<OnboardingSnapshot, Change.ConcurrentModification>;
    /** Every event of the stream, oldest first, with who appended it (as the event log keeps it). */
    readonly history: (code: InseeCode) => Effect.Effect<ReadonlyArray<TimelineEntry>>;
  }
>()("@comedec/commune/OnboardingStore") {}

/** The list of compatible editors. */
export class EditorRegistry extends Context.Service<
  EditorRegistry,
  {
    readonly list: Effect.Effect<ReadonlyArray<Editor>>;
    readonly find: (id: string) => Effect.Effect<Editor, EditorNotFound>;
    readonly save: (editor: Editor, actor: Actor.Actor) => Effect.Effect<Editor>;
  }
>()("@comedec/commune/EditorRegistry") {}
