/**
 * The cards of the card platform (PGCA), from order to revocation: ordering, production and
 * shipping by ANTS, receipt, the second person's approval, renewal and revocation (the hand-over,
 * the unblock and new certificates, which touch the card, are driven through the card agent:
 * `AgentOperations`); the holders and their secret questions; the connection of a commune;
 * the state machines. The endpoints on a card or a holder are authorised on the nation first (role
 * and credential), then the use case checks the site of the record; listings on the commune their
 * query names. The routes where a code or secret answers are typed are rate-limited; no body here carries a PIN or
 * a PUK.
 */
import { Change, Site } from "@comedec/actor";
import { AgentNotFound } from "@comedec/agent";
import {
  ActivationLetterUnavailable,
  Card,
  CardAbsent,
  CardNotFound,
  CardView,
  DeviceFailure,
  DualControlRequired,
  FirstCardsMissing,
  HolderCards,
  HolderNotActive,
  KeyNotFound,
  OrderInput,
  PinFinalTry,
  PinIncorrect,
  PinLocked,
  PinRejected,
  PinRequired,
  Request,
  RevokeInput,
  SecretAnswersRefused,
  Secrets,
} from "@comedec/card";
import { CommuneNotFound, InseeCode, Onboarding } from "@comedec/commune";
import { Access, Rules } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { CommuneParams, Items } from "./Shared.js";

/** `{id}` in a path: a card's, a holder's or a request's identifier. */
export const IdParams = Schema.Struct({ id: Schema.String.check(Schema.isMaxLength(64)) });

/** A département in a query (a prefecture's, or a whole département's). */
export const Departement = Site.DepartementCode;

/** A body that carries only why the transition is fired. */
export const ReasonBody = Schema.Struct({ reason: Card.Reason });

/** Which site a listing covers: a commune, a prefecture, a whole département; the actor's own site when absent. */
export const SiteQuery = {
  commune: Schema.optionalKey(InseeCode.InseeCode),
  prefecture: Schema.optionalKey(Departement),
  departement: Schema.optionalKey(Departement),
};

/** Authorised on the nation, then on the site of the card (or holder, or request) the use case reads. */
export const onRecord = <P extends Access.Permission, R extends "card" | "holder" | "card-request">(permission: P, resource: R) =>
  ({ _tag: "permission", permission, target: { _tag: "resource", resource } }) as const;

export const onCard = <P extends Access.Permission>(permission: P) => onRecord(permission, "card");
const onHolder = <P extends Access.Permission>(permission: P) => onRecord(permission, "holder");

/** A listing, authorised on the commune it filters on (the nation otherwise: the grant's reach narrows it). */
export const onListedCommune = <P extends Access.Permission>(permission: P) =>
  ({ _tag: "permission", permission, target: { _tag: "commune", in: "query", field: "commune" } }) as const;

// What the card's own rules refuse: a transition not allowed in its state or to this party, a serial that differs.
const ruleRefusals = [Card.CardIllegalTransition, Card.CardPartyNotAllowed, Card.SerialMismatch] as const;

// What any write to an existing card may answer: no such card, another site's, a stale version, its rules.
export const writeRefusals = [CardNotFound, Access.Forbidden, Change.ConcurrentModification, ...ruleRefusals] as const;

// What the card itself (through its reader) may answer.
const cardFailures = [PinIncorrect, PinLocked, PinFinalTry, PinRequired, PinRejected, CardAbsent, KeyNotFound, DeviceFailure] as const;

// What recording an onboarding milestone may refuse (the connection, a commune's first cards handed over).
export const milestoneRefusals = [
  Onboarding.PrerequisiteMissing,
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
  CommuneNotFound,
] as const;

/** Order a card. */
export const order = Endpoint.make({
  operationId: "orderCard",
  method: "post",
  path: "/cards",
  tag: "cards",
  summary: "Order a card for a holder active in the directory (firstCard: a commune's first two cards, ordered by the prefecture)",
  body: OrderInput,
  success: CardView,
  status: 201,
  errors: [HolderNotActive, AgentNotFound, Access.Forbidden, Change.ConcurrentModification, ...ruleRefusals],
  // The card does not exist yet: the use case checks the holder's site.
  authorization: onHolder("card.order"),
});

