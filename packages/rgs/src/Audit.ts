/**
 * The audit trail port: the hash-chained log every state change lands in. Verification recomputes
 * the chain from the rows alone, so a modified, deleted or reordered row is found; and against the
 * signed checkpoints published outside the database (`CheckpointPublication`), so a rewrite that
 * recomputes every hash, a truncated tail or a deleted checkpoint is found too, at the first
 * position that does not match. Each checkpoint carries the Merkle root (RFC 9162) of the entries
 * it covers: a site checks its own export with inclusion proofs, without the other sites' entries.
 */
import { Context, Effect, Stream } from "effect";

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
  /** The Merkle tree head (RFC 9162 §2.1.1) of the entries 1 to `position` (hex); absent on checkpoints signed before trees. */
  readonly rootHash?: string;
  /** SHA-256 of the previous published checkpoint's `checkpointText` (hex; 64 zeros for the first): checkpoints form a chain of their own. */
  readonly previous?: string;
}

/**
 * A checkpoint as it is published outside the database: with the frontier of its tree (the roots
 * of the perfect subtrees its entries split into, largest first — all a verifier needs of the
 * entries before once they are purged) and the leaf hashes of the entries since the previous one,
 * so verification names the first position whose row differs from what was signed.
 */
export interface PublishedCheckpoint extends Checkpoint {
  readonly rootHash: string;
  readonly previous: string;
  readonly frontier: ReadonlyArray<string>;
  /** Leaf hashes (hex) of the entries after the previous checkpoint, up to `position`. */
  readonly leaves: ReadonlyArray<string>;
}

/** The `previous` of the first published checkpoint. */
export const noPreviousCheckpoint = "0".repeat(64);

/**
 * The bytes a checkpoint's signature covers: they name the purpose, so no other signature of the
 * key passes for one. A checkpoint with a tree (v2) signs its root, chain hash and predecessor too.
 */
export const checkpointText = (checkpoint: {
  readonly position: number;
  readonly hash: string;
  readonly signedAt: string;
  readonly rootHash?: string | undefined;
  readonly previous?: string | undefined;
}): Uint8Array =>
  new TextEncoder().encode(
    checkpoint.rootHash === undefined
      ? `COMEDEC audit checkpoint\n${checkpoint.position}\n${checkpoint.hash}\n${checkpoint.signedAt}`
      : `COMEDEC audit checkpoint v2\n${checkpoint.position}\n${checkpoint.rootHash}\n${checkpoint.hash}\n${checkpoint.previous ?? noPreviousCheckpoint}\n${checkpoint.signedAt}`,
  );

/** Where signed checkpoints are published outside the database: append-only, shipped elsewhere by the operator. */
export class CheckpointPublication extends Context.Service<
  CheckpointPublication,
  {
    /** Appends a checkpoint; never replaces one. */
    readonly publish: (checkpoint: PublishedCheckpoint) => Effect.Effect<void>;
    /** Every published checkpoint, oldest first. */
    readonly read: Effect.Effect<ReadonlyArray<PublishedCheckpoint>>;
  }
>()("@comedec/rgs/CheckpointPublication") {}

/** An RFC 9162 inclusion proof of one entry in the tree a checkpoint signs. */
export interface InclusionProof {
  /** The entry's index in the tree: its position minus one. */
  readonly leafIndex: number;
  readonly treeSize: number;
  /** The audit path (RFC 9162 §2.1.3.1), hex, nearest sibling first. */
  readonly auditPath: ReadonlyArray<string>;
}

/** An exported entry with what proves it is in the signed tree. */
export interface ProvenEntry extends Entry {
  /** The leaf's bytes (UTF-8): the entry's content as canonical JSON, keys sorted; its leaf hash is SHA-256(0x00 ‖ these bytes). */
  readonly leafInput: string;
  readonly proof: InclusionProof;
}

/** A site's export a verifier checks alone: the signed checkpoint and each entry it covers with its proof. */
export interface ProvenExport {
  readonly checkpoint: Checkpoint;
  readonly entries: ReadonlyArray<ProvenEntry>;
}

/**
 * A site's export as it is read: the signed checkpoint, then each entry with its proof, streamed
 * (an export of 100,000 entries is some 100 MB of JSON, never held whole). Read once.
 */
