/**
 * Handlers of the conventions: a commune submits its signed CARTES and COMEDEC conventions; ANTS
 * records receipt, validates or rejects them, and lists its queue across communes. Each runs one use case of `@comedec/deployment`;
 * reading one convention checks the actor's site against the convention's commune once read.
 */
import { Convention } from "@comedec/convention";
import { Conventions } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Conventions: Endpoints } = Contract;

/** A convention as JSON: its state and its version. */
const json = (snapshot: { readonly state: Convention.State; readonly version: number }): Contract.Conventions.ConventionRecord => ({
  ...snapshot.state,
  version: snapshot.version,
});

const ofCommune = Handler.handle(Endpoints.ofCommune, ({ params }) =>
  Effect.map(Conventions.ofCommune(params.code), (snapshots) => ({ items: snapshots.map(json) })),
);

// The queue's cursor is the position of the previous page's last convention.
const queue = Handler.handle(Endpoints.queue, ({ grant, query }) =>
  Effect.map(
    Conventions.queue(grant, {
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.departement === undefined ? {} : { departement: query.departement }),
      ...(query.commune === undefined ? {} : { commune: query.commune }),
      ...(query.cursor === undefined ? {} : { after: Number(query.cursor) }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    }),
    (page) => ({
      items: page.items.map((snapshot) => ({ ...json(snapshot), communeName: snapshot.communeName, submittedAt: snapshot.submittedAt })),
      nextCursor: page.next === undefined ? null : String(page.next),
    }),
  ),
);

const submit = Handler.handle(Endpoints.submit, ({ grant, params, body }) => Effect.map(Conventions.submit(grant, { ...body, commune: params.code }), json));

const one = Handler.handle(Endpoints.get, ({ actor, params }) =>
  Effect.gen(function* () {
    const snapshot = yield* Conventions.find(params.id);
    yield* Access.authorize(actor, "convention.read", Access.communeTarget(snapshot.state.terms.commune));
    return json(snapshot);
  }),
);

const recordReceipt = Handler.handle(Endpoints.recordReceipt, ({ grant, params, body }) =>
  Effect.map(Conventions.process(grant, params.id, Convention.RecordReceipt.make({ receipt: body.receipt }), body.expectedVersion), json),
);

const validate = Handler.handle(Endpoints.validate, ({ grant, params, body }) =>
  Effect.map(Conventions.process(grant, params.id, Convention.Validate.make({}), body.expectedVersion), json),
);

const reject = Handler.handle(Endpoints.reject, ({ grant, params, body }) =>
  Effect.map(Conventions.process(grant, params.id, Convention.Reject.make({ reasons: body.reasons }), body.expectedVersion), json),
);

/** The handlers of the group. */
export const handlers = [ofCommune, queue, submit, one, recordReceipt, validate, reject];
