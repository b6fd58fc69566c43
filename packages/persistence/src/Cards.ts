/**
 * The card platform on SQL: cards and requests (state as JSON plus the columns listings filter
 * on), several records written in one transaction; secrets with their tries counted under a row
 * lock and each count written to the audit trail in the same transaction; the PKI's register of
 * certificates; the notification outbox, encrypted at rest.
 */
import type { Actor } from "@comedec/actor";
import { Change } from "@comedec/actor";
import { Agent } from "@comedec/agent";
import {
  Card,
  CardNotFound,
  CardNotifications,
  CardSecrets,
  CardStore,
  CertificateRegistry,
  type Commit,
  type IssuedCertificate,
  type Notification,
  type Recipients,
  Request,
  RequestNotFound,
  type RevokedCertificate,
  type Scope,
  type WithdrawnCertificate,
  type Write,
} from "@comedec/card";
import { Access } from "@comedec/rgs";
import { createHash } from "node:crypto";
import { Effect, Exit, Layer, Schema } from "effect";
import { type Kysely, sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendArgument, appendGuarded, type PendingEvent } from "./internal/EventLog.js";
import { releaseSerials, revokeSerials, unpublished } from "./internal/Revocations.js";
import { SealingKey, seal, unseal } from "./internal/Sealing.js";
import type { Tables } from "./internal/Tables.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decodeCard = Schema.decodeUnknownSync(Card.State);
const decodeRequest = Schema.decodeUnknownSync(Request.State);
const encodeCardEvent = Schema.encodeSync(Card.Event);
const encodeRequestEvent = Schema.encodeSync(Request.Event);

/** The log keeps the kind of document checked at hand-over, not its number (personal data stays in the card's row). */
const cardEventForLog = (event: Card.Event): PendingEvent => {
  const payload = encodeCardEvent(event) as Record<string, unknown>;
  if (event._tag === "CardPublished")
    return { type: event._tag, payload: { ...payload, handOver: { ...event.handOver, document: { type: event.handOver.document.type } } } };
  return { type: event._tag, payload };
};
const requestEventForLog = (event: Request.Event): PendingEvent => ({ type: event._tag, payload: encodeRequestEvent(event) });

/** The card stops working when its first certificate ends (ISO instants sort as text). */
const expiryOf = (state: Card.State): string | null =>
  state.certificates === undefined ? null : ([state.certificates.authentication.notAfter, state.certificates.signature.notAfter].sort()[0] ?? null);

const cardWrite = ({ expectedVersion, state, events }: Write<Card.State, Card.Event>) => {
  const version = expectedVersion + events.length;
  const json = JSON.stringify(state);
  const expires = expiryOf(state);
  return expectedVersion === 0
    ? sql`INSERT INTO card (id, holder, site_key, departement, status, first_card, expires_at, version, state)
          VALUES (${state.id}::uuid, ${state.holder}::uuid, ${Agent.siteKey(state.site)}, ${Agent.departementOf(state.site) ?? null}, ${state.status},
                  ${state.firstCard ?? null}, ${expires}::timestamptz, ${version}, ${json}::jsonb)
          ON CONFLICT (id) DO NOTHING RETURNING id`
    : sql`UPDATE card SET status = ${state.status}, expires_at = ${expires}::timestamptz, version = ${version}, state = ${json}::jsonb
          WHERE id = ${state.id}::uuid AND version = ${expectedVersion} RETURNING id`;
};

const requestWrite = ({ expectedVersion, state, events }: Write<Request.State, Request.Event>) => {
  const version = expectedVersion + events.length;
  const json = JSON.stringify(state);
  return expectedVersion === 0
    ? sql`INSERT INTO card_request (id, holder, site_key, departement, status, version, state)
          VALUES (${state.id}::uuid, ${state.holder}::uuid, ${Agent.siteKey(state.site)}, ${Agent.departementOf(state.site) ?? null}, ${state.status}, ${version}, ${json}::jsonb)
          ON CONFLICT (id) DO NOTHING RETURNING id`
    : sql`UPDATE card_request SET status = ${state.status}, version = ${version}, state = ${json}::jsonb
          WHERE id = ${state.id}::uuid AND version = ${expectedVersion} RETURNING id`;
};

