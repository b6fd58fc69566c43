/**
 * Routes of a commune's onboarding: status, timeline, recording a milestone with its evidence,
 * declaring the maternity, scheduling the training.
 */
import { CalendarDate, type InseeCode, Onboarding } from "@comedec/commune";
import { Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { Access } from "@comedec/rgs";
import type { Actor } from "@comedec/actor";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, communeTarget, ExpectedVersion } from "./Shared.js";

const execute = (actor: Actor.Actor, code: InseeCode.InseeCode, command: Onboarding.Command, expectedVersion: number | undefined) =>
  Effect.flatMap(Access.authorize(actor, "onboarding.record", communeTarget(code)), (grant) => OnboardingUseCases.execute(grant, command, expectedVersion));

const status = Endpoint.make({
  method: "get",
  path: "/communes/{code}/onboarding",
  tag: "onboarding",
  summary: "Where the commune stands: milestones done, next ones and who acts, what blocks, lateness",
  params: CommuneParams,
  handler: ({ actor, params }) => Effect.flatMap(Access.authorize(actor, "onboarding.read", communeTarget(params.code)), OnboardingUseCases.status),
});

const timeline = Endpoint.make({
  method: "get",
  path: "/communes/{code}/onboarding/timeline",
  tag: "onboarding",
  summary: "Every onboarding event of the commune, oldest first",
  params: CommuneParams,
  handler: ({ actor, params }) =>
    Effect.map(Effect.flatMap(Access.authorize(actor, "onboarding.read", communeTarget(params.code)), OnboardingUseCases.timeline), (events) => ({ events })),
});

const record = Endpoint.make({
  method: "post",
  path: "/communes/{code}/onboarding/milestones",
  tag: "onboarding",
  summary: "Record a milestone with its evidence (refused with the missing prerequisites when out of order)",
  params: CommuneParams,
  body: Schema.Struct({ evidence: Onboarding.Evidence, expectedVersion: ExpectedVersion }),
  status: 201,
  handler: ({ actor, params, body }) => execute(actor, params.code, Onboarding.RecordMilestone.make({ evidence: body.evidence }), body.expectedVersion),
});

const maternity = Endpoint.make({
  method: "post",
  path: "/communes/{code}/onboarding/maternity",
  tag: "onboarding",
  summary: "Declare whether the commune has or had a maternity (puts it under the connection obligation)",
  params: CommuneParams,
  body: Schema.Struct({
    hasMaternity: Schema.Boolean,
    reference: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
    expectedVersion: ExpectedVersion,
  }),
  status: 201,
  handler: ({ actor, params, body }) =>
    execute(actor, params.code, Onboarding.DeclareMaternity.make({ hasMaternity: body.hasMaternity, reference: body.reference }), body.expectedVersion),
});

const training = Endpoint.make({
  method: "post",
  path: "/communes/{code}/onboarding/training",
  tag: "onboarding",
  summary: "Schedule the editor's training (the specimen file is due 7 days before)",
  params: CommuneParams,
  body: Schema.Struct({ trainingOn: CalendarDate.CalendarDate, expectedVersion: ExpectedVersion }),
  status: 201,
  handler: ({ actor, params, body }) => execute(actor, params.code, Onboarding.ScheduleTraining.make({ trainingOn: body.trainingOn }), body.expectedVersion),
});

/** The onboarding state machine, as data (for clients and the docs). */
const machine = Endpoint.make({
  method: "get",
  path: "/onboarding/machine",
  tag: "onboarding",
  summary: "The onboarding milestones and their prerequisite graph, as data",
  handler: ({ actor }) => Effect.as(Access.authorize(actor, "editor.read", Access.nation), Onboarding.machine),
});

/** The onboarding endpoints. */
export const endpoints = [status, timeline, record, maternity, training, machine];
