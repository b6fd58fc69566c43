/**
 * The steps that a hand-over and a renewal of certificates through the card agent share: the
 * operation open on a card, the certificates issued for the two CSRs the card signed (the same
 * ones again for the same keys; for other keys, the previous ones revoked as superseded before
 * new ones are issued, so no certificate stays valid for keys no card holds), the card's proof
 * that it holds the certified keys, and an operation abandoned with its certificates revoked.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import type { Actor } from "@comedec/actor";
import { type Card, CertificateAuthority, CertificateRegistry, KeyOperations } from "@comedec/card";
import { Rules } from "@comedec/rgs";
import { Effect } from "effect";
import { createPublicKey, randomBytes, verify } from "node:crypto";
import * as CsrKeys from "./CsrKeys.js";
import * as Personalisation from "./Personalisation.js";
import { now } from "./Writes.js";

const usages: ReadonlyArray<Card.KeyUsage> = ["authentication", "signature"];

/** What the card's authentication key signs to confirm an operation: its id and a fresh nonce, never reused. */
export const proofText = (operation: string): string => `COMEDEC preuve de possession des clés\n${operation}\n${randomBytes(24).toString("base64url")}`;

/** The card's open operation of this purpose, or the refusal that names it missing. */
export const openOf = Effect.fnUntraced(function* (card: string, purpose: KeyOperations.Purpose) {
  const open = yield* (yield* KeyOperations.KeyOperations).open(card);
  if (open === undefined || open.purpose !== purpose) return yield* new KeyOperations.KeyOperationNotFound({ card, purpose });
  return open;
});

/** The certificate references a card records, from an operation's issued certificates. */
export const refsOf = (certificates: Readonly<Record<Card.KeyUsage, KeyOperations.IssuedKey>>): Card.Certificates => ({
  authentication: certificates.authentication.ref,
  signature: certificates.signature.ref,
});

/**
 * Revokes (superseded) every certificate of the card the register holds unrevoked but the card does
 * not carry: an operation's earlier certificates, and any issued in an attempt the process stopped
 * in before recording it — so none stays valid for keys no card holds. The CRL is published after.
 */
const revokeStrays = Effect.fnUntraced(function* (card: Card.State, operation: KeyOperations.KeyOperation) {
  const registry = yield* CertificateRegistry;
  const carried = card.certificates === undefined ? [] : [card.certificates.authentication.serial, card.certificates.signature.serial];
  const recorded = operation.certificates === undefined ? [] : usages.map((usage) => operation.certificates?.[usage].ref.serial as string);
  const registered = registry.unrevokedOf === undefined ? recorded : [...new Set([...recorded, ...(yield* registry.unrevokedOf(card.id))])];
  const strays = registered.filter((serial) => !carried.includes(serial));
  if (strays.length > 0) yield* (yield* CertificateAuthority).revoke(strays, "superseded", yield* now);
});

/** Abandons an operation a new start replaces: its certificates are revoked first, so none outlives it. */
export const abandon = Effect.fnUntraced(function* (card: Card.State, operation: KeyOperations.KeyOperation, actor: Actor.Actor) {
  yield* revokeStrays(card, operation);
  const { id: _id, card: _card, purpose: _purpose, version: _version, ...content } = operation;
  yield* (yield* KeyOperations.KeyOperations).change(operation, { ...content, status: "abandoned" }, "KeyOperationAbandoned", actor);
});

/** Whether the certificates kept for an operation are for these keys and still good (a revocation since makes them useless). */
const stillFor = Effect.fnUntraced(function* (operation: KeyOperations.KeyOperation, keys: Readonly<Record<Card.KeyUsage, Uint8Array>>) {
  const certificates = operation.certificates;
  if (certificates === undefined) return false;
  if (!usages.every((usage) => Buffer.from(certificates[usage].publicKey).equals(Buffer.from(keys[usage])))) return false;
  const authority = yield* CertificateAuthority;
  const at = yield* now;
  const checked = yield* Effect.forEach(usages, (usage) =>
    authority.check(certificates[usage].der, at).pipe(
      Effect.as(true),
      Effect.catchTag("CertificateRefused", () => Effect.succeed(false)),
    ),
  );
  return checked.every(Boolean);
});

