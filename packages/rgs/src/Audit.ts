/**
 * The audit trail port: the hash-chained log every state change lands in. Verification recomputes
 * the chain from the rows alone, so a modified, deleted or reordered row is found.
 */
import { Context, Effect } from "effect";

/** What a verification of the trail found. */
export interface VerifyReport {
  readonly events: number;
  /** Signed checkpoints whose head the recomputed chain passes through. */
  readonly checkpoints: number;
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

/**
 * The head of the chain at a moment, signed with the platform's audit key. Verification recomputes
 * the chain and finds each checkpoint's hash on it: a forger who rewrites the rows and recomputes
 * every link still cannot sign the new head.
 */
export interface Checkpoint {
  readonly position: number;
  /** The chain's hash at `position` (hex). */
  readonly hash: string;
  readonly signedAt: string;
  /** SHA-256 of the signing key's SubjectPublicKeyInfo (hex). */
  readonly keyId: string;
  /** ECDSA P-256 / SHA-256 over `checkpointText`, DER (base64). */
  readonly signature: string;
}

/** The bytes a checkpoint's signature covers: they name the purpose, so no other signature of the key passes for one. */
export const checkpointText = (checkpoint: { readonly position: number; readonly hash: string; readonly signedAt: string }): Uint8Array =>
  new TextEncoder().encode(`COMEDEC audit checkpoint\n${checkpoint.position}\n${checkpoint.hash}\n${checkpoint.signedAt}`);

/** The platform's audit key (the PKI keeps it sealed with the CA's keys). */
export class CheckpointSigner extends Context.Service<
  CheckpointSigner,
  {
    readonly keyId: string;
    /** The public key, PEM (SubjectPublicKeyInfo), for auditors who check checkpoints themselves. */
    readonly publicKey: string;
    /** The signature of the data (base64 DER). */
    readonly sign: (data: Uint8Array) => Effect.Effect<string>;
    readonly verify: (data: Uint8Array, signature: string) => boolean;
  }
>()("@comedec/rgs/CheckpointSigner") {}

/** An event as a consumer of the log reads it. */
export interface FedEvent {
  readonly position: number;
  readonly stream: string;
  readonly type: string;
  readonly payload: unknown;
  readonly site: string;
  readonly recordedAt: string;
}

/** The event log read in order by named consumers (the worker's outbox), each with its own position. */
export class EventFeed extends Context.Service<
  EventFeed,
  {
    /** The events after the consumer's position, oldest first. */
    readonly read: (consumer: string, limit: number) => Effect.Effect<ReadonlyArray<FedEvent>>;
    /** Moves the consumer's position forward (never back). */
    readonly advance: (consumer: string, position: number) => Effect.Effect<void>;
  }
>()("@comedec/rgs/EventFeed") {}

/** The audit trail. */
export class AuditTrail extends Context.Service<
  AuditTrail,
  {
    readonly verify: Effect.Effect<VerifyReport>;
    /** The entries recorded by actors of one site (`commune:69123`, `prefecture:69`, `national`), oldest first, after a position. */
    readonly export: (site: string, after: number, limit: number) => Effect.Effect<ReadonlyArray<Entry>>;
    /**
     * Signs the current head and records it; undefined when the head is already checkpointed
     * (nothing happened since) or another process recorded it first.
     */
    readonly checkpoint: (
      sign: (head: {
        readonly position: number;
        readonly hash: string;
        readonly signedAt: string;
      }) => Effect.Effect<{ readonly keyId: string; readonly signature: string }>,
    ) => Effect.Effect<Checkpoint | undefined>;
    /** The recorded checkpoints, oldest first. */
    readonly checkpoints: Effect.Effect<ReadonlyArray<Checkpoint>>;
  }
>()("@comedec/rgs/AuditTrail") {}

/** Signs the current head of the chain with the platform's audit key (undefined when nothing happened since the last). */
export const checkpoint = Effect.gen(function* () {
  const trail = yield* AuditTrail;
  const signer = yield* CheckpointSigner;
  return yield* trail.checkpoint((head) => Effect.map(signer.sign(checkpointText(head)), (signature) => ({ keyId: signer.keyId, signature })));
});

/**
 * Verifies the trail: the chain recomputed from the rows, passing through every checkpoint, and
 * every checkpoint signed by the platform's audit key.
 */
export const verifyTrail = Effect.gen(function* () {
  const trail = yield* AuditTrail;
  const signer = yield* CheckpointSigner;
  const report = yield* trail.verify;
  if (!report.valid) return report;
  for (const signed of yield* trail.checkpoints) {
    if (signed.keyId !== signer.keyId || !signer.verify(checkpointText(signed), signed.signature)) {
      const reason = signed.keyId !== signer.keyId ? "checkpoint signed by an unknown key" : "checkpoint signature does not verify";
      return { ...report, valid: false, firstBreak: { position: signed.position, reason } } satisfies VerifyReport;
    }
  }
  return report;
});
