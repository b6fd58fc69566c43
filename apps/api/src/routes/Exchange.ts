/**
 * Handlers of the exchange: a mairie's specimen file and its connection test, the requests waiting
 * for its agents, and their signed responses (CAdES-BES, base64) — verified before they are kept,
 * a rejection naming the rule it breaks. Each runs on the grant of its commune.
 */
import { Contract } from "@comedec/http-contract";
import { Responses, Specimens } from "@comedec/exchange-platform";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Exchange } = Contract;

const specimenFile = Handler.handle(Exchange.uploadSpecimenFile, ({ grant, body }) => Specimens.upload(grant, body));

const connectionTest = Handler.handle(Exchange.connectionTest, ({ grant }) => Specimens.status(grant));

const pending = Handler.handle(Exchange.pending, ({ grant, query }) => Effect.map(Specimens.pending(grant, query.limit ?? 100), (items) => ({ items })));

const respond = Handler.handle(Exchange.respond, ({ grant, params, body }) =>
  Responses.respond(grant, params.id, new Uint8Array(Buffer.from(body.signed, "base64"))),
);

/** The handlers of the group. */
export const handlers = [specimenFile, connectionTest, pending, respond];
