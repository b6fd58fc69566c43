/**
 * The audit trail: ANTS's auditor verifies the whole hash chain through the signed checkpoints,
 * reads and signs checkpoints; a site's operators export what actors of their site recorded, with
 * each entry's links — or with its inclusion proof against the latest published checkpoint — so an
 * auditor can check them offline. The auditor's tasks are authorised on
 * the nation; an export on the nation first, then on the site it names.
 */
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

/** A site of the trail: `national`, `commune:<INSEE code>`, `prefecture:<département>`. */
export const SiteKey = Schema.String.check(
  Schema.isPattern(/^(national|commune:(\d{5}|2[AB]\d{3})|prefecture:(\d{2}|2A|2B|97[1-6]))$/, { message: "not a site key" }),
);

/** What a verification of the trail found. */
export const VerifyReport = Schema.Struct({
  events: Schema.Int,
  /** Signed checkpoints whose head the recomputed chain passes through. */
  checkpoints: Schema.Int,
  valid: Schema.Boolean,
  /** Where the chain first breaks; absent when it holds. */
  firstBreak: Schema.optional(Schema.Struct({ position: Schema.Int, reason: Schema.String })),
}).annotate({ identifier: "AuditVerification" });

/** The head of the chain at a moment, signed with the platform's audit key. */
export const Checkpoint = Schema.Struct({
  position: Schema.Int,
  /** The chain's hash at `position` (hex). */
  hash: Schema.String,
  signedAt: Schema.String,
  /** SHA-256 of the signing key's SubjectPublicKeyInfo (hex). */
  keyId: Schema.String,
  /** ECDSA P-256 / SHA-256 over the checkpoint's text, DER (base64). */
  signature: Schema.String,
  /** The RFC 9162 Merkle tree head of the entries 1 to `position` (hex); absent on checkpoints signed before trees. */
  rootHash: Schema.optionalKey(Schema.String),
  /** SHA-256 of the previous published checkpoint's text (hex; 64 zeros for the first). */
  previous: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "AuditCheckpoint" });

/** One entry of the trail as exported: what happened, who did it from which site, when, and its links. */
export const Entry = Schema.Struct({
  position: Schema.Int,
  stream: Schema.String,
  streamVersion: Schema.Int,
  type: Schema.String,
  payload: Schema.Unknown,
  actorId: Schema.String,
  actorRole: Schema.String,
  site: Schema.String,
  recordedAt: Schema.String,
  /** This entry's link in the chain (hex): an auditor recomputes it from the previous one. */
  hash: Schema.String,
  previousHash: Schema.String,
}).annotate({ identifier: "AuditEntry" });

const auditor = { _tag: "permission", permission: "audit.verify", target: { _tag: "nation" } } as const;

/** Verify the chain. */
export const verification = Endpoint.make({
  operationId: "verifyAuditTrail",
  method: "get",
  path: "/audit/verification",
  tag: "audit",
  summary: "Recompute the whole hash chain of the event log, through its signed checkpoints, and say where it first breaks, if anywhere",
  success: VerifyReport,
  errors: [],
  authorization: auditor,
});

/** The signed checkpoints. */
export const checkpoints = Endpoint.make({
  operationId: "listAuditCheckpoints",
  method: "get",
  path: "/audit/checkpoints",
  tag: "audit",
  summary: "The signed checkpoints of the chain, with the platform's audit key to check them offline",
  success: Schema.Struct({
    keyId: Schema.String,
    /** The audit key, PEM (SubjectPublicKeyInfo). */
    publicKey: Schema.String,
    items: Schema.Array(Checkpoint),
  }),
  errors: [],
  authorization: auditor,
});

/** The checkpoints published outside the database, for anyone to keep and compare. */
export const published = Endpoint.make({
  operationId: "listPublishedAuditCheckpoints",
  method: "get",
  path: "/audit/published-checkpoints",
  tag: "audit",
  summary:
    "The signed checkpoints as published outside the database, chained to one another, with the audit key: anyone keeps copies and compares them (no entry is disclosed)",
  success: Schema.Struct({
    keyId: Schema.String,
    /** The audit key, PEM (SubjectPublicKeyInfo). */
    publicKey: Schema.String,
    items: Schema.Array(Checkpoint),
  }),
  errors: [],
  authorization: { _tag: "public" },
});

/** Sign the head now. */
export const checkpoint = Endpoint.make({
  operationId: "signAuditCheckpoint",
  method: "post",
  path: "/audit/checkpoints",
  tag: "audit",
  summary: "Sign the chain's current head now (the platform also does it every hour)",
  // `null` when the head is already checkpointed (nothing happened since).
  success: Schema.Struct({ checkpoint: Schema.NullOr(Checkpoint) }),
  status: 201,
  errors: [],
  authorization: { _tag: "permission", permission: "audit.checkpoint", target: { _tag: "nation" } },
});

/** Export a site's entries. */
export const trail = Endpoint.make({
  operationId: "exportAuditTrail",
  method: "get",
  path: "/audit/trail",
  tag: "audit",
  summary: "The entries recorded by actors of one site, oldest first, with their chain links (paginated by position)",
  query: Schema.Struct({
    site: SiteKey,
    after: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))),
    limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 5000 }))),
  }),
  // `next` is the position to ask `after` next, `null` on an empty page.
  success: Schema.Struct({ items: Schema.Array(Entry), next: Schema.NullOr(Schema.Int) }),
  errors: [Access.Forbidden],
  // The site key is a target the contract does not name: the handler checks it.
  authorization: { _tag: "permission", permission: "audit.export", target: { _tag: "resource", resource: "site" } },
});

/** An exported entry with what proves it is in the signed tree (RFC 9162). */
export const ProvenEntry = Schema.Struct({
  ...Entry.fields,
  /** The leaf's bytes (UTF-8): the entry's content as canonical JSON, keys sorted; its leaf hash is SHA-256(0x00 ‖ these bytes). */
  leafInput: Schema.String,
  proof: Schema.Struct({
    /** The entry's index in the tree: its position minus one. */
    leafIndex: Schema.Int,
    treeSize: Schema.Int,
    /** The audit path (RFC 9162 §2.1.3.1), hex, nearest sibling first. */
    auditPath: Schema.Array(Schema.String),
  }),
}).annotate({ identifier: "AuditProvenEntry" });

/** Export a site's entries with their inclusion proofs. */
export const provenTrail = Endpoint.make({
  operationId: "exportProvenAuditTrail",
  method: "get",
  path: "/audit/trail/proven",
  tag: "audit",
  summary:
    "The entries recorded by actors of one site up to the latest published checkpoint, each with its RFC 9162 inclusion proof against that signed checkpoint, and the audit key: a verifier checks them alone, without the other sites' entries",
  query: Schema.Struct({ site: SiteKey }),
  // `checkpoint` is `null` (and `entries` empty) while no checkpoint is published.
  success: Schema.Struct({ publicKey: Schema.String, checkpoint: Schema.NullOr(Checkpoint), entries: Schema.Array(ProvenEntry) }).annotate({
    identifier: "AuditProvenExport",
  }),
  errors: [Access.Forbidden],
  authorization: { _tag: "permission", permission: "audit.export", target: { _tag: "resource", resource: "site" } },
});

/** Every endpoint of the group. */
export const endpoints = [verification, trail, provenTrail, checkpoints, checkpoint, published] as const;