class Stale {
  constructor(
    readonly stream: string,
    readonly expectedVersion: number,
  ) {}
}

const isFirstCardConflict = (defect: unknown) =>
  typeof defect === "object" &&
  defect !== null &&
  (defect as { code?: unknown }).code === "23505" &&
  String((defect as { message?: unknown }).message).includes("card_first_of_commune");

const scopeFilter = (scope: Scope) => {
  const conditions = [sql`true`];
  if (scope.site !== undefined) conditions.push(sql`site_key = ${Agent.siteKey(scope.site)}`);
  if (scope.departement !== undefined) conditions.push(sql`departement = ${scope.departement}`);
  if (scope.holder !== undefined) conditions.push(uuidPattern.test(scope.holder) ? sql`holder = ${scope.holder}::uuid` : sql`false`);
  return sql.join(conditions, sql` AND `);
};

/** The card store on the database. */
export const cardStoreLayer = Layer.effect(
  CardStore,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const loadRow = <S>(table: "card" | "card_request", id: string, decode: (value: unknown) => S) =>
      Effect.promise(async () => {
        if (!uuidPattern.test(id)) return undefined;
        const result = await sql<{ state: unknown; version: number }>`SELECT state, version FROM ${sql.table(table)} WHERE id = ${id}::uuid`.execute(db);
        const row = result.rows[0];
        return row === undefined ? undefined : { state: decode(row.state), version: row.version };
      });

    const load = (id: string) =>
      Effect.flatMap(loadRow("card", id, decodeCard), (found) => (found === undefined ? Effect.fail(new CardNotFound({ card: id })) : Effect.succeed(found)));
    const loadRequest = (id: string) =>
      Effect.flatMap(loadRow("card_request", id, decodeRequest), (found) =>
        found === undefined ? Effect.fail(new RequestNotFound({ request: id })) : Effect.succeed(found),
      );

    const writesOf = (commit: Commit) => [
      ...commit.cards.map((write) => ({
        stream: `card:${write.state.id}`,
        expectedVersion: write.expectedVersion,
        statement: cardWrite(write),
        events: write.events.map(cardEventForLog),
      })),
      ...commit.requests.map((write) => ({
        stream: `card-request:${write.state.id}`,
        expectedVersion: write.expectedVersion,
        statement: requestWrite(write),
        events: write.events.map(requestEventForLog),
      })),
    ];

    const commit = (commit: Commit): Effect.Effect<void, Change.ConcurrentModification> => {
      const writes = writesOf(commit);
      const revocations = commit.revocations ?? [];
      const releases = commit.releases ?? [];
      const single = writes.length === 1 && revocations.length === 0 && releases.length === 0 ? writes[0] : undefined;
      // One record: one statement (row write and chained events in a CTE), the common, fast case.
      const written =
        single !== undefined
          ? appendGuarded(db, single.statement, { stream: single.stream, expectedVersion: single.expectedVersion, events: single.events, actor: commit.actor })
          : Effect.tryPromise({
              try: () =>
                db.transaction().execute(async (trx) => {
                  const now = new Date();
                  for (const write of writes) {
                    const argument = appendArgument(write.stream, write.expectedVersion + 1, write.events, commit.actor, now);
                    const result =
                      await sql`WITH changed AS (${write.statement}) SELECT append_events(${write.stream}, ${write.expectedVersion + 1}, ${argument}::jsonb) FROM changed`.execute(
                        trx,
                      );
                    if (result.rows.length === 0) throw new Stale(write.stream, write.expectedVersion);
                  }
                  // The certificates the cards withdraw, in the register in the same transaction.
                  for (const revocation of revocations) await revokeSerials(trx, revocation.serials, revocation.reason, revocation.at);
                  // A resumed card's certificates leave the hold with it.
                  for (const release of releases) await releaseSerials(trx, release.serials, release.at);
                }),
              catch: (error) => error,
            }).pipe(
              Effect.catch((error) =>
                error instanceof Stale
                  ? Effect.fail(new Change.ConcurrentModification({ stream: error.stream, expectedVersion: error.expectedVersion }))
                  : Effect.die(error),
              ),
            );
      // Two first cards of the same kind for one commune: the second writer lost a race.
      return written.pipe(
        Effect.catchDefect((defect) =>
          isFirstCardConflict(defect)
            ? Effect.fail(new Change.ConcurrentModification({ stream: writes[0]?.stream ?? "card", expectedVersion: 0 }))
            : Effect.die(defect),
        ),
      );
    };

    const cards = (scope: Scope, filter: { readonly status?: ReadonlyArray<Card.Status>; readonly limit: number }) =>
      Effect.promise(async () => {
        const status = filter.status === undefined || filter.status.length === 0 ? sql`true` : sql`status IN (${sql.join(filter.status)})`;
        const result = await sql<{ state: Card.State; version: number }>`
          SELECT state, version FROM card WHERE ${scopeFilter(scope)} AND ${status} ORDER BY holder, id LIMIT ${filter.limit}`.execute(db);
        return result.rows;
      });

    const requests = (scope: Scope, filter: { readonly status?: Request.Status; readonly limit: number }) =>
      Effect.promise(async () => {
        const status = filter.status === undefined ? sql`true` : sql`status = ${filter.status}`;
        const result = await sql<{ state: Request.State; version: number }>`
          SELECT state, version FROM card_request WHERE ${scopeFilter(scope)} AND ${status} ORDER BY id LIMIT ${filter.limit}`.execute(db);
        return result.rows;
      });

    const expiring = (scope: Scope, before: string, limit: number) =>
      Effect.promise(async () => {
        const result = await sql<{ state: Card.State; version: number }>`
          SELECT state, version FROM card WHERE ${scopeFilter(scope)} AND status IN ('active', 'pin-blocked') AND expires_at < ${before}::timestamptz
          ORDER BY expires_at, id LIMIT ${limit}`.execute(db);
        return result.rows;
      });

    const ended = (before: string, limit: number) =>
      Effect.promise(async () => {
        const result = await sql<{ state: Card.State; version: number }>`
          SELECT state, version FROM card WHERE status IN ('active', 'pin-blocked', 'suspended') AND expires_at < ${before}::timestamptz
          ORDER BY expires_at, id LIMIT ${limit}`.execute(db);
        return result.rows;
      });

    // When a request was submitted is the instant its first event was recorded in the trail.
    const waitingRevocations = (before: string, limit: number) =>
      Effect.promise(async () => {
        const result = await sql<{ state: Request.State; recorded_at: Date | string }>`
          SELECT r.state, e.recorded_at FROM card_request r
          JOIN event_log e ON e.stream = 'card-request:' || r.id AND e.stream_version = 1
          WHERE r.status = 'pending-validation' AND r.state->>'kind' = 'revocation' AND e.recorded_at < ${before}::timestamptz
          ORDER BY e.recorded_at LIMIT ${limit}`.execute(db);
        return result.rows.map((row) => ({ request: row.state, submittedAt: new Date(row.recorded_at) }));
      });

    // A serial is printed on one card; a renewal card has its own. The index (migration 0014) keeps the lookup off a scan.
    const inForceBySerial = (serial: string) =>
      Effect.promise(async () => {
        const result = await sql<{ state: unknown; version: number }>`
          SELECT state, version FROM card WHERE state->>'serial' = ${serial} AND status IN ('active', 'pin-blocked') ORDER BY id LIMIT 1`.execute(db);
        const row = result.rows[0];
        return row === undefined ? undefined : { state: decodeCard(row.state), version: row.version };
      });

    return CardStore.of({ load, loadRequest, inForceBySerial, commit, cards, requests, expiring, ended, waitingRevocations });
  }),
);