/** Cards of a site, or those about to expire. */
export const list = Endpoint.make({
  operationId: "listCards",
  method: "get",
  path: "/cards",
  tag: "cards",
  summary: "Cards of a site; with expiringWithinDays, only cards in force whose certificates end within that many days",
  query: Schema.Struct({
    ...SiteQuery,
    expiringWithinDays: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 3650 }))),
  }),
  success: Items(CardView),
  errors: [Access.Forbidden],
  authorization: onListedCommune("card.read"),
});

/** One card. */
export const get = Endpoint.make({
  operationId: "getCard",
  method: "get",
  path: "/cards/{id}",
  tag: "cards",
  summary: "One card",
  params: IdParams,
  success: CardView,
  errors: [CardNotFound, Access.Forbidden],
  authorization: onCard("card.read"),
});

/** ANTS starts production. */
export const startProduction = Endpoint.make({
  operationId: "startCardProduction",
  method: "post",
  path: "/cards/{id}/production",
  tag: "cards",
  summary: "ANTS: the manufacturer produces the card",
  params: IdParams,
  body: ReasonBody,
  success: CardView,
  errors: [...writeRefusals, ...cardFailures],
  authorization: onCard("card.produce"),
});

/** ANTS ships the card. */
export const ship = Endpoint.make({
  operationId: "shipCard",
  method: "post",
  path: "/cards/{id}/shipment",
  tag: "cards",
  summary: "ANTS: the card leaves for its site (its activation code is issued for its letter, first cards excepted)",
  params: IdParams,
  body: ReasonBody,
  success: CardView,
  errors: writeRefusals,
  authorization: onCard("card.produce"),
});

/** ANTS's mail room: the activation letter, once. */
export const activationLetter = Endpoint.make({
  operationId: "getActivationLetter",
  method: "get",
  path: "/cards/{id}/activation-letter",
  tag: "cards",
  summary:
    "ANTS's mail room: the letter to post to the holder at their mairie, with the activation code (PDF), produced once; the code then exists only as its hash",
  params: IdParams,
  success: Endpoint.Bytes,
  responseType: "application/pdf",
  errors: [CardNotFound, Access.Forbidden, AgentNotFound, HolderNotActive, ActivationLetterUnavailable],
  authorization: onCard("card.produce"),
});

/** The site receives the card. */
export const receive = Endpoint.make({
  operationId: "receiveCard",
  method: "post",
  path: "/cards/{id}/receipt",
  tag: "cards",
  summary: "The site receives the card and reads its serial",
  params: IdParams,
  body: Schema.Struct({ serial: Card.Serial, reason: Card.Reason }),
  success: CardView,
  errors: writeRefusals,
  authorization: onCard("card.operate"),
});

/** Revoke a card. */
export const revoke = Endpoint.make({
  operationId: "revokeCard",
  method: "post",
  path: "/cards/{id}/revocation",
  tag: "cards",
  summary: "Revoke a card and its certificates (RFC 5280 reason)",
  params: IdParams,
  body: RevokeInput,
  success: CardView,
  errors: [...writeRefusals, SecretAnswersRefused, DualControlRequired, AgentNotFound],
  authorization: onCard("card.operate"),
  rateLimit: "code-entry",
});

/** The prefecture's second operator approves the personalisation. */
export const approvePersonalisation = Endpoint.make({
  operationId: "approveCardPersonalisation",
  method: "post",
  path: "/cards/{id}/personalisation-approval",
  tag: "cards",
  summary: "Approve, as a second operator of the prefecture, the personalisation of a received card (dual control)",
  params: IdParams,
  body: ReasonBody,
  success: CardView,
  errors: [...writeRefusals, Rules.RuleBroken],
  authorization: onCard("card.operate"),
});

/** Order the card that replaces this one. */
export const renew = Endpoint.make({
  operationId: "renewCard",
  method: "post",
  path: "/cards/{id}/renewal",
  tag: "cards",
  summary: "Order a new card replacing this one; this one is retired once the new one is active",
  params: IdParams,
  body: ReasonBody,
  success: CardView,
  status: 201,
  errors: [...writeRefusals, HolderNotActive, AgentNotFound],
  authorization: onCard("card.order"),
});

