/**
 * Routes of the conventions: a commune submits its signed CARTES and COMEDEC conventions; ANTS
 * records receipt, validates or rejects them.
 */
import type { InseeCode } from "@comedec/commune";
import { Convention } from "@comedec/convention";
import { Conventions } from "@comedec/deployment";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, communeTarget, ExpectedVersion } from "./Shared.js";

const IdParams = Schema.Struct({ id: Schema.String.check(Schema.isMaxLength(64)) });
const json = (snapshot: { readonly state: Convention.State; readonly version: number }) => ({ ...snapshot.state, version: snapshot.version });

const ofCommune = Endpoint.make({
  method: "get",
  path: "/communes/{code}/conventions",
  tag: "conventions",
  summary: "The conventions of a commune",
  params: CommuneParams,
  handler: ({ actor, params }) =>
    Effect.gen(function* () {
      yield* Access.authorize(actor, "convention.read", communeTarget(params.code));
      return { items: (yield* Conventions.ofCommune(params.code)).map(json) };
    }),
});

const submit = Endpoint.make({
  method: "post",
  path: "/communes/{code}/conventions",
  tag: "conventions",
  summary: "Submit a convention signed by the mayor",
  params: CommuneParams,
  body: Convention.Terms.mapFields(({ commune: _, ...rest }) => rest),
  status: 201,
  handler: ({ actor, params, body }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "convention.submit", communeTarget(params.code));
      return json(yield* Conventions.submit(grant, { ...body, commune: params.code }));
    }),
});

const one = Endpoint.make({
  method: "get",
  path: "/conventions/{id}",
  tag: "conventions",
  summary: "One convention",
  params: IdParams,
  handler: ({ actor, params }) =>
    Effect.gen(function* () {
      const snapshot = yield* Conventions.find(params.id);
      yield* Access.authorize(actor, "convention.read", communeTarget(snapshot.state.terms.commune as InseeCode.InseeCode));
      return json(snapshot);
    }),
});

const processing = (path: string, summary: string, body: Schema.Top, toCommand: (body: any) => Parameters<typeof Conventions.process>[2]) =>
  Endpoint.make({
    method: "post",
    path,
    tag: "conventions",
    summary,
    params: IdParams,
    body,
    handler: ({ actor, params, body }) =>
      Effect.gen(function* () {
        const grant = yield* Access.authorize(actor, "convention.process", Access.nation);
        return json(yield* Conventions.process(grant, params.id, toCommand(body), (body as { expectedVersion?: number }).expectedVersion));
      }),
  });

const receipt = processing(
  "/conventions/{id}/receipt",
  "Record that the signed convention reached ANTS (by post, two copies are required)",
  Schema.Struct({ receipt: Convention.Receipt, expectedVersion: ExpectedVersion }),
  (body: { receipt: typeof Convention.Receipt.Type }) => Convention.RecordReceipt.make({ receipt: body.receipt }),
);
const validation = processing("/conventions/{id}/validation", "Validate a received convention", Schema.Struct({ expectedVersion: ExpectedVersion }), () =>
  Convention.Validate.make({}),
);
const rejection = processing(
  "/conventions/{id}/rejection",
  "Reject a convention, with reasons",
  Schema.Struct({ reasons: Schema.NonEmptyArray(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))), expectedVersion: ExpectedVersion }),
  (body: { reasons: readonly [string, ...string[]] }) => Convention.Reject.make({ reasons: body.reasons }),
);

/** The convention endpoints. */
export const endpoints = [ofCommune, submit, one, receipt, validation, rejection];
