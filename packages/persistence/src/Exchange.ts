/**
 * The exchange on SQL: specimen files, requests (a specimen one with its expected outcome), and
 * the responses accepted with their signed bytes. A response is kept once: the request's
 * `answered_at` is set in the same statement as the response row and its audit event, so two
 * responses racing for one request give one acceptance. A specimen request answered wrong can be
 * answered again, without a new file: the right answer replaces the wrong one (the log keeps both). Responses arriving together are read in
 * one statement, and kept in one statement (one commit for all), as card logins are.
 */
import type { InseeCode } from "@comedec/commune";
import {
  type AcceptedResponse,
  AlreadyAnswered,
  ExchangeStore,
  VerificationRequestNotFound,
  type Request,
  type Response,
  Signer,
  type Specimen,
  type StoredRequest,
} from "@comedec/exchange";
import { Effect, Layer, Schema } from "effect";
import { sql } from "kysely";
import { type CertificateRow, registeredOf } from "./Cards.js";
import { Database } from "./internal/Database.js";
import { appendEntries, appendStandalone } from "./internal/EventLog.js";
import { batching, groupCommit } from "./internal/GroupCommit.js";

/** A row's columns under a `c_` prefix, each possibly null (a left join that found nothing). */
type Prefixed<Row> = { [Column in keyof Row as `c_${Column & string}`]: Row[Column] | null } & Record<string, unknown>;

/** A request row as the port reads it. */
const storedOf = (row: RequestRow): StoredRequest => ({
  request: row.request,
  ...(row.expected === null ? {} : { expected: row.expected }),
  ...(row.outcome === null
    ? {}
    : {
        answered: {
          outcome: row.outcome,
          passed: row.passed === true,
          signer: row.signer ?? "",
          signedAt: new Date(row.signed_at ?? 0),
          ...(row.responses === undefined || row.responses === null ? {} : { responses: Number(row.responses) }),
        },
      }),
});

// Only what the signer rules read: decoding the whole agent (identity, document) costs more on this hot path.
const decodeCandidate = Schema.decodeUnknownSync(Signer.Candidate);

/** The most responses one statement reads or keeps. */
const largestBatch = 200;

interface RequestRow {
  request: Request.VerificationRequest;
  expected: Response.Outcome | null;
  outcome: Response.Outcome | null;
  passed: boolean | null;
  signer: string | null;
  signed_at: Date | string | null;
  /** The responses accepted so far (events of the request's stream), read only for a request answered. */
  responses?: number | null;
}

