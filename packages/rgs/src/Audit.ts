/**
 * The audit trail port: the hash-chained log every state change lands in. Verification recomputes
 * the chain from the rows alone, so a modified, deleted or reordered row is found.
 */
import { Context, type Effect } from "effect";

/** What a verification of the trail found. */
export interface VerifyReport {
  readonly events: number;
  readonly valid: boolean;
  readonly firstBreak: { readonly position: number; readonly reason: string } | undefined;
}

/** One entry of the trail, as exported: what happened, who did it from which site, when, and its place in the chain. */
export interface Entry {
  readonly position: number;
  readonly stream: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly payload: unknown;
  readonly actorId: string;
  readonly actorRole: string;
  readonly site: string;
  readonly recordedAt: string;
  /** This entry's link in the chain (hex): an auditor recomputes it from the previous one. */
  readonly hash: string;
  readonly previousHash: string;
}

/** The audit trail. */
export class AuditTrail extends Context.Service<
  AuditTrail,
  {
    readonly verify: Effect.Effect<VerifyReport>;
    /** The entries recorded by actors of one site (`commune:69123`, `prefecture:69`, `national`), oldest first, after a position. */
    readonly export: (site: string, after: number, limit: number) => Effect.Effect<ReadonlyArray<Entry>>;
  }
>()("@comedec/rgs/AuditTrail") {}
