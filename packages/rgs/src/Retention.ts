/**
 * The retention purge (RGS v2.0 annexe A2, §5.5.2): what has outlived the periods of
 * `Rules.retention` is deleted, and nothing sooner. The persistence adapter implements it in one
 * transaction; the worker runs it daily, an operator on demand.
 */
import type { Actor } from "@comedec/actor";
import { Context, type Effect } from "effect";

/** How many records of each kind a purge deleted. */
export interface PurgeReport {
  /** Event log rows older than 7 years, up to a signed checkpoint (kept as the chain's new start). */
  readonly eventLog: number;
  /** Registration files of deleted agents, 10 years after their last certificate expired. */
  readonly registrationFiles: number;
  /** Certificates 5 years after they expired. */
  readonly certificates: number;
  /** CRLs 5 years after their next update (never the latest). */
  readonly crls: number;
  /** Login challenges and card sessions a day after they ended (their events stay in the log). */
  readonly loginChallenges: number;
  readonly sessions: number;
}

/** Login challenges and card sessions are kept this long after they end (their events stay in the log). */
export const sessionRetentionDays = 1;

/** The purge, as of a day, by an actor; what it deleted is itself recorded in the audit trail (`RetentionPurged`). */
export class Retention extends Context.Service<Retention, { readonly purge: (on: Date, by: Actor.Actor) => Effect.Effect<PurgeReport> }>()(
  "@comedec/rgs/Retention",
) {}