/** The exchange store on the database. */
export const exchangeStoreLayer = Layer.effect(
  ExchangeStore,
  Effect.gen(function* () {
    const { db } = yield* Database;

    /**
     * Keeps the responses of a batch in one statement: each request claimed once (two responses to
     * one request keep the first), the response rows, and their audit events chained in one append
     * — one round trip and one commit for every response of the moment. Returns the positions kept.
     */
    const keepBatch = async (batch: ReadonlyArray<AcceptedResponse>): Promise<ReadonlySet<number>> => {
      const input = JSON.stringify(
        batch.map((accepted, ord) => {
          const { response } = accepted;
          const stream = `exchange:${response.request}`;
          const version = accepted.attempt ?? 1;
          const payload = {
            request: response.request,
            commune: response.commune,
            outcome: response.outcome._tag,
            signer: accepted.signer.agent,
            certificate: accepted.signer.certificate,
            signedAt: accepted.signedAt.toISOString(),
            passed: accepted.passed,
          };
          return {
            ord,
            request: response.request,
            commune: response.commune,
            outcome: response.outcome,
            signed: Buffer.from(accepted.signed.buffer, accepted.signed.byteOffset, accepted.signed.byteLength).toString("base64"),
            signer: accepted.signer.agent,
            serial: accepted.signer.certificate,
            signed_at: accepted.signedAt.toISOString(),
            passed: accepted.passed,
            entry: {
              stream,
              firstVersion: version,
              events: appendEntries(stream, version, [{ type: "ResponseAccepted", payload }], accepted.actor, new Date()),
            },
          };
        }),
      );
      const result = await sql<{ ord: number }>`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${input}::jsonb)
            AS i(ord integer, request text, commune text, outcome jsonb, signed text, signer text, serial text, signed_at timestamptz, passed boolean, entry jsonb)),
        chosen AS (SELECT DISTINCT ON (request) * FROM input ORDER BY request, ord),
        -- By the primary key (= ANY of an array): joined to the input, the planner scans the table.
        -- A request answered once is claimed no more, unless it is a specimen answered wrong: the
        -- mairie answers it again (the test is for learning), and the right answer replaces it.
        claimed AS (
          UPDATE exchange_request q SET answered_at = now()
          WHERE q.id = ANY (ARRAY(SELECT request FROM chosen))
            AND (q.answered_at IS NULL OR (q.specimen AND EXISTS (SELECT 1 FROM exchange_response s WHERE s.request = q.id AND NOT s.passed)))
          RETURNING q.id),
        kept AS (
          INSERT INTO exchange_response (request, commune, outcome, signed, signer, certificate_serial, signed_at, passed)
          SELECT i.request, i.commune, i.outcome, decode(i.signed, 'base64'), i.signer, i.serial, i.signed_at, i.passed
          FROM chosen i JOIN claimed c ON c.id = i.request
          ON CONFLICT (request) DO UPDATE SET outcome = excluded.outcome, signed = excluded.signed, signer = excluded.signer,
            certificate_serial = excluded.certificate_serial, signed_at = excluded.signed_at, passed = excluded.passed, received_at = now()
          RETURNING request),
        logged AS (SELECT append_event_batch(jsonb_agg(i.entry ORDER BY i.ord)) AS head FROM chosen i JOIN kept k ON k.request = i.request HAVING count(*) > 0)
        SELECT i.ord FROM chosen i JOIN kept k ON k.request = i.request CROSS JOIN (SELECT count(head) FROM logged) AS chained`.execute(db);
      return new Set(result.rows.map((row) => Number(row.ord)));
    };

    const keep = groupCommit(keepBatch, largestBatch);

    /**
     * What the responses of the moment are checked against, in one read: each request with its
     * answer if any, the register entry of the certificate that signed, and that certificate's
     * holder. Each item is looked up by its keys (a lateral join on the primary keys), whatever the
     * batch's size.
     */
    const loadBatch = async (batch: ReadonlyArray<{ readonly id: string; readonly serial: string }>) => {
      const rows = await sql<{ ord: number } & RequestRow & Prefixed<CertificateRow> & { signer_state: unknown }>`
        SELECT i.ord, q.request, q.expected, s.outcome, s.passed, s.signer, s.signed_at,
               CASE WHEN s.request IS NULL THEN NULL ELSE (SELECT count(*)::int FROM event_log e WHERE e.stream = 'exchange:' || i.id) END AS responses,
               c.serial AS c_serial, c.card AS c_card, c.holder AS c_holder, c.usage AS c_usage, c.not_after AS c_not_after,
               c.der AS c_der, c.revoked_at AS c_revoked_at, c.revocation_reason AS c_revocation_reason,
               -- Only what the signer rules read (Signer.Candidate): the rest of the agent is not parsed.
               (SELECT jsonb_object_agg(key, value) FROM jsonb_each(a.state) WHERE key IN ('id', 'status', 'site', 'profile', 'rights')) AS signer_state
        FROM jsonb_to_recordset(${JSON.stringify(batch.map((item, ord) => ({ ord, ...item })))}::jsonb) AS i(ord integer, id text, serial text)
        CROSS JOIN LATERAL (SELECT * FROM exchange_request WHERE id = i.id) AS q
        LEFT JOIN LATERAL (SELECT * FROM exchange_response WHERE request = i.id) AS s ON true
        LEFT JOIN LATERAL (SELECT * FROM certificate WHERE serial = i.serial) AS c ON true
        LEFT JOIN agent a ON a.id = c.holder`.execute(db);
      const found = new Map(rows.rows.map((row) => [Number(row.ord), row]));
      return batch.map((_, ord) => {
        const row = found.get(ord);
        if (row === undefined) return undefined;
        return {
          stored: storedOf(row),
          certificate:
            row.c_serial === null
              ? undefined
              : registeredOf({
                  serial: row.c_serial,
                  card: row.c_card,
                  holder: row.c_holder,
                  usage: row.c_usage,
                  not_after: row.c_not_after,
                  der: row.c_der,
                  revoked_at: row.c_revoked_at,
                  revocation_reason: row.c_revocation_reason,
                } as CertificateRow),
          signer: row.signer_state === null || row.signer_state === undefined ? undefined : decodeCandidate(row.signer_state),
        };
      });
    };

    const load = batching(loadBatch, largestBatch);

    return ExchangeStore.of({
      putSpecimenFile: (commune, file, planned, actor) =>
        Effect.promise(() =>
          db.transaction().execute(async (trx) => {
            await sql`INSERT INTO specimen_file (commune, file) VALUES (${commune}, ${JSON.stringify(file)}::jsonb)
                      ON CONFLICT (commune) DO UPDATE SET file = excluded.file, received_at = now()`.execute(trx);
            // A new file starts the test afresh: the previous file's specimen requests go, answered or not.
            await sql`DELETE FROM exchange_request WHERE commune = ${commune} AND specimen`.execute(trx);
            if (planned.length > 0) {
              await sql`INSERT INTO exchange_request (id, commune, specimen, request, expected, issued_at)
                        SELECT r->>'id', ${commune}, true, r->'request', r->'expected', (r->'request'->>'issuedAt')::timestamptz
                        FROM jsonb_array_elements(${JSON.stringify(planned.map((entry) => ({ id: entry.request.id, request: entry.request, expected: entry.expected })))}::jsonb) AS r`.execute(
                trx,
              );
            }
            // The acts are fictitious, but the log keeps what happened, not the file.
            await appendStandalone(
              trx,
              `specimen:${commune}`,
              [{ type: "SpecimenFileReceived", payload: { commune, acts: file.acts.length, requests: planned.length } }],
              actor,
              new Date(),
            );
          }),
        ),
      specimenFile: (commune) =>
        Effect.promise(async () => {
          const row = (await sql<{ file: Specimen.SpecimenFile }>`SELECT file FROM specimen_file WHERE commune = ${commune}`.execute(db)).rows[0];
          return row?.file;
        }),
      pending: (commune, limit) =>
        Effect.promise(async () => {
          // Waiting: the requests not answered, and the specimen requests answered wrong (answered again).
          const rows = await sql<{ request: Request.VerificationRequest }>`
            SELECT request FROM (
              (SELECT request, issued_at, id FROM exchange_request WHERE commune = ${commune} AND answered_at IS NULL ORDER BY issued_at, id LIMIT ${limit})
              UNION ALL
              (SELECT q.request, q.issued_at, q.id FROM exchange_request q JOIN exchange_response s ON s.request = q.id AND NOT s.passed
               WHERE q.commune = ${commune} AND q.specimen)
            ) AS waiting ORDER BY issued_at, id LIMIT ${limit}`.execute(db);
          return rows.rows.map((row) => row.request);
        }),
      loadForResponse: (id, certificateSerial) =>
        Effect.flatMap(
          Effect.promise(() => load({ id, serial: certificateSerial })),
          (context) => (context === undefined ? Effect.fail(new VerificationRequestNotFound({ id })) : Effect.succeed(context)),
        ),
      answer: (accepted) =>
        Effect.flatMap(
          Effect.promise(() => keep(accepted)),
          (kept) => (kept ? Effect.void : Effect.fail(new AlreadyAnswered({ id: accepted.response.request }))),
        ),
      testStatus: (commune: InseeCode.InseeCode) =>
        Effect.promise(async () => {
          const row = (
            await sql<{ total: number; answered: number; passed: number }>`
              SELECT count(*)::int AS total, count(q.answered_at)::int AS answered, count(*) FILTER (WHERE s.passed)::int AS passed
              FROM exchange_request q LEFT JOIN exchange_response s ON s.request = q.id
              WHERE q.commune = ${commune} AND q.specimen`.execute(db)
          ).rows[0];
          return { total: row?.total ?? 0, answered: row?.answered ?? 0, passed: row?.passed ?? 0 };
        }),
    });
  }),
);