/** Runs a counting update under its row lock, then appends its audit event with the version the row returned. */
const countAndAudit = async (
  db: Kysely<Tables>,
  update: ReturnType<typeof sql<{ value: number; audit_version: number }>>,
  stream: string,
  event: (value: number) => PendingEvent,
  actor: Actor.Actor,
): Promise<number | undefined> =>
  db.transaction().execute(async (trx) => {
    const row = (await update.execute(trx)).rows[0];
    if (row === undefined) return undefined;
    const argument = appendArgument(stream, row.audit_version, [event(row.value)], actor, new Date());
    await sql`SELECT append_events(${stream}, ${row.audit_version}, ${argument}::jsonb)`.execute(trx);
    return row.value;
  });

type Counting = ReturnType<typeof sql<{ value: number; audit_version: number }>>;

/**
 * One try of a secret under its row's lock: the row is read `FOR UPDATE`, the caller's judge runs
 * on it with the caller's services (the slow hash, the clock), and the count the verdict calls for
 * is written and audited before the transaction commits — parallel tries of one secret are judged
 * one after the other, each on the count the previous one left. A judge's failure refuses the try
 * with nothing written.
 */
const tryUnderLock = Effect.fnUntraced(function* <Row, Stored, E>(
  db: Kysely<Tables>,
  valid: boolean,
  lock: ReturnType<typeof sql<Row>>,
  decode: (row: Row) => Stored,
  judge: (stored: Stored | undefined) => Effect.Effect<boolean, E>,
  count: (matched: boolean) => { readonly update: Counting; readonly event: (value: number) => PendingEvent } | undefined,
  stream: string,
  actor: Actor.Actor,
) {
  if (!valid) return { matched: yield* judge(undefined), value: undefined as number | undefined };
  const run = Effect.runPromiseExitWith(yield* Effect.context<never>());
  const exit = yield* Effect.promise(() =>
    db.transaction().execute(async (trx) => {
      const row = (await lock.execute(trx)).rows[0];
      const stored = row === undefined ? undefined : decode(row);
      const judged = await run(judge(stored));
      if (Exit.isFailure(judged) || row === undefined) return Exit.map(judged, (matched) => ({ matched, value: undefined as number | undefined }));
      const counting = count(judged.value);
      if (counting === undefined) return Exit.succeed({ matched: judged.value, value: undefined as number | undefined });
      const counted = (await counting.update.execute(trx)).rows[0] as { value: number; audit_version: number };
      const argument = appendArgument(stream, counted.audit_version, [counting.event(counted.value)], actor, new Date());
      await sql`SELECT append_events(${stream}, ${counted.audit_version}, ${argument}::jsonb)`.execute(trx);
      return Exit.succeed({ matched: judged.value, value: counted.value as number | undefined });
    }),
  );
  return yield* exit;
});

