/**
 * Certificates revoked, put on hold or released in the PKI's register inside the caller's
 * transaction, so a card's revocation, suspension or resumption (or an agent's deletion) and its
 * certificates' commit together. Each revocation is an
 * event of the certificate's stream in the chain, and takes a CRL number: the latest CRL, numbered
 * before, is then known not to list it, and is replaced on the next read even when the
 * publication that follows the commit never runs (a process killed in between).
 */
import type { Card } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { type Kysely, sql, type Transaction } from "kysely";
import { appendArgument } from "./EventLog.js";
import type { Tables } from "./Tables.js";

type Executor = Kysely<Tables> | Transaction<Tables>;

/**
 * Revokes one certificate, with its event; false when it was left as it is. The first revocation
 * wins; a hold (`certificateHold`) takes only a certificate in force, and a revocation of a held
 * certificate replaces the hold's reason and keeps its date (out of use since the hold).
 */
const revokeOne = async (db: Executor, serial: string, reason: Card.CrlReason, at: Date): Promise<boolean> => {
  const stream = `certificate:${serial}`;
  const current = (
    await sql<{ revoked_at: Date | null; revocation_reason: string | null; next: number }>`
      SELECT revoked_at, revocation_reason,
             (SELECT coalesce(max(stream_version) + 1, 1)::int FROM event_log WHERE stream = ${stream}) AS next
      FROM certificate WHERE serial = ${serial} FOR UPDATE`.execute(db)
  ).rows[0];
  if (current === undefined) return false;
  const held = current.revocation_reason === "certificateHold";
  if (current.revoked_at !== null && (reason === "certificateHold" || !held)) return false;
  const revokedAt = held && current.revoked_at !== null ? new Date(current.revoked_at) : at;
  const write = sql`UPDATE certificate SET revoked_at = ${revokedAt}, revocation_reason = ${reason} WHERE serial = ${serial} RETURNING serial`;
  const event =
    reason === "certificateHold"
      ? { type: "CertificateHeld", payload: { serial, heldAt: at.toISOString() } }
      : { type: "CertificateRevoked", payload: { serial, reason, revokedAt: revokedAt.toISOString(), ...(held ? { wasHeld: true } : {}) } };
  const argument = appendArgument(stream, current.next, [event], Access.platform, new Date());
  const result = await sql`WITH changed AS (${write}) SELECT append_events(${stream}, ${current.next}, ${argument}::jsonb) FROM changed`.execute(db);
  return result.rows.length > 0;
};

/** Releases one held certificate (RFC 5280 removeFromCRL), with its event; false when it was not on hold. */
const releaseOne = async (db: Executor, serial: string, at: Date): Promise<boolean> => {
  const stream = `certificate:${serial}`;
  const version =
    (await sql<{ next: number }>`SELECT coalesce(max(stream_version) + 1, 1)::int AS next FROM event_log WHERE stream = ${stream}`.execute(db)).rows[0]?.next ??
    1;
  const write = sql`UPDATE certificate SET revoked_at = NULL, revocation_reason = NULL
    WHERE serial = ${serial} AND revocation_reason = 'certificateHold' RETURNING serial`;
  const argument = appendArgument(
    stream,
    version,
    [{ type: "CertificateReleased", payload: { serial, releasedAt: at.toISOString() } }],
    Access.platform,
    new Date(),
  );
  const result = await sql`WITH changed AS (${write}) SELECT append_events(${stream}, ${version}, ${argument}::jsonb) FROM changed`.execute(db);
  return result.rows.length > 0;
};

/**
 * Marks the latest CRL as not listing everything: a CRL number is taken, so the latest CRL's is
 * below the sequence's (`unpublished`). Run last in the transaction, the window in which a
 * concurrent publication could read without seeing the revocation and still carry the highest
 * number is as short as it can be; the reconciliation job covers that window.
 */
const markUnpublished = (db: Executor) => sql`SELECT nextval('crl_number')`.execute(db);

/** Revokes (or holds) the serials (already revoked ones keep their first revocation); gives the ones it changed. */
export const revokeSerials = async (db: Executor, serials: ReadonlyArray<string>, reason: Card.CrlReason, at: Date): Promise<ReadonlyArray<string>> => {
  const revoked: Array<string> = [];
  for (const serial of serials) if (await revokeOne(db, serial, reason, at)) revoked.push(serial);
  if (revoked.length > 0) await markUnpublished(db);
  return revoked;
};

/**
 * Releases the held serials among these; gives the ones it released. The latest CRL, which lists
 * them, is marked as not current, so the next read publishes one without them.
 */
export const releaseSerials = async (db: Executor, serials: ReadonlyArray<string>, at: Date): Promise<ReadonlyArray<string>> => {
  const released: Array<string> = [];
  for (const serial of serials) if (await releaseOne(db, serial, at)) released.push(serial);
  if (released.length > 0) await markUnpublished(db);
  return released;
};

/** Revokes every certificate of a holder not revoked yet, held ones included (an agent deleted). */
export const revokeHolder = async (db: Executor, holder: string, reason: Card.RevocationReason, at: Date): Promise<ReadonlyArray<string>> => {
  const serials = (
    await sql<{ serial: string }>`
      SELECT serial FROM certificate WHERE holder = ${holder}::uuid AND (revoked_at IS NULL OR revocation_reason = 'certificateHold') ORDER BY serial`.execute(
      db,
    )
  ).rows.map((row) => row.serial);
  return revokeSerials(db, serials, reason, at);
};

/** Whether a certificate was revoked after the latest CRL took its number. */
export const unpublished = async (db: Executor): Promise<boolean> =>
  (
    await sql<{ unpublished: boolean }>`
      SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM crl_number) > coalesce((SELECT max(number) FROM crl), 0) AS unpublished`.execute(db)
  ).rows[0]?.unpublished ?? false;
