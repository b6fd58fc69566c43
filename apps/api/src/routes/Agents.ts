/**
 * Routes of the agents directory (AGAEC): registration authorities create, read, search, modify,
 * deactivate and delete agent records of their site, and import many at once from CSV. Each route
 * runs one use case of `@comedec/agaec` for the authenticated actor; the use case authorises.
 */
import { Local } from "@comedec/agaec";
import { Agent, type Snapshot } from "@comedec/agent";
import { InseeCode } from "@comedec/commune";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { ExpectedVersion } from "./Shared.js";

const IdParams = Schema.Struct({ id: Schema.String.check(Schema.isMaxLength(64)) });
const Reason = Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(500));
const Departement = Agent.AgentSite.members[1].fields.departement;

/** The largest CSV import accepted (about 25,000 agents). */
export const importMaximumBytes = 8 * 1024 * 1024;

/** An agent record as JSON. */
export const json = (snapshot: Snapshot) => ({ ...snapshot.state, version: snapshot.version });

const register = Endpoint.make({
  method: "post",
  path: "/agents",
  tag: "agents",
  summary: "Register an agent whose identity was checked face to face",
  body: Agent.Registration,
  status: 201,
  handler: ({ actor, body }) =>
    Effect.map(
      Local.forActor(actor, (directory) => directory.register(body)),
      json,
    ),
});

const SearchQuery = Schema.Struct({
  name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))),
  commune: Schema.optionalKey(InseeCode.InseeCode),
  prefecture: Schema.optionalKey(Departement),
  departement: Schema.optionalKey(Departement),
  profile: Schema.optionalKey(Schema.Literals(["agent", "officer"])),
  status: Schema.optionalKey(Agent.Status),
  cursor: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(400))),
  limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))),
});

const search = Endpoint.make({
  method: "get",
  path: "/agents",
  tag: "agents",
  summary: "Search agents by name (accents folded), site, profile, status; paginated by cursor",
  query: SearchQuery,
  handler: ({ actor, query }) =>
    Local.forActor(actor, (directory) =>
      directory.search({
        ...(query.name === undefined ? {} : { name: query.name }),
        ...(query.commune !== undefined
          ? { site: { _tag: "commune", commune: query.commune } }
          : query.prefecture !== undefined
            ? { site: { _tag: "prefecture", departement: query.prefecture } }
            : {}),
        ...(query.departement === undefined ? {} : { departement: query.departement }),
        ...(query.profile === undefined ? {} : { profile: query.profile }),
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.cursor === undefined ? {} : { after: query.cursor }),
        limit: query.limit ?? 50,
      }),
    ).pipe(Effect.map((page) => ({ items: page.items.map(json), nextCursor: page.next ?? null }))),
});

const one = Endpoint.make({
  method: "get",
  path: "/agents/{id}",
  tag: "agents",
  summary: "One agent record",
  params: IdParams,
  handler: ({ actor, params }) =>
    Effect.map(
      Local.forActor(actor, (directory) => directory.find(params.id)),
      json,
    ),
});

const contact = Endpoint.make({
  method: "put",
  path: "/agents/{id}/contact",
  tag: "agents",
  summary: "Change an agent's contact details",
  params: IdParams,
  body: Schema.Struct({ contact: Agent.Contact, expectedVersion: ExpectedVersion }),
  handler: ({ actor, params, body }) =>
    Effect.map(
      Local.forActor(actor, (directory) => directory.changeContact(params.id, body.contact, body.expectedVersion)),
      json,
    ),
});

const modify = Endpoint.make({
  method: "patch",
  path: "/agents/{id}",
  tag: "agents",
  summary: "Change an agent's identity (with a new document check), profile or rights",
  params: IdParams,
  body: Schema.Struct({ ...Agent.Modify.mapFields(({ _tag, ...rest }) => rest).fields, expectedVersion: ExpectedVersion }),
  handler: ({ actor, params, body }) =>
    Effect.map(
      Local.forActor(actor, (directory) => {
        const { expectedVersion, ...changes } = body;
        return directory.modify(params.id, changes, expectedVersion);
      }),
      json,
    ),
});

const lifecycle = (path: string, summary: string, use: "deactivate" | "remove") =>
  Endpoint.make({
    method: "post",
    path,
    tag: "agents",
    summary,
    params: IdParams,
    body: Schema.Struct({ reason: Reason, expectedVersion: ExpectedVersion }),
    handler: ({ actor, params, body }) =>
      Effect.map(
        Local.forActor(actor, (directory) => directory[use](params.id, body.reason, body.expectedVersion)),
        json,
      ),
  });

const importCsv = Endpoint.make({
  method: "post",
  path: "/agents/import",
  tag: "agents",
  summary: "Register many agents of one site from CSV: every row, or none (the problem lists each invalid row)",
  body: Schema.Struct({ site: Agent.AgentSite, csv: Schema.String.check(Schema.isMaxLength(importMaximumBytes)) }),
  status: 201,
  handler: ({ actor, body }) => Local.forActor(actor, (directory) => directory.importCsv(body.site, body.csv)),
});

/** The agents directory endpoints. */
export const endpoints = [
  register,
  search,
  importCsv,
  one,
  contact,
  modify,
  lifecycle("/agents/{id}/deactivation", "Deactivate an agent (their cards are suspended)", "deactivate"),
  lifecycle("/agents/{id}/deletion", "Delete an agent record: personal data is erased", "remove"),
];
