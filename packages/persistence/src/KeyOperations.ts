/**
 * The card agent's operations on the database (`key_operation`): each change guarded by the
 * version it was based on and appended to the audit trail in the same statement (stream
 * `key-operation:<id>`: the card, the purpose, the status and the certificates' serials — never
 * the document presented). The partial unique index keeps one open operation per card.
 */
import type { Actor } from "@comedec/actor";
import { type Card, KeyOperations } from "@comedec/card";
import { Effect, Layer } from "effect";
import { sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendGuarded } from "./internal/EventLog.js";

type Operation = KeyOperations.KeyOperation;

interface Row {
  readonly id: string;
  readonly card: string;
  readonly purpose: KeyOperations.Purpose;
  readonly status: KeyOperations.Status;
  readonly algorithm: Operation["algorithm"];
  readonly started_by: string;
  readonly reason: string;
  readonly hand_over: NonNullable<Operation["handOver"]> | null;
  readonly certificates: Record<Card.KeyUsage, { ref: Card.CertificateRef; der: string; publicKey: string }> | null;
  readonly to_sign: string | null;
  readonly version: number;
  readonly updated_at: Date | string;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const bytes = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

const certificatesJson = (certificates: Operation["certificates"]) =>
  certificates === undefined
    ? null
    : JSON.stringify({
        authentication: {
          ...certificates.authentication,
          der: base64(certificates.authentication.der),
          publicKey: base64(certificates.authentication.publicKey),
        },
        signature: { ...certificates.signature, der: base64(certificates.signature.der), publicKey: base64(certificates.signature.publicKey) },
      });

const decode = (row: Row): Operation => ({
  id: row.id,
  card: row.card,
  purpose: row.purpose,
  status: row.status,
  algorithm: row.algorithm,
  startedBy: row.started_by,
  reason: row.reason,
  version: row.version,
  changedAt: new Date(row.updated_at),
  ...(row.hand_over === null ? {} : { handOver: row.hand_over }),
  ...(row.to_sign === null ? {} : { toSign: row.to_sign }),
  ...(row.certificates === null
    ? {}
    : {
        certificates: {
          authentication: {
            ref: row.certificates.authentication.ref,
            der: bytes(row.certificates.authentication.der),
            publicKey: bytes(row.certificates.authentication.publicKey),
          },
          signature: {
            ref: row.certificates.signature.ref,
            der: bytes(row.certificates.signature.der),
            publicKey: bytes(row.certificates.signature.publicKey),
          },
        },
      }),
});

/** What the audit trail keeps of a change: no personal data, the certificates by serial. */
const payloadOf = (operation: Operation) => ({
  operation: operation.id,
  card: operation.card,
  purpose: operation.purpose,
  status: operation.status,
  algorithm: operation.algorithm,
  ...(operation.certificates === undefined
    ? {}
    : { certificates: { authentication: operation.certificates.authentication.ref.serial, signature: operation.certificates.signature.ref.serial } }),
});

const stream = (id: string) => `key-operation:${id}`;

/** The card agent's operations on the database. */
export const keyOperationsLayer = Layer.effect(
  KeyOperations.KeyOperations,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const write = (operation: Operation, expectedVersion: number, event: KeyOperations.KeyOperationEvent, actor: Actor.Actor) => {
      const handOver = operation.handOver === undefined ? null : JSON.stringify(operation.handOver);
      const statement =
        expectedVersion === 0
          ? // A second open operation on the card breaks the partial unique index: nothing is written, a conflict is answered.
            sql`INSERT INTO key_operation (id, card, purpose, status, algorithm, started_by, reason, hand_over, certificates, to_sign, version)
                VALUES (${operation.id}::uuid, ${operation.card}::uuid, ${operation.purpose}, ${operation.status}, ${operation.algorithm}, ${operation.startedBy},
                        ${operation.reason}, ${handOver}::jsonb, ${certificatesJson(operation.certificates)}::jsonb, ${operation.toSign ?? null}, 1)
                ON CONFLICT DO NOTHING RETURNING id`
          : sql`UPDATE key_operation SET status = ${operation.status}, algorithm = ${operation.algorithm}, started_by = ${operation.startedBy},
                  reason = ${operation.reason}, hand_over = ${handOver}::jsonb, certificates = ${certificatesJson(operation.certificates)}::jsonb,
                  to_sign = ${operation.toSign ?? null}, version = version + 1, updated_at = now()
                WHERE id = ${operation.id}::uuid AND version = ${expectedVersion} RETURNING id`;
      return Effect.as(
        appendGuarded(db, statement, { stream: stream(operation.id), expectedVersion, events: [{ type: event, payload: payloadOf(operation) }], actor }),
        { ...operation, version: expectedVersion + 1, changedAt: new Date() },
      );
    };

    return KeyOperations.KeyOperations.of({
      start: (operation, actor) => write({ ...operation, status: "started", version: 0 }, 0, "KeyOperationStarted", actor),
      open: (card) =>
        Effect.promise(async () => {
          const result = await sql<Row>`SELECT * FROM key_operation WHERE card = ${card}::uuid AND status IN ('started', 'certified')`.execute(db);
          const row = result.rows[0];
          return row === undefined ? undefined : decode(row);
        }),
      change: (expected, next, event, actor) =>
        write({ ...next, id: expected.id, card: expected.card, purpose: expected.purpose, version: expected.version }, expected.version, event, actor),
    });
  }),
);
