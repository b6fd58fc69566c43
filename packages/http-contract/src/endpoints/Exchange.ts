/**
 * The exchange: a mairie's specimen file and where its connection test stands, the requests
 * waiting for its agents, and their responses signed with an officer's card (CAdES-BES, base64) —
 * verified before they are kept, a rejection naming the rule it breaks. Every endpoint is
 * authorised on the commune of its path.
 */
import { CalendarDate, CommuneNotFound, InseeCode, Onboarding } from "@comedec/commune";
import { AlreadyAnswered, Request, Response, Signer, Specimen, SpecimenFileRefused, VerificationRequestNotFound } from "@comedec/exchange";
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, Items } from "./Shared.js";

const onCommune = <P extends Access.Permission>(permission: P) =>
  ({ _tag: "permission", permission, target: { _tag: "commune", in: "params", field: "code" } }) as const;

/** A specimen file kept: how many specimen requests were made from it, the training's day and the file's due day. */
export const SpecimenFileAccepted = Schema.Struct({
  commune: InseeCode.InseeCode,
  requests: Schema.Int,
  trainingOn: CalendarDate.CalendarDate,
  dueOn: CalendarDate.CalendarDate,
});

/** Where a connection test stands: specimen requests made, answered, answered right, and whether all were. */
export const TestStanding = Schema.Struct({ total: Schema.Int, answered: Schema.Int, correct: Schema.Int, passed: Schema.Boolean }).annotate({
  identifier: "ConnectionTestStanding",
});
/** Where a connection test stands. */
export type TestStanding = typeof TestStanding.Type;

/** The kind of outcome a response gives. */
export const OutcomeKind = Schema.Literals(["verified", "corrected", "not-found", "not-held"]);

/** A signed response accepted; for a specimen request, whether it was right and where the test stands. */
export const ResponseAccepted = Schema.Struct({
  request: Schema.String,
  outcome: OutcomeKind,
  /** The signing officer's agent id. */
  signer: Schema.String,
  /** The signing time the message carries (ISO instant). */
  signedAt: Schema.String,
  /** A wrong answer says what was expected: the test is for learning. */
  specimen: Schema.optionalKey(Schema.Struct({ correct: Schema.Boolean, expected: Schema.optionalKey(Response.Outcome) })),
  /** `milestone` says what became of `trainingAndTest` once the test passed. */
  test: Schema.optionalKey(Schema.Struct({ ...TestStanding.fields, milestone: Schema.optionalKey(Schema.String) })),
}).annotate({ identifier: "ResponseAccepted" });
/** A signed response accepted. */
export type ResponseAccepted = typeof ResponseAccepted.Type;

// A first file records the `specimenRequests` milestone: what deciding it may refuse (its
// prerequisites above all), and the actor's lack of `onboarding.record`.
const milestoneRefusals = [
  Onboarding.PrerequisiteMissing,
  Onboarding.MilestoneAlreadyRecorded,
  Onboarding.MilestoneNotApplicable,
  Onboarding.MilestoneRoleNotAllowed,
  Onboarding.EditorNotContracted,
  Onboarding.ObligationAlreadySettled,
  Onboarding.TrainingNotSchedulable,
  // The onboarding's other refusals, which its decision may give in general (not for this milestone).
  Onboarding.MilestoneRecordedByOperation,
  Onboarding.MilestoneNotWithdrawable,
  Onboarding.AppointmentNotMovable,
  Onboarding.ConnectionDateAfterDeadline,
  Access.Forbidden,
] as const;

/** Send the specimen file. */
export const uploadSpecimenFile = Endpoint.make({
  operationId: "uploadSpecimenFile",
  method: "post",
  path: "/communes/{code}/specimen-file",
  tag: "exchange",
  summary:
    "Send the mairie's specimen file (its fictitious acts), at least 7 days before the training: the specimen requests of its connection test are made from it",
  params: CommuneParams,
  body: Specimen.SpecimenFile,
  success: SpecimenFileAccepted,
  status: 201,
  errors: [SpecimenFileRefused, CommuneNotFound, ...milestoneRefusals],
  authorization: onCommune("specimen.upload"),
});

/** The connection test's standing. */
export const connectionTest = Endpoint.make({
  operationId: "getConnectionTest",
  method: "get",
  path: "/communes/{code}/connection-test",
  tag: "exchange",
  summary: "Where the commune's connection test stands: specimen requests made, answered, answered right, and whether it passed",
  params: CommuneParams,
  success: TestStanding,
  errors: [],
  authorization: onCommune("onboarding.read"),
});

/** The requests waiting. */
export const pending = Endpoint.make({
  operationId: "listPendingRequests",
  method: "get",
  path: "/communes/{code}/requests",
  tag: "exchange",
  summary: "The requests waiting for the commune's response, oldest first (the agent's software fetches them after logging in with the card)",
  params: CommuneParams,
  query: Schema.Struct({ limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))) }),
  success: Items(Request.VerificationRequest),
  errors: [],
  authorization: onCommune("exchange.read"),
});

// A CAdES-BES message in base64: the response, its signature and the signer's certificate chain.
const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]+={0,2}$/, { message: "not base64" }), Schema.isMaxLength(48_000));

/** Answer a request. */
export const respond = Endpoint.make({
  operationId: "respondToRequest",
  method: "post",
  path: "/communes/{code}/requests/{id}/response",
  tag: "exchange",
  summary:
    "Answer a request: the response signed with an officer's signature card, as a CAdES-BES message (DER, base64); verified (signature, certificate at signing time, signer's profile and site) before it is kept",
  params: Schema.Struct({ code: CommuneParams.fields.code, id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)) }),
  body: Schema.Struct({ signed: Base64 }),
  success: ResponseAccepted,
  status: 201,
  errors: [Signer.ResponseRejected, VerificationRequestNotFound, AlreadyAnswered],
  authorization: onCommune("exchange.respond"),
});

/** Every endpoint of the group. */
export const endpoints = [uploadSpecimenFile, connectionTest, pending, respond] as const;
