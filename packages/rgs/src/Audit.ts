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

/** The audit trail. */
export class AuditTrail extends Context.Service<AuditTrail, { readonly verify: Effect.Effect<VerifyReport> }>()("@comedec/rgs/AuditTrail") {}
