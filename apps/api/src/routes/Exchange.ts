/**
 * The exchange over HTTP: a mairie's specimen file and its connection test, the requests waiting
 * for its agents, and their signed responses (CAdES-BES, base64) — verified before they are kept,
 * a rejection naming the rule it breaks.
 */
import { Specimen } from "@comedec/exchange";
import { Responses, Specimens } from "@comedec/exchange-platform";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, communeTarget } from "./Shared.js";

const specimenFile = Endpoint.make({
  method: "post",
  path: "/communes/{code}/specimen-file",
  tag: "exchange",
  summary:
    "Send the mairie's specimen file (its fictitious acts), at least 7 days before the training: the specimen requests of its connection test are made from it",
  params: CommuneParams,
  body: Specimen.SpecimenFile,
  status: 201,
  handler: ({ actor, params, body }) =>
    Effect.flatMap(Access.authorize(actor, "specimen.upload", communeTarget(params.code)), (grant) => Specimens.upload(grant, body)),
});

const connectionTest = Endpoint.make({
  method: "get",
  path: "/communes/{code}/connection-test",
  tag: "exchange",
  summary: "Where the commune's connection test stands: specimen requests made, answered, answered right, and whether it passed",
  params: CommuneParams,
  handler: ({ actor, params }) => Effect.flatMap(Access.authorize(actor, "onboarding.read", communeTarget(params.code)), Specimens.status),
});

const pending = Endpoint.make({
  method: "get",
  path: "/communes/{code}/requests",
  tag: "exchange",
  summary: "The requests waiting for the commune's response, oldest first (the agent's software fetches them after logging in with the card)",
  params: CommuneParams,
  query: Schema.Struct({ limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))) }),
  handler: ({ actor, params, query }) =>
    Effect.map(
      Effect.flatMap(Access.authorize(actor, "exchange.read", communeTarget(params.code)), (grant) => Specimens.pending(grant, query.limit ?? 100)),
      (items) => ({ items }),
    ),
});

const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]+={0,2}$/, { message: "not base64" }), Schema.isMaxLength(48_000));

const respond = Endpoint.make({
  method: "post",
  path: "/communes/{code}/requests/{id}/response",
  tag: "exchange",
  summary:
    "Answer a request: the response signed with an officer's signature card, as a CAdES-BES message (DER, base64); verified (signature, certificate at signing time, signer's profile and site) before it is kept",
  params: Schema.Struct({ code: CommuneParams.fields.code, id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)) }),
  body: Schema.Struct({ signed: Base64 }),
  status: 201,
  handler: ({ actor, params, body }) =>
    Effect.flatMap(Access.authorize(actor, "exchange.respond", communeTarget(params.code)), (grant) =>
      Responses.respond(grant, params.id, new Uint8Array(Buffer.from(body.signed, "base64"))),
    ),
});

/** The exchange endpoints. */
export const endpoints = [specimenFile, connectionTest, pending, respond];