interface CodeRow {
  readonly hash: Uint8Array;
  readonly salt: Uint8Array;
  readonly attempts_left: number;
  readonly expires_at: Date;
  readonly used_at: Date | null;
  readonly letter_produced_at: Date | null;
}
const codeRow = (card: string, lock: ReturnType<typeof sql>) =>
  sql<CodeRow>`SELECT hash, salt, attempts_left, expires_at, used_at, letter_produced_at FROM activation_code WHERE card = ${card}::uuid ${lock}`;
const decodeCode = (row: CodeRow) => ({
  hash: row.hash,
  salt: row.salt,
  attemptsLeft: row.attempts_left,
  expiresAt: new Date(row.expires_at),
  used: row.used_at !== null,
  ...(row.letter_produced_at === null ? {} : { letterProducedAt: new Date(row.letter_produced_at) }),
});

interface QuestionsRow {
  readonly questions: ReadonlyArray<string>;
  readonly answer_hashes: ReadonlyArray<string>;
  readonly salt: Uint8Array;
  readonly failures: number;
  readonly set_by: string | null;
}
const questionsRow = (holder: string, lock: ReturnType<typeof sql>) =>
  sql<QuestionsRow>`SELECT questions, answer_hashes, salt, failures, set_by FROM holder_secret WHERE holder = ${holder}::uuid ${lock}`;
const decodeQuestions = (row: QuestionsRow) => ({
  questions: row.questions,
  answerHashes: row.answer_hashes.map((hash) => new Uint8Array(Buffer.from(hash, "hex"))),
  salt: row.salt,
  failures: row.failures,
  ...(row.set_by === null ? {} : { setBy: row.set_by }),
});

