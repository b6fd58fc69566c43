/**
 * Card-login challenges and sessions on SQL. A challenge is used up by one conditional UPDATE (a
 * replay finds it used). A session token reads `cmdcs_<uuid>.<secret>`: the secret (256 random
 * bits) is kept as SHA-256, compared in constant time; each request checks, in one query, that the
 * session is open and unexpired and that the certificate it was opened with is not revoked.
 * Opening and closing a session land in the audit trail. A holder's deactivation or deletion
 * closes their open sessions in its own transaction (`closeHolderSessions`): they end at once,
 * not when they expire, and a hold lifted later does not bring them back.
 */
import { Actor } from "@comedec/actor";
import { Sessions } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";
import { type Kysely, sql } from "kysely";
import { hash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { Database } from "./internal/Database.js";
import { appendArgument, appendStandalone } from "./internal/EventLog.js";
import { groupCommit } from "./internal/GroupCommit.js";
import type { Tables } from "./internal/Tables.js";

/**
 * Closes every open session of a holder inside the caller's transaction, each closing in the audit
 * trail as the actor's (the registrar who deactivated them), with the cause; gives how many.
 */
export const closeHolderSessions = async (db: Kysely<Tables>, holder: string, cause: string, actor: Actor.Actor, now: Date): Promise<number> => {
  const closed = await sql<{ id: string }>`
    UPDATE card_session SET closed_at = now() WHERE actor->>'id' = ${holder} AND closed_at IS NULL AND expires_at > now() RETURNING id::text`.execute(db);
  for (const row of closed.rows) await appendStandalone(db, `session:${row.id}`, [{ type: "SessionClosed", payload: { id: row.id, cause } }], actor, now);
  return closed.rows.length;
};

const format = new RegExp(`^${Sessions.tokenPrefix}([0-9a-f-]{36})\\.([A-Za-z0-9_-]{43})$`);
const hashOf = (secret: string) => hash("sha256", secret, "buffer");
const decodeActor = Schema.decodeUnknownSync(Actor.Actor);
const encodeActor = Schema.encodeSync(Actor.Actor);

/** Card sessions on the database. */
export const cardSessionsLayer = Layer.effect(
  Sessions.CardSessions,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const challenge = Effect.promise(async () => {
      const id = randomUUID();
      const nonce = randomBytes(32).toString("base64url");
      const expiresAt = new Date(Date.now() + Sessions.challengeSeconds * 1000);
      await sql`INSERT INTO login_challenge (id, nonce, expires_at) VALUES (${id}::uuid, ${nonce}, ${expiresAt})`.execute(db);
      return { id, nonce, expiresAt };
    });

    // Reading the challenge commits nothing: a login costs one durable commit, the one that opens the session.
    const pending = (id: string) =>
      Effect.promise(async () => {
        if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
        const result = await sql<{ nonce: string }>`
          SELECT nonce FROM login_challenge WHERE id = ${id}::uuid AND used_at IS NULL AND expires_at > now()`.execute(db);
        return result.rows[0];
      });

    /**
     * Opens the sessions of a batch in one statement: each challenge used up once (two answers to
     * one challenge open one session), the session rows, and their audited openings chained in one
     * append — one round trip and one commit for every login of the moment. Returns the ids opened.
     */
    const openBatch = async (batch: ReadonlyArray<PendingOpen>): Promise<ReadonlySet<string>> => {
      const input = JSON.stringify(
        batch.map((pending) => ({
          challenge: pending.challenge,
          id: pending.id,
          secret_hash: pending.secretHash,
          actor: pending.actor,
          serial: pending.serial,
          expires_at: pending.expiresAt,
          entry: pending.entry,
        })),
      );
      const result = await sql<{ id: string }>`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${input}::jsonb)
            AS i(challenge uuid, id uuid, secret_hash text, actor jsonb, serial text, expires_at timestamptz, entry jsonb)),
        chosen AS (SELECT DISTINCT ON (challenge) * FROM input ORDER BY challenge, id),
        -- The batch's challenges looked up by key (= ANY of an array), never joined: a join with the
        -- recordset, whose size the planner cannot know, was planned as a scan of every pending
        -- challenge through the expiry index (25,000 of them under load: 16 ms a batch instead of 1).
        used AS (
          UPDATE login_challenge c SET used_at = now()
          WHERE c.id = ANY (ARRAY(SELECT challenge FROM chosen)) AND c.used_at IS NULL AND c.expires_at > now() RETURNING c.id),
        opened AS (
          INSERT INTO card_session (id, secret_hash, actor, certificate_serial, expires_at)
          SELECT i.id, decode(i.secret_hash, 'hex'), i.actor, i.serial, i.expires_at FROM chosen i JOIN used u ON u.id = i.challenge
          RETURNING id),
        logged AS (SELECT append_event_batch(jsonb_agg(i.entry)) AS head FROM input i JOIN opened o ON o.id = i.id HAVING count(*) > 0)
        SELECT o.id::text AS id FROM opened o CROSS JOIN (SELECT count(head) FROM logged) AS chained`.execute(db);
      return new Set(result.rows.map((row) => row.id));
    };

    // Logins arriving while a batch commits wait for the next one.
    const openOne = groupCommit(async (batch: ReadonlyArray<PendingOpen>) => {
      const opened = await openBatch(batch);
      return new Set(batch.flatMap((pending, position) => (opened.has(pending.id) ? [position] : [])));
    }, largestBatch);

    const open = (challenge: string, actor: Actor.Actor, certificateSerial: string) =>
      Effect.promise(async () => {
        if (!/^[0-9a-f-]{36}$/.test(challenge)) return undefined;
        const id = randomUUID();
        const secret = randomBytes(32).toString("base64url");
        const expiresAt = new Date(Date.now() + Sessions.sessionMinutes * 60_000);
        const stream = `session:${id}`;
        const events = appendArgument(
          stream,
          1,
          [{ type: "SessionOpened", payload: { id, certificate: certificateSerial, expiresAt: expiresAt.toISOString() } }],
          actor,
          new Date(),
        );
        const opened = await openOne({
          challenge,
          id,
          secretHash: hashOf(secret).toString("hex"),
          actor: encodeActor(actor),
          serial: certificateSerial,
          expiresAt: expiresAt.toISOString(),
          entry: { stream, firstVersion: 1, events: JSON.parse(events) },
        });
        return opened ? { token: `${Sessions.tokenPrefix}${id}.${secret}`, expiresAt } : undefined;
      });

    const authenticate = (token: string) =>
      Effect.promise(async () => {
        const match = format.exec(token);
        if (match === null) return undefined;
        const [, id, secret] = match as unknown as [string, string, string];
        const result = await sql<{ secret_hash: Uint8Array; actor: unknown }>`
          SELECT s.secret_hash, s.actor FROM card_session s JOIN certificate c ON c.serial = s.certificate_serial
          WHERE s.id = ${id}::uuid AND s.closed_at IS NULL AND s.expires_at > now() AND c.revoked_at IS NULL AND c.not_after > now()`.execute(db);
        const row = result.rows[0];
        if (row === undefined || !timingSafeEqual(Buffer.from(row.secret_hash), hashOf(secret))) return undefined;
        return decodeActor(row.actor);
      });

    const close = (token: string) =>
      Effect.promise(async () => {
        const match = format.exec(token);
        if (match === null) return false;
        const [, id, secret] = match as unknown as [string, string, string];
        return db
          .transaction()
          .execute(async (trx) => {
            const result = await sql<{ actor: unknown; secret_hash: Uint8Array }>`
            UPDATE card_session SET closed_at = now() WHERE id = ${id}::uuid AND closed_at IS NULL RETURNING actor, secret_hash`.execute(trx);
            const row = result.rows[0];
            if (row === undefined || !timingSafeEqual(Buffer.from(row.secret_hash), hashOf(secret))) throw new SessionNotClosed();
            await appendStandalone(trx, `session:${id}`, [{ type: "SessionClosed", payload: { id } }], decodeActor(row.actor), new Date());
            return true;
          })
          .catch((error) => (error instanceof SessionNotClosed ? false : Promise.reject(error)));
      });

    return Sessions.CardSessions.of({ challenge, pending, open, authenticate, close });
  }),
);

/** A login waiting for its batch. */
interface PendingOpen {
  readonly challenge: string;
  readonly id: string;
  readonly secretHash: string;
  readonly actor: unknown;
  readonly serial: string;
  readonly expiresAt: string;
  readonly entry: { readonly stream: string; readonly firstVersion: number; readonly events: unknown };
}

/** At most this many logins share a statement. */
const largestBatch = 64;

/** Rolls back a close whose secret did not match. */
class SessionNotClosed extends Error {}