/** The holders of a site and their cards. */
export const holders = Endpoint.make({
  operationId: "listHolders",
  method: "get",
  path: "/holders",
  tag: "cards",
  summary: "The holders of a site and their cards",
  query: Schema.Struct(SiteQuery),
  success: Items(HolderCards),
  errors: [Access.Forbidden],
  authorization: onListedCommune("card.read"),
});

/** Set a holder's secret questions. */
export const setSecretQuestions = Endpoint.make({
  operationId: "setSecretQuestions",
  method: "put",
  path: "/holders/{id}/secret-questions",
  tag: "cards",
  summary: "Set a holder's secret questions (at least four; answers stored as slow hashes)",
  params: IdParams,
  body: Schema.Struct({ questions: Secrets.SecretQuestions }),
  success: Schema.Struct({ questions: Schema.Int }),
  errors: [AgentNotFound, Access.Forbidden, Rules.RuleBroken],
  authorization: onHolder("card.operate"),
  // The body carries the holder's answers: limited like every route that takes a secret.
  rateLimit: "code-entry",
});

/** The questions to ask a holder. */
export const getSecretQuestions = Endpoint.make({
  operationId: "getSecretQuestions",
  method: "get",
  path: "/holders/{id}/secret-questions",
  tag: "cards",
  summary: "The questions to ask a holder at a distance (never the answers)",
  params: IdParams,
  success: Schema.Struct({ questions: Schema.Array(Schema.String) }),
  errors: [AgentNotFound, Access.Forbidden],
  authorization: onHolder("card.operate"),
});

/** ANTS triggers a commune's connection. */
export const triggerConnection = Endpoint.make({
  operationId: "triggerConnection",
  method: "post",
  path: "/communes/{code}/connection",
  tag: "cards",
  summary: "ANTS triggers a commune's connection: readers shipped, then the first two cards' activation codes issued for their letters",
  params: CommuneParams,
  body: ReasonBody,
  success: Schema.Struct({ codesSent: Schema.Int }),
  errors: [FirstCardsMissing, Access.Forbidden, ...milestoneRefusals],
  authorization: { _tag: "permission", permission: "card.produce", target: { _tag: "commune", in: "params", field: "code" } },
});

/** One transition of the card's state machine. */
export const CardTransition = Schema.Struct({
  command: Schema.String,
  event: Schema.String,
  from: Schema.Array(Schema.String),
  to: Card.Status,
  by: Schema.Array(Card.Party),
  evidence: Schema.Array(Schema.String),
  rule: Schema.String,
  /** Why these parties, and only they, fire it. */
  why: Schema.String,
}).annotate({ identifier: "CardTransition" });

/** One transition of the card request's state machine. */
export const RequestTransition = Schema.Struct({
  command: Schema.String,
  from: Schema.Array(Schema.String),
  to: Request.Status,
  by: Schema.Array(Card.Party),
  rule: Schema.String,
}).annotate({ identifier: "CardRequestTransition" });

/** The two state machines, versioned. */
export const StateMachines = Schema.Struct({
  card: Schema.Struct({
    name: Schema.String,
    version: Schema.Int,
    states: Schema.Array(Card.Status),
    terminal: Schema.Array(Card.Status),
    transitions: Schema.Array(CardTransition),
  }),
  request: Schema.Struct({ name: Schema.String, version: Schema.Int, states: Schema.Array(Request.Status), transitions: Schema.Array(RequestTransition) }),
});

/** The state machines of cards and requests. */
export const stateMachines = Endpoint.make({
  operationId: "getCardStateMachines",
  method: "get",
  path: "/card-platform/state-machines",
  tag: "cards",
  summary: "The card and card-request state machines: states, transitions, who fires each and why, the evidence each needs",
  success: StateMachines,
  errors: [],
  authorization: { _tag: "authenticated" },
});

/** Every endpoint of the group. */
export const endpoints = [
  order,
  list,
  get,
  startProduction,
  ship,
  activationLetter,
  receive,
  revoke,
  approvePersonalisation,
  renew,
  holders,
  setSecretQuestions,
  getSecretQuestions,
  triggerConnection,
  stateMachines,
] as const;