/** Card secrets on the database. */
export const cardSecretsLayer = Layer.effect(
  CardSecrets,
  Effect.gen(function* () {
    const { db } = yield* Database;
    const { key } = yield* SealingKey;
    const codeStream = (card: string) => `activation-code:${card}`;
    const holderStream = (holder: string) => `secret-questions:${holder}`;

    return CardSecrets.of({
      putCode: (card, code, attempts, actor) =>
        Effect.promise(() =>
          countAndAudit(
            db,
            sql`INSERT INTO activation_code (card, hash, salt, attempts_left, expires_at, used_at, audit_version, letter, letter_produced_at)
                VALUES (${card}::uuid, ${Buffer.from(code.hash)}, ${Buffer.from(code.salt)}, ${attempts}, ${code.expiresAt}, NULL, 1,
                        ${seal(key, code.forLetter)}, NULL)
                ON CONFLICT (card) DO UPDATE SET hash = EXCLUDED.hash, salt = EXCLUDED.salt, attempts_left = EXCLUDED.attempts_left,
                  expires_at = EXCLUDED.expires_at, used_at = NULL, audit_version = activation_code.audit_version + 1,
                  letter = EXCLUDED.letter, letter_produced_at = NULL
                RETURNING attempts_left AS value, audit_version`,
            codeStream(card),
            () => ({ type: "ActivationCodeIssued", payload: { card, expiresAt: code.expiresAt.toISOString(), attempts } }),
            actor,
          ),
        ).pipe(Effect.asVoid),
      // The sealed code is read and erased under the row's lock, with its audit event: one caller gets it.
      takeForLetter: (card, actor) =>
        Effect.promise(async () => {
          if (!uuidPattern.test(card)) return undefined;
          return db.transaction().execute(async (trx) => {
            const held = (
              await sql<{ letter: Uint8Array | null; expires_at: Date }>`
                SELECT letter, expires_at FROM activation_code WHERE card = ${card}::uuid FOR UPDATE`.execute(trx)
            ).rows[0];
            if (held?.letter == null) return undefined;
            const row = (
              await sql<{ audit_version: number }>`
                UPDATE activation_code SET letter = NULL, letter_produced_at = now(), audit_version = audit_version + 1
                WHERE card = ${card}::uuid RETURNING audit_version`.execute(trx)
            ).rows[0] as { audit_version: number };
            const event = { type: "ActivationLetterProduced", payload: { card } };
            const argument = appendArgument(codeStream(card), row.audit_version, [event], actor, new Date());
            await sql`SELECT append_events(${codeStream(card)}, ${row.audit_version}, ${argument}::jsonb)`.execute(trx);
            return { code: unseal(key, held.letter), expiresAt: new Date(held.expires_at) };
          });
        }),
      code: (card) =>
        Effect.promise(async () => {
          if (!uuidPattern.test(card)) return undefined;
          const row = (await codeRow(card, sql``).execute(db)).rows[0];
          return row === undefined ? undefined : decodeCode(row);
        }),
      tryCode: (card, judge, actor) =>
        Effect.map(
          tryUnderLock(
            db,
            uuidPattern.test(card),
            codeRow(card, sql`FOR UPDATE`),
            decodeCode,
            judge,
            (matched) =>
              matched
                ? undefined
                : {
                    update: sql`UPDATE activation_code SET attempts_left = greatest(attempts_left - 1, 0), audit_version = audit_version + 1
                                WHERE card = ${card}::uuid RETURNING attempts_left AS value, audit_version`,
                    event: (left) => ({ type: "ActivationCodeRejected", payload: { card, attemptsLeft: left } }),
                  },
            codeStream(card),
            actor,
          ),
          ({ matched, value }) => ({ matched, attemptsLeft: value ?? 0 }),
        ),
      codeUsed: (card, actor) =>
        Effect.map(
          Effect.promise(() =>
            countAndAudit(
              db,
              sql`UPDATE activation_code SET used_at = now(), audit_version = audit_version + 1
                  WHERE card = ${card}::uuid AND used_at IS NULL AND attempts_left > 0 AND expires_at > now()
                  RETURNING attempts_left AS value, audit_version`,
              codeStream(card),
              () => ({ type: "ActivationCodeUsed", payload: { card } }),
              actor,
            ),
          ),
          (left) => left !== undefined,
        ),
      putQuestions: (holder, stored, actor) =>
        Effect.promise(() =>
          countAndAudit(
            db,
            sql`INSERT INTO holder_secret (holder, questions, answer_hashes, salt, failures, audit_version, set_by)
                VALUES (${holder}::uuid, ${JSON.stringify(stored.questions)}::jsonb, ${JSON.stringify(stored.answerHashes.map((hash) => Buffer.from(hash).toString("hex")))}::jsonb,
                        ${Buffer.from(stored.salt)}, 0, 1, ${actor.id})
                ON CONFLICT (holder) DO UPDATE SET questions = EXCLUDED.questions, answer_hashes = EXCLUDED.answer_hashes, salt = EXCLUDED.salt,
                  failures = 0, audit_version = holder_secret.audit_version + 1, set_by = EXCLUDED.set_by
                RETURNING failures AS value, audit_version`,
            holderStream(holder),
            () => ({ type: "SecretQuestionsSet", payload: { holder, questions: stored.questions.length } }),
            actor,
          ),
        ).pipe(Effect.asVoid),
      questions: (holder) =>
        Effect.promise(async () => {
          if (!uuidPattern.test(holder)) return undefined;
          const row = (await questionsRow(holder, sql``).execute(db)).rows[0];
          return row === undefined ? undefined : decodeQuestions(row);
        }),
      tryAnswers: (holder, judge, actor) =>
        Effect.map(
          tryUnderLock(
            db,
            uuidPattern.test(holder),
            questionsRow(holder, sql`FOR UPDATE`),
            decodeQuestions,
            judge,
            (matched) =>
              matched
                ? {
                    update: sql`UPDATE holder_secret SET failures = 0, audit_version = audit_version + 1 WHERE holder = ${holder}::uuid
                                RETURNING failures AS value, audit_version`,
                    event: () => ({ type: "SecretAnswersAccepted", payload: { holder } }),
                  }
                : {
                    update: sql`UPDATE holder_secret SET failures = failures + 1, audit_version = audit_version + 1 WHERE holder = ${holder}::uuid
                                RETURNING failures AS value, audit_version`,
                    event: (failures) => ({ type: "SecretAnswersRejected", payload: { holder, failures } }),
                  },
            holderStream(holder),
            actor,
          ),
          ({ matched, value }) => ({ matched, failures: value ?? 0 }),
        ),
      putPuk: (card, puk) =>
        Effect.promise(() =>
          sql`INSERT INTO card_puk (card, sealed) VALUES (${card}::uuid, ${seal(key, puk)}) ON CONFLICT (card) DO UPDATE SET sealed = EXCLUDED.sealed`.execute(
            db,
          ),
        ).pipe(Effect.asVoid),
      puk: (card) =>
        Effect.promise(async () => {
          const result = await sql<{ sealed: Uint8Array }>`SELECT sealed FROM card_puk WHERE card = ${card}::uuid`.execute(db);
          const row = result.rows[0];
          return row === undefined ? undefined : unseal(key, row.sealed);
        }),
    });
  }),
);

