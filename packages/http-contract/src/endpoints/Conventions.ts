/**
 * The conventions: a commune submits its signed CARTES and COMEDEC conventions; ANTS records their
 * receipt, validates or rejects them. A commune's listing and submission are authorised on the
 * commune of the path; reading one convention on the nation first, then on its commune once read;
 * ANTS's processing on the nation. ANTS's queue lists them across communes, oldest submission
 * first, narrowed to the actor's site when `convention.read` reaches only its own.
 */
import { Change } from "@comedec/actor";
import { InseeCode } from "@comedec/commune";
import { Convention, ConventionNotFound } from "@comedec/convention";
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, Departement, ExpectedVersion, IdParams, Items } from "./Shared.js";

/** A convention as the API shows it: its state and its version (for `expectedVersion`). */
export const ConventionRecord = Schema.Struct({ ...Convention.State.fields, version: Schema.Int }).annotate({ identifier: "ConventionRecord" });
/** A convention as the API shows it. */
export type ConventionRecord = typeof ConventionRecord.Type;

// What the state machine may refuse, and a write decided on a stale version.
const decisionRefusals = [Convention.IllegalTransition, Convention.TransitionRoleNotAllowed, Convention.InvalidTerms, Change.ConcurrentModification] as const;

const onCommune = <P extends "convention.read" | "convention.submit">(permission: P) =>
  ({ _tag: "permission", permission, target: { _tag: "commune", in: "params", field: "code" } }) as const;

const processing = { _tag: "permission", permission: "convention.process", target: { _tag: "nation" } } as const;

/** The conventions of a commune. */
export const ofCommune = Endpoint.make({
  operationId: "listCommuneConventions",
  method: "get",
  path: "/communes/{code}/conventions",
  tag: "conventions",
  summary: "The conventions of a commune",
  params: CommuneParams,
  success: Items(ConventionRecord),
  errors: [],
  authorization: onCommune("convention.read"),
});

/** Which conventions the queue lists: one status, or `pending` — those ANTS must still act on (incomplete or received). */
export const QueueStatus = Schema.Literals(["pending", ...Convention.Status.literals]);

/** A convention of the queue: its record, its commune's name and when it was submitted. */
export const QueuedConvention = Schema.Struct({
  ...ConventionRecord.fields,
  communeName: Schema.String,
  submittedAt: Schema.String,
}).annotate({ identifier: "QueuedConvention" });
/** A convention of the queue. */
export type QueuedConvention = typeof QueuedConvention.Type;

/** A page of the queue, with the cursor of the next one (`null` on the last page). */
export const ConventionPage = Schema.Struct({ items: Schema.Array(QueuedConvention), nextCursor: Schema.NullOr(Schema.String) });

/** ANTS's queue of conventions, across communes. */
export const queue = Endpoint.make({
  operationId: "listConventions",
  method: "get",
  path: "/conventions",
  tag: "conventions",
  summary:
    "The conventions across communes, oldest submission first, by pages (status `pending`: incomplete or received); narrowed to the actor's site where its grant reaches only its own",
  query: Schema.Struct({
    status: Schema.optionalKey(QueueStatus),
    departement: Schema.optionalKey(Departement),
    commune: Schema.optionalKey(InseeCode.InseeCode),
    cursor: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\d{1,18}$/))),
    limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 200 }))),
  }),
  success: ConventionPage,
  errors: [],
  authorization: { _tag: "permission", permission: "convention.read", target: { _tag: "nation" } },
});

/** Submit a convention. */
export const submit = Endpoint.make({
  operationId: "submitConvention",
  method: "post",
  path: "/communes/{code}/conventions",
  tag: "conventions",
  summary: "Submit a convention signed by the mayor",
  params: CommuneParams,
  // The commune is the path's.
  body: Convention.Terms.mapFields(({ commune: _, ...rest }) => rest),
  success: ConventionRecord,
  status: 201,
  errors: decisionRefusals,
  authorization: onCommune("convention.submit"),
});

/** One convention. */
export const get = Endpoint.make({
  operationId: "getConvention",
  method: "get",
  path: "/conventions/{id}",
  tag: "conventions",
  summary: "One convention",
  params: IdParams,
  success: ConventionRecord,
  errors: [ConventionNotFound, Access.Forbidden],
  // On the nation first (role and credential), then on the commune of the convention read.
  authorization: { _tag: "permission", permission: "convention.read", target: { _tag: "resource", resource: "convention" } },
});

/** Record a convention's receipt. */
export const recordReceipt = Endpoint.make({
  operationId: "recordConventionReceipt",
  method: "post",
  path: "/conventions/{id}/receipt",
  tag: "conventions",
  summary: "Record that the signed convention reached ANTS (by post, two copies are required)",
  params: IdParams,
  body: Schema.Struct({ receipt: Convention.Receipt, expectedVersion: ExpectedVersion }),
  success: ConventionRecord,
  errors: [ConventionNotFound, ...decisionRefusals],
  authorization: processing,
});

/** Validate a convention. */
export const validate = Endpoint.make({
  operationId: "validateConvention",
  method: "post",
  path: "/conventions/{id}/validation",
  tag: "conventions",
  summary: "Validate a received convention",
  params: IdParams,
  body: Schema.Struct({ expectedVersion: ExpectedVersion }),
  success: ConventionRecord,
  errors: [ConventionNotFound, ...decisionRefusals],
  authorization: processing,
});

/** Reject a convention. */
export const reject = Endpoint.make({
  operationId: "rejectConvention",
  method: "post",
  path: "/conventions/{id}/rejection",
  tag: "conventions",
  summary: "Reject a convention, with reasons",
  params: IdParams,
  body: Schema.Struct({ reasons: Convention.Reject.fields.reasons, expectedVersion: ExpectedVersion }),
  success: ConventionRecord,
  errors: [ConventionNotFound, ...decisionRefusals],
  authorization: processing,
});

/** Every endpoint of the group. */
export const endpoints = [ofCommune, queue, submit, get, recordReceipt, validate, reject] as const;
