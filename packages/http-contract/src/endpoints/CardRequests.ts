/**
 * Card requests: a holder asks for a new card, a renewal, new certificates, a revocation or an
 * unblock; an operator of the site validates (and the platform carries it out) or rejects it; the
 * holder may withdraw it while it waits. Submitting is authorised on the nation first (the policy
 * before any lookup), the other requests on the site of the request the use case reads.
 */
import { Change } from "@comedec/actor";
import { AgentNotFound } from "@comedec/agent";
import { Card, CardNotFound, HolderNotActive, Request, RequestInput, RequestNotFound, RequestView } from "@comedec/card";
import { Access, Rules } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { IdParams, onListedCommune, onRecord, ReasonBody, SiteQuery } from "./Cards.js";
import { Items } from "./Shared.js";

// What deciding a waiting request may answer: no such request, another site's, a stale version, the request's rules.
const decisionRefusals = [RequestNotFound, Access.Forbidden, Change.ConcurrentModification, Card.CardIllegalTransition, Card.CardPartyNotAllowed] as const;

/** A holder's request. */
export const submit = Endpoint.make({
  operationId: "submitCardRequest",
  method: "post",
  path: "/card-requests",
  tag: "card requests",
  summary: "A holder's request (new card, renewal, certificate renewal, revocation, unblock), to be validated by an operator",
  body: RequestInput,
  success: RequestView,
  status: 201,
  errors: [HolderNotActive, CardNotFound, AgentNotFound, Access.Forbidden, Change.ConcurrentModification, Card.CardIllegalTransition, Card.CardPartyNotAllowed],
  // The use case then checks that the card is the holder's own and the holder's site.
  authorization: { _tag: "permission", permission: "card.request", target: { _tag: "nation" } },
});

/** Requests of a site. */
export const list = Endpoint.make({
  operationId: "listCardRequests",
  method: "get",
  path: "/card-requests",
  tag: "card requests",
  summary: "Requests of a site, by status",
  query: Schema.Struct({ ...SiteQuery, status: Schema.optionalKey(Request.Status) }),
  success: Items(RequestView),
  errors: [Access.Forbidden],
  authorization: onListedCommune("card.read"),
});

/** One request. */
export const get = Endpoint.make({
  operationId: "getCardRequest",
  method: "get",
  path: "/card-requests/{id}",
  tag: "card requests",
  summary: "One request",
  params: IdParams,
  success: RequestView,
  errors: [RequestNotFound, Access.Forbidden],
  authorization: onRecord("card.read", "card-request"),
});

/** Validate a request and carry it out. */
export const validate = Endpoint.make({
  operationId: "validateCardRequest",
  method: "post",
  path: "/card-requests/{id}/validation",
  tag: "card requests",
  summary: "Validate a request and carry it out (nobody validates their own or one that concerns them)",
  params: IdParams,
  body: ReasonBody,
  success: RequestView,
  // Carrying it out orders or revokes a card: the card's refusals too.
  errors: [...decisionRefusals, Card.SerialMismatch, CardNotFound, HolderNotActive, AgentNotFound, Rules.RuleBroken],
  authorization: onRecord("card.validate", "card-request"),
});

/** Reject a request. */
export const reject = Endpoint.make({
  operationId: "rejectCardRequest",
  method: "post",
  path: "/card-requests/{id}/rejection",
  tag: "card requests",
  summary: "Reject a request",
  params: IdParams,
  body: ReasonBody,
  success: RequestView,
  errors: [...decisionRefusals, Rules.RuleBroken],
  authorization: onRecord("card.validate", "card-request"),
});

/** Withdraw one's own request. */
export const cancel = Endpoint.make({
  operationId: "cancelCardRequest",
  method: "post",
  path: "/card-requests/{id}/cancellation",
  tag: "card requests",
  summary: "Withdraw one's own pending request",
  params: IdParams,
  body: ReasonBody,
  success: RequestView,
  errors: decisionRefusals,
  authorization: onRecord("card.request", "card-request"),
});

/** Every endpoint of the group. */
export const endpoints = [submit, list, get, validate, reject, cancel] as const;
