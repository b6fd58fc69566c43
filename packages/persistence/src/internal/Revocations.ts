/**
 * Certificates revoked in the PKI's register inside the caller's transaction, so a card's
 * revocation (or an agent's deletion) and its certificates' commit together. Each revocation is an
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

/** Revokes one certificate not revoked yet, with its event; false when it was already revoked (the first revocation wins). */
const revokeOne = async (db: Executor, serial: string, reason: Card.RevocationReason, at: Date): Promise<boolean> => {
  const stream = `certificate:${serial}`;
  const version =
    (await sql<{ next: number }>`SELECT coalesce(max(stream_version) + 1, 1)::int AS next FROM event_log WHERE stream = ${stream}`.execute(db)).rows[0]?.next ??
    1;
  const write = sql`UPDATE certificate SET revoked_at = ${at}, revocation_reason = ${reason} WHERE serial = ${serial} AND revoked_at IS NULL RETURNING serial`;
  const argument = appendArgument(
    stream,
    version,
    [{ type: "CertificateRevoked", payload: { serial, reason, revokedAt: at.toISOString() } }],
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

/** Revokes the serials (already revoked ones keep their first revocation); gives the ones it revoked. */
export const revokeSerials = async (db: Executor, serials: ReadonlyArray<string>, reason: Card.RevocationReason, at: Date): Promise<ReadonlyArray<string>> => {
  const revoked: Array<string> = [];
  for (const serial of serials) if (await revokeOne(db, serial, reason, at)) revoked.push(serial);
  if (revoked.length > 0) await markUnpublished(db);
  return revoked;
};

/** Revokes every certificate of a holder not revoked yet (an agent deleted). */
export const revokeHolder = async (db: Executor, holder: string, reason: Card.RevocationReason, at: Date): Promise<ReadonlyArray<string>> => {
  const serials = (
    await sql<{ serial: string }>`SELECT serial FROM certificate WHERE holder = ${holder}::uuid AND revoked_at IS NULL ORDER BY serial`.execute(db)
  ).rows.map((row) => row.serial);
  return revokeSerials(db, serials, reason, at);
};

/** Whether a certificate was revoked after the latest CRL took its number. */
export const unpublished = async (db: Executor): Promise<boolean> =>
  (
    await sql<{ unpublished: boolean }>`
      SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM crl_number) > coalesce((SELECT max(number) FROM crl), 0) AS unpublished`.execute(db)
  ).rows[0]?.unpublished ?? false;
