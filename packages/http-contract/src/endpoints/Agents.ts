/**
 * The agents directory (AGAEC): registration authorities register, read, search, modify,
 * deactivate and delete agent records of their site, and import many at once from CSV. A search
 * is authorised on the commune it filters on; the other endpoints on the nation first (role and
 * credential), then the use case checks the site of the record, or of the registration, it acts on.
 */
import { Change } from "@comedec/actor";
import { Agent, AgentNotFound, DuplicatePerson, ImportRejected, ImportReport, UnknownPlaceOfBirth } from "@comedec/agent";
import { InseeCode } from "@comedec/commune";
import { Access, Rules } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { ExpectedVersion, IdParams } from "./Shared.js";

/** The largest CSV accepted by an import (about 25,000 agents). */
export const importMaximumBytes = 8 * 1024 * 1024;

/** An agent record as the API shows it: its state and its version (for `expectedVersion`). */
export const AgentRecord = Schema.Struct({ ...Agent.State.fields, version: Schema.Int }).annotate({ identifier: "AgentRecord" });
/** An agent record as the API shows it. */
export type AgentRecord = typeof AgentRecord.Type;

/** A page of agent records, with the cursor of the next one (`null` on the last page). */
export const AgentPage = Schema.Struct({ items: Schema.Array(AgentRecord), nextCursor: Schema.NullOr(Schema.String) });

// Where the site's record is checked: the registration or the record read, by the use case.
const onRecord = <P extends "agent.read" | "agent.register" | "agent.manage">(permission: P) =>
  ({ _tag: "permission", permission, target: { _tag: "resource", resource: "agent" } }) as const;

// What the rules may refuse of a registration's identity, document and profile.
const registrationRefusals = [Agent.ImpossibleBirthDate, Agent.DocumentNotAcceptable, Agent.IdentityMismatch, Agent.ProfileNotAllowed] as const;

// What any write to an existing record may answer: no such record, another site's, a stale version, a state that forbids it.
const writeRefusals = [AgentNotFound, Access.Forbidden, Change.ConcurrentModification, Agent.AgentIllegalTransition] as const;

/** Register an agent. */
export const register = Endpoint.make({
  operationId: "registerAgent",
  method: "post",
  path: "/agents",
  tag: "agents",
  summary: "Register an agent whose identity was checked face to face",
  body: Agent.Registration,
  success: AgentRecord,
  status: 201,
  errors: [...registrationRefusals, UnknownPlaceOfBirth, DuplicatePerson, Access.Forbidden, Rules.RuleBroken],
  authorization: onRecord("agent.register"),
});

const Departement = Agent.AgentSite.members[1].fields.departement;

/** Search agents. */
export const search = Endpoint.make({
  operationId: "searchAgents",
  method: "get",
  path: "/agents",
  tag: "agents",
  summary: "Search agents by name (accents folded), site, profile, status; paginated by cursor",
  query: Schema.Struct({
    name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))),
    commune: Schema.optionalKey(InseeCode.InseeCode),
    prefecture: Schema.optionalKey(Departement),
    /** `national`: the agents of the national site (ANTS's own), which only a national administrator reads. */
    site: Schema.optionalKey(Schema.Literal("national")),
    departement: Schema.optionalKey(Departement),
    profile: Schema.optionalKey(Schema.Literals(["agent", "officer"])),
    status: Schema.optionalKey(Agent.Status),
    cursor: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(400))),
    limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))),
  }),
  success: AgentPage,
  errors: [Access.Forbidden],
  // On the commune filtered on; else the use case checks the prefecture or département filtered on, or narrows to the actor's site.
  authorization: { _tag: "permission", permission: "agent.read", target: { _tag: "commune", in: "query", field: "commune" } },
});