/** A row of the certificate register. */
export interface CertificateRow {
  serial: string;
  card: string;
  holder: string;
  usage: Card.KeyUsage;
  not_after: Date;
  der: Uint8Array;
  revoked_at: Date | null;
  revocation_reason: Card.CrlReason | null;
}

/** A register row as the PKI reads it. */
export const registeredOf = (row: CertificateRow): IssuedCertificate & { readonly revoked?: RevokedCertificate } => {
  const issued = { serial: row.serial, card: row.card, holder: row.holder, usage: row.usage, notAfter: new Date(row.not_after), der: row.der };
  return row.revoked_at === null
    ? issued
    : { ...issued, revoked: { serial: row.serial, revokedAt: new Date(row.revoked_at), reason: row.revocation_reason ?? "unspecified" } };
};

/** Who records the PKI's own events in the trail: the platform (the card's events name the person). */
const pkiActor = Access.platform;

const fingerprint = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");

// A certificate not revoked itself is still revoked once its card is, or its holder deleted.
const effectiveColumns = sql`c.serial, c.card, c.holder, c.usage, c.not_after, c.der,
  coalesce(c.revoked_at, (SELECT min(w.since) FROM certificate_withdrawn w WHERE w.serial = c.serial)) AS revoked_at,
  coalesce(c.revocation_reason, (SELECT w.reason FROM certificate_withdrawn w WHERE w.serial = c.serial ORDER BY w.since LIMIT 1)) AS revocation_reason`;