export interface ProvenStream {
  readonly checkpoint: Checkpoint;
  readonly entries: Stream.Stream<ProvenEntry>;
}

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
    /** The chain recomputed from the rows, through the checkpoints recorded in the database. */
    readonly verify: Effect.Effect<VerifyReport>;
    /**
     * The same, and against checkpoints published outside the database (their signatures are the
     * signer's to check): the chain of checkpoints, each tree from its leaves, each row against the
     * leaf signed for its position, the log reaching the last one, revocations kept in the register.
     */
    readonly verifyPublished: (published: ReadonlyArray<PublishedCheckpoint>) => Effect.Effect<VerifyReport>;
    /**
     * A site's entries covered by the latest published checkpoint, each with its inclusion proof,
     * streamed (undefined when nothing is published). The tree is made, and its root checked
     * against the signed one, before the checkpoint is given; an entry that no longer matches it
     * when it is read fails the stream (a defect) rather than leave with a proof that fails.
     */
    readonly exportProven: (site: string, published: ReadonlyArray<PublishedCheckpoint>) => Effect.Effect<ProvenStream | undefined>;
    /** The entries recorded by actors of one site (`commune:69123`, `prefecture:69`, `national`), oldest first, after a position. */
    readonly export: (site: string, after: number, limit: number) => Effect.Effect<ReadonlyArray<Entry>>;
    /**
     * Signs the current head after the latest published checkpoint (one process at a time),
     * records it and publishes it; undefined when the head is already checkpointed (nothing
     * happened since). Refuses (a defect) to sign a chain that does not verify from the latest
     * published checkpoint.
     */
    readonly checkpoint: (
      sign: (head: {
        readonly position: number;
        readonly hash: string;
        readonly signedAt: string;
        readonly rootHash: string;
        readonly previous: string;
      }) => Effect.Effect<{ readonly keyId: string; readonly signature: string }>,
      publication: CheckpointPublication["Service"],
    ) => Effect.Effect<Checkpoint | undefined>;
    /** The recorded checkpoints, oldest first. */
    readonly checkpoints: Effect.Effect<ReadonlyArray<Checkpoint>>;
  }
>()("@comedec/rgs/AuditTrail") {}

/** Signs the current head of the chain with the platform's audit key and publishes it (undefined when nothing happened since the last). */
export const checkpoint = Effect.gen(function* () {
  const trail = yield* AuditTrail;
  const signer = yield* CheckpointSigner;
  const publication = yield* CheckpointPublication;
  return yield* trail.checkpoint((head) => Effect.map(signer.sign(checkpointText(head)), (signature) => ({ keyId: signer.keyId, signature })), publication);
});

/** The first published checkpoint not signed by the audit key, as a break. */
const unsigned = (published: ReadonlyArray<Checkpoint>, signer: CheckpointSigner["Service"]) => {
  for (const signed of published) {
    if (signed.keyId !== signer.keyId) return { position: signed.position, reason: "published checkpoint signed by an unknown key" };
    if (!signer.verify(checkpointText(signed), signed.signature))
      return { position: signed.position, reason: "published checkpoint signature does not verify" };
  }
  return undefined;
};

/**
 * Verifies the trail against published checkpoints (by default the platform's publication): each
 * signed by the audit key, chained to the previous one, and the database's rows matching them.
 */
export const verifyAgainst = Effect.fnUntraced(function* (published: ReadonlyArray<PublishedCheckpoint>) {
  const trail = yield* AuditTrail;
  const signer = yield* CheckpointSigner;
  const report = yield* trail.verifyPublished(published);
  const forged = unsigned(published, signer);
  if (forged !== undefined && (report.valid || (report.firstBreak?.position ?? 0) > forged.position))
    return { ...report, valid: false, firstBreak: forged } satisfies VerifyReport;
  return report;
});

/**
 * Verifies the trail: the chain recomputed from the rows, matching every checkpoint published
 * outside the database and passing through every checkpoint recorded in it, each signed by the
 * platform's audit key.
 */
export const verifyTrail = Effect.gen(function* () {
  const trail = yield* AuditTrail;
  const signer = yield* CheckpointSigner;
  const published = yield* (yield* CheckpointPublication).read;
  const report = yield* verifyAgainst(published);
  if (!report.valid) return report;
  for (const signed of yield* trail.checkpoints) {
    if (signed.keyId !== signer.keyId || !signer.verify(checkpointText(signed), signed.signature)) {
      const reason = signed.keyId !== signer.keyId ? "checkpoint signed by an unknown key" : "checkpoint signature does not verify";
      return { ...report, valid: false, firstBreak: { position: signed.position, reason } } satisfies VerifyReport;
    }
  }
  return report;
});

/** A site's export with the inclusion proof of each entry against the latest published checkpoint, streamed: what the auditor's export writes as it goes. */
export const exportProvenStream = Effect.fnUntraced(function* (site: string) {
  const published = yield* (yield* CheckpointPublication).read;
  return yield* (yield* AuditTrail).exportProven(site, published);
});

/** The same export held whole (a small site's, a test's). */
export const exportProven = Effect.fnUntraced(function* (site: string) {
  const proven = yield* exportProvenStream(site);
  if (proven === undefined) return undefined;
  return { checkpoint: proven.checkpoint, entries: yield* Stream.runCollect(proven.entries) } satisfies ProvenExport;
});