/** Import agents from CSV. */
export const importCsv = Endpoint.make({
  operationId: "importAgents",
  method: "post",
  path: "/agents/import",
  tag: "agents",
  summary: "Register many agents of one site from CSV: every row, or none (the problem lists each invalid row)",
  body: Schema.Struct({ site: Agent.AgentSite, csv: Schema.String.check(Schema.isMaxLength(importMaximumBytes)) }),
  success: ImportReport,
  status: 201,
  errors: [ImportRejected, DuplicatePerson, Access.Forbidden],
  authorization: onRecord("agent.register"),
  // The CSV of a large commune's agents, and room for the JSON around it.
  maximumBodyBytes: importMaximumBytes + 64 * 1024,
});

/** One agent record. */
export const get = Endpoint.make({
  operationId: "getAgent",
  method: "get",
  path: "/agents/{id}",
  tag: "agents",
  summary: "One agent record",
  params: IdParams,
  success: AgentRecord,
  errors: [AgentNotFound, Access.Forbidden],
  authorization: onRecord("agent.read"),
});

/** Change an agent's contact details. */
export const changeContact = Endpoint.make({
  operationId: "changeAgentContact",
  method: "put",
  path: "/agents/{id}/contact",
  tag: "agents",
  summary: "Change an agent's contact details",
  params: IdParams,
  body: Schema.Struct({ contact: Agent.Contact, expectedVersion: ExpectedVersion }),
  success: AgentRecord,
  errors: writeRefusals,
  authorization: onRecord("agent.manage"),
});

/** Change an agent's identity, profile or rights. */
export const modify = Endpoint.make({
  operationId: "modifyAgent",
  method: "patch",
  path: "/agents/{id}",
  tag: "agents",
  summary: "Change an agent's identity (with a new document check), profile or rights",
  params: IdParams,
  body: Schema.Struct({ ...Agent.Modification.fields, expectedVersion: ExpectedVersion }),
  success: AgentRecord,
  errors: [
    ...writeRefusals,
    ...registrationRefusals,
    Agent.DocumentCheckRequired,
    Agent.OwnRightsChange,
    UnknownPlaceOfBirth,
    DuplicatePerson,
    Rules.RuleBroken,
  ],
  authorization: onRecord("agent.manage"),
});

const ReasonBody = Schema.Struct({ reason: Agent.Reason, expectedVersion: ExpectedVersion });

/** Deactivate an agent. */
export const deactivate = Endpoint.make({
  operationId: "deactivateAgent",
  method: "post",
  path: "/agents/{id}/deactivation",
  tag: "agents",
  summary: "Deactivate an agent (their cards are suspended)",
  params: IdParams,
  body: ReasonBody,
  success: AgentRecord,
  errors: writeRefusals,
  authorization: onRecord("agent.manage"),
});

/** Reactivate an agent. */
export const reactivate = Endpoint.make({
  operationId: "reactivateAgent",
  method: "post",
  path: "/agents/{id}/reactivation",
  tag: "agents",
  summary: `Reactivate a deactivated agent (their suspended cards resume, certificates out of hold); after ${Agent.longDeactivationDays} days deactivated, with the identity document checked again face to face`,
  params: IdParams,
  body: Schema.Struct({ ...Agent.ReactivationInput.fields, expectedVersion: ExpectedVersion }),
  success: AgentRecord,
  errors: [
    ...writeRefusals,
    Agent.DocumentCheckRequired,
    Agent.DocumentNotAcceptable,
    Agent.IdentityMismatch,
    Agent.ImpossibleBirthDate,
    DuplicatePerson,
    Rules.RuleBroken,
  ],
  authorization: onRecord("agent.manage"),
});

/** Delete an agent record. */
export const remove = Endpoint.make({
  operationId: "deleteAgent",
  method: "post",
  path: "/agents/{id}/deletion",
  tag: "agents",
  summary: "Delete an agent record: personal data is erased (an operator's cards revoked first, by two people)",
  params: IdParams,
  body: ReasonBody,
  success: AgentRecord,
  // An agent holding an operator's card is refused (roles.dual-control) until each is revoked.
  errors: [...writeRefusals, Rules.RuleBroken],
  authorization: onRecord("agent.manage"),
});

/** Every endpoint of the group. */
export const endpoints = [register, search, importCsv, get, changeContact, modify, deactivate, reactivate, remove] as const;