/** The PKI's register of certificates on the database, each change in the audit trail in the same statement. */
export const certificateRegistryLayer = Layer.effect(
  CertificateRegistry,
  Effect.gen(function* () {
    const { db } = yield* Database;
    type Row = CertificateRow;
    return CertificateRegistry.of({
      record: (certificate) =>
        appendGuarded(
          db,
          sql`INSERT INTO certificate (serial, card, holder, usage, not_after, der)
              VALUES (${certificate.serial}, ${certificate.card}::uuid, ${certificate.holder}::uuid, ${certificate.usage}, ${certificate.notAfter}, ${Buffer.from(certificate.der)})
              RETURNING serial`,
          {
            stream: `certificate:${certificate.serial}`,
            expectedVersion: 0,
            events: [
              {
                type: "CertificateIssued",
                payload: {
                  serial: certificate.serial,
                  card: certificate.card,
                  holder: certificate.holder,
                  usage: certificate.usage,
                  notAfter: certificate.notAfter.toISOString(),
                  sha256: fingerprint(certificate.der),
                },
              },
            ],
            actor: pkiActor,
          },
        ).pipe(Effect.orDie),
      revoke: (serials, reason, at) =>
        serials.length === 0
          ? Effect.void
          : Effect.promise(async () => {
              // One transaction: revoked by another process meanwhile, the serial is left as that one revoked it.
              await db.transaction().execute((trx) => revokeSerials(trx, serials, reason, at));
            }),
      release: (serials, at) =>
        serials.length === 0
          ? Effect.void
          : Effect.promise(async () => {
              await db.transaction().execute((trx) => releaseSerials(trx, serials, at));
            }),
      unpublished: Effect.promise(() => unpublished(db)),
      find: (serial) =>
        Effect.promise(async () => {
          const row = (await sql<Row>`SELECT ${effectiveColumns} FROM certificate c WHERE c.serial = ${serial}`.execute(db)).rows[0];
          return row === undefined ? undefined : registeredOf(row);
        }),
      nextCrlNumber: Effect.promise(async () =>
        BigInt((await sql<{ number: string }>`SELECT nextval('crl_number')::text AS number`.execute(db)).rows[0]?.number ?? "1"),
      ),
      saveCrl: (crl) =>
        appendGuarded(
          db,
          sql`INSERT INTO crl (number, this_update, next_update, entries, der)
              VALUES (${crl.number.toString()}::bigint, ${crl.thisUpdate}, ${crl.nextUpdate}, ${crl.entries}, ${Buffer.from(crl.der)}) RETURNING number`,
          {
            stream: `crl:${crl.number}`,
            expectedVersion: 0,
            events: [
              {
                type: "CrlPublished",
                payload: {
                  number: crl.number.toString(),
                  thisUpdate: crl.thisUpdate.toISOString(),
                  nextUpdate: crl.nextUpdate.toISOString(),
                  entries: crl.entries,
                  sha256: fingerprint(crl.der),
                },
              },
            ],
            actor: pkiActor,
          },
        ).pipe(Effect.orDie),
      // Ordered by the column, not by the text the select list casts it to (where "9" comes after "11").
      latestCrl: Effect.promise(async () => {
        const row = (
          await sql<{ number: string; this_update: Date; next_update: Date; entries: number; der: Uint8Array }>`
            SELECT number::text, this_update, next_update, entries, der FROM crl ORDER BY crl.number DESC LIMIT 1`.execute(db)
        ).rows[0];
        return row === undefined
          ? undefined
          : {
              number: BigInt(row.number),
              thisUpdate: new Date(row.this_update),
              nextUpdate: new Date(row.next_update),
              entries: row.entries,
              der: new Uint8Array(row.der),
            };
      }),
      revokedAt: (at) =>
        Effect.promise(async () => {
          const rows = (
            await sql<Pick<Row, "serial" | "revoked_at" | "revocation_reason">>`
              SELECT serial, revoked_at, revocation_reason FROM certificate WHERE revoked_at IS NOT NULL AND not_after > ${at}
              UNION ALL
              SELECT DISTINCT ON (w.serial) w.serial, w.since, w.reason FROM certificate_withdrawn w JOIN certificate c ON c.serial = w.serial
                WHERE c.not_after > ${at}
              ORDER BY serial`.execute(db)
          ).rows;
          return rows.map((row) => ({ serial: row.serial, revokedAt: new Date(row.revoked_at as Date), reason: row.revocation_reason ?? "unspecified" }));
        }),
      unrevokedOf: (card) =>
        Effect.promise(async () => {
          if (!uuidPattern.test(card)) return [];
          const rows = await sql<{ serial: string }>`SELECT serial FROM certificate WHERE card = ${card}::uuid AND revoked_at IS NULL ORDER BY serial`.execute(
            db,
          );
          return rows.rows.map((row) => row.serial);
        }),
      withdrawn: Effect.promise(async () => {
        const rows = (
          await sql<{ serial: string; card: string; holder: string; cause: WithdrawnCertificate["cause"]; since: Date; reason: Card.RevocationReason }>`
            SELECT DISTINCT ON (serial) serial, card::text, holder::text, cause, since, reason FROM certificate_withdrawn ORDER BY serial, since`.execute(db)
        ).rows;
        return rows
          .map((row) => ({ serial: row.serial, card: row.card, holder: row.holder, cause: row.cause, since: new Date(row.since), reason: row.reason }))
          .sort((a, b) => a.since.getTime() - b.since.getTime());
      }),
    });
  }),
);