/**
 * Issues the two certificates of an operation from the CSRs the card signed at the agent. The two
 * keys must differ (RGS `certificate.separate-keys`); the CA checks each request (proof of
 * possession, key rules, the algorithm asked for, the subject the platform decided). A retry with
 * the same keys answers the certificates issued already; with other keys (the card lost the
 * first ones), those are revoked as superseded before new ones are issued.
 */
export const certify = Effect.fnUntraced(function* (
  card: Card.State,
  operation: KeyOperations.KeyOperation,
  csrs: Readonly<Record<Card.KeyUsage, Uint8Array>>,
  actor: Actor.Actor,
) {
  const keys = { authentication: yield* CsrKeys.publicKeyOf(csrs.authentication), signature: yield* CsrKeys.publicKeyOf(csrs.signature) };
  yield* Rules.enforce(Rules.rules.separateKeys, {
    authentication: Buffer.from(keys.authentication).toString("hex"),
    signature: Buffer.from(keys.signature).toString("hex"),
  });
  if (operation.toSign !== undefined && (yield* stillFor(operation, keys))) return operation;
  yield* revokeStrays(card, operation);
  const authority = yield* CertificateAuthority;
  const subject = yield* Personalisation.subjectOf(card);
  const issued = yield* Effect.forEach(usages, (usage) => authority.issueFromCsr({ csr: csrs[usage], subject, usage, algorithm: operation.algorithm }));
  const { id: _id, card: _card, purpose: _purpose, version: _version, ...content } = operation;
  return yield* (yield* KeyOperations.KeyOperations).change(
    operation,
    {
      ...content,
      status: "certified",
      certificates: { authentication: issued[0] as KeyOperations.IssuedKey, signature: issued[1] as KeyOperations.IssuedKey },
      toSign: proofText(operation.id),
    },
    "KeyOperationCertified",
    actor,
  );
});

/**
 * Checks the card's proof: the authentication certificate it read back from the card is the one
 * issued (so it was written there), the operation's text is signed by the key it certifies, and
 * the operation's certificates are still good (a retry with other keys revoked them).
 */
export const checkProof = Effect.fnUntraced(function* (
  operation: KeyOperations.KeyOperation,
  proof: { readonly signature: Uint8Array; readonly certificate: Uint8Array },
) {
  const refused = new KeyOperations.KeyOperationProofRefused({ card: operation.card, operation: operation.id });
  const certificates = operation.certificates;
  if (operation.status !== "certified" || certificates === undefined || operation.toSign === undefined) {
    return yield* new KeyOperations.KeyOperationOutOfStep({
      card: operation.card,
      operation: operation.id,
      reason: "no certificates were issued for the card's keys yet",
    });
  }
  if (!Buffer.from(proof.certificate).equals(Buffer.from(certificates.authentication.der))) return yield* refused;
  const toSign = operation.toSign;
  const signed = yield* Effect.sync(() => {
    try {
      const key = createPublicKey({ key: Buffer.from(certificates.authentication.publicKey), format: "der", type: "spki" });
      return verify("sha256", Buffer.from(toSign, "utf8"), key, proof.signature);
    } catch {
      return false;
    }
  });
  if (!signed) return yield* refused;
  if (!(yield* stillFor(operation, { authentication: certificates.authentication.publicKey, signature: certificates.signature.publicKey }))) {
    return yield* new KeyOperations.KeyOperationOutOfStep({
      card: operation.card,
      operation: operation.id,
      reason: "its certificates were revoked since: have the card's keys certified again",
    });
  }
});

/** Marks an operation completed once its card is published or renewed. */
export const complete = Effect.fnUntraced(function* (operation: KeyOperations.KeyOperation, actor: Actor.Actor) {
  const { id: _id, card: _card, purpose: _purpose, version: _version, ...content } = operation;
  return yield* (yield* KeyOperations.KeyOperations).change(operation, { ...content, status: "completed" }, "KeyOperationCompleted", actor);
});

/** Whether a card already carries an operation's certificates (its publication or renewal committed, the operation not marked completed yet). */
export const carries = (card: Card.State, operation: KeyOperations.KeyOperation): boolean =>
  operation.certificates !== undefined &&
  card.certificates?.authentication.serial === operation.certificates.authentication.ref.serial &&
  card.certificates?.signature.serial === operation.certificates.signature.ref.serial;
