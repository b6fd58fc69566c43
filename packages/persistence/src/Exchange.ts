/**
 * The exchange on SQL: specimen files, requests (a specimen one with its expected outcome), and
 * the responses accepted with their signed bytes. A response is kept once: the request's
 * `answered_at` is set under its row lock in the same transaction as the response row and its
 * audit event, so two responses racing for one request give one acceptance.
 */
import type { InseeCode } from "@comedec/commune";
import { AlreadyAnswered, ExchangeStore, VerificationRequestNotFound, type Request, type Response, type Specimen } from "@comedec/exchange";
import { Effect, Layer } from "effect";
import { sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendStandalone } from "./internal/EventLog.js";

interface RequestRow {
  request: Request.VerificationRequest;
  expected: Response.Outcome | null;
  outcome: Response.Outcome | null;
  passed: boolean | null;
  signer: string | null;
  signed_at: Date | string | null;
}

/** The exchange store on the database. */
export const exchangeStoreLayer = Layer.effect(
  ExchangeStore,
  Effect.gen(function* () {
    const { db } = yield* Database;
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
          const rows = await sql<{ request: Request.VerificationRequest }>`
            SELECT request FROM exchange_request WHERE commune = ${commune} AND answered_at IS NULL ORDER BY issued_at, id LIMIT ${limit}`.execute(db);
          return rows.rows.map((row) => row.request);
        }),
      load: (id) =>
        Effect.flatMap(
          Effect.promise(
            async () =>
              (
                await sql<RequestRow>`
                  SELECT q.request, q.expected, s.outcome, s.passed, s.signer, s.signed_at
                  FROM exchange_request q LEFT JOIN exchange_response s ON s.request = q.id WHERE q.id = ${id}`.execute(db)
              ).rows[0],
          ),
          (row) =>
            row === undefined
              ? Effect.fail(new VerificationRequestNotFound({ id }))
              : Effect.succeed({
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
                        },
                      }),
                }),
        ),
      answer: (accepted) =>
        Effect.flatMap(
          Effect.promise(() =>
            db.transaction().execute(async (trx) => {
              const { response } = accepted;
              const claimed =
                await sql`UPDATE exchange_request SET answered_at = now() WHERE id = ${response.request} AND answered_at IS NULL RETURNING id`.execute(trx);
              if (claimed.rows.length === 0) return false;
              await sql`INSERT INTO exchange_response (request, commune, outcome, signed, signer, certificate_serial, signed_at, passed)
                        VALUES (${response.request}, ${response.commune}, ${JSON.stringify(response.outcome)}::jsonb, ${accepted.signed},
                                ${accepted.signer.agent}, ${accepted.signer.certificate}, ${accepted.signedAt.toISOString()}::timestamptz, ${accepted.passed})`.execute(
                trx,
              );
              await appendStandalone(
                trx,
                `exchange:${response.request}`,
                [
                  {
                    type: "ResponseAccepted",
                    payload: {
                      request: response.request,
                      commune: response.commune,
                      outcome: response.outcome._tag,
                      signer: accepted.signer.agent,
                      certificate: accepted.signer.certificate,
                      signedAt: accepted.signedAt.toISOString(),
                      passed: accepted.passed,
                    },
                  },
                ],
                accepted.actor,
                new Date(),
              );
              return true;
            }),
          ),
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