/** The notification outbox on the database, bodies sealed. */
export const cardNotificationsLayer = Layer.effect(
  CardNotifications,
  Effect.gen(function* () {
    const { db } = yield* Database;
    const { key } = yield* SealingKey;
    return CardNotifications.of({
      send: (notification) =>
        Effect.promise(() =>
          sql`INSERT INTO notification (site_key, kind, sealed, source) VALUES (${Agent.siteKey(notification.site)}, ${notification.kind},
              ${seal(
                key,
                JSON.stringify({
                  subject: notification.subject,
                  body: notification.body,
                  site: notification.site,
                  ...(notification.recipients === undefined ? {} : { recipients: notification.recipients }),
                }),
              )}, ${notification.source ?? null})
              ON CONFLICT (source) DO NOTHING`.execute(db),
        ).pipe(Effect.asVoid),
      unsent: (limit, after) =>
        Effect.promise(async () => {
          // Paged by id: one kept because nobody can receive it does not hold up the ones after it.
          const rows = (
            await sql<{ id: string; kind: string; sealed: Uint8Array; created_at: Date }>`
              SELECT id::text, kind, sealed, created_at FROM notification WHERE sent_at IS NULL AND id > ${Number(after ?? 0)}
              ORDER BY id LIMIT ${limit}`.execute(db)
          ).rows;
          return rows.map((row) => {
            const content = JSON.parse(unseal(key, row.sealed)) as { subject: string; body: string; site: Agent.AgentSite; recipients?: Recipients };
            return { id: row.id, kind: row.kind as "activation-code", createdAt: new Date(row.created_at), ...content };
          });
        }),
      markSent: (ids) =>
        Effect.promise(async () => {
          if (ids.length === 0) return 0;
          const result = await sql`UPDATE notification SET sent_at = now() WHERE id = ANY(${ids.map(Number)}::bigint[]) AND sent_at IS NULL`.execute(db);
          return Number(result.numAffectedRows ?? 0n);
        }),
      inbox: (site, limit) =>
        Effect.promise(async () => {
          const rows = (
            await sql<{ id: string; kind: string; sealed: Uint8Array; created_at: Date; sent_at: Date | null }>`
              SELECT id::text, kind, sealed, created_at, sent_at FROM notification WHERE site_key = ${Agent.siteKey(site)} ORDER BY id DESC LIMIT ${limit}`.execute(
              db,
            )
          ).rows;
          return rows.map((row) => {
            const content = JSON.parse(unseal(key, row.sealed)) as { subject: string; body: string; site: Agent.AgentSite };
            return {
              id: row.id,
              kind: row.kind as Notification["kind"],
              createdAt: new Date(row.created_at),
              ...(row.sent_at === null ? {} : { sentAt: new Date(row.sent_at) }),
              ...content,
            };
          });
        }),
    });
  }),
);
