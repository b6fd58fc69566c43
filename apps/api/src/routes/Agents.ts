/**
 * Handlers of the agents directory (AGAEC): registration authorities create, read, search, modify,
 * deactivate, reactivate and delete agent records of their site, and import many at once from CSV. Each handler
 * runs one use case of `@comedec/agaec` with the grant its endpoint's permission was authorised
 * with; the use case checks the site. The use cases' errors are what the endpoints declare: the
 * compiler checks each one.
 */
import { Lookup, Maintenance, Registration } from "@comedec/agaec";
import type { Snapshot } from "@comedec/agent";
import { Contract } from "@comedec/http-contract";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Agents } = Contract;

/** The largest CSV import accepted (about 25,000 agents). */
export const importMaximumBytes = Agents.importMaximumBytes;

/** An agent record as JSON. */
export const json = (snapshot: Snapshot): Contract.Agents.AgentRecord => ({ ...snapshot.state, version: snapshot.version });

const register = Handler.handle(Agents.register, ({ grant, body }) => Effect.map(Registration.register(grant, body), json));

const search = Handler.handle(Agents.search, ({ grant, query }) =>
  Effect.map(
    Lookup.search(grant, {
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.commune !== undefined
        ? { site: { _tag: "commune", commune: query.commune } }
        : query.prefecture !== undefined
          ? { site: { _tag: "prefecture", departement: query.prefecture } }
          : query.site === "national"
            ? { site: { _tag: "national" } }
            : {}),
      ...(query.departement === undefined ? {} : { departement: query.departement }),
      ...(query.profile === undefined ? {} : { profile: query.profile }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.cursor === undefined ? {} : { after: query.cursor }),
      limit: query.limit ?? 50,
    }),
    (page) => ({ items: page.items.map(json), nextCursor: page.next ?? null }),
  ),
);

// An import is for the one site its body names: the grant over the nation is narrowed to it.
const importCsv = Handler.handle(Agents.importCsv, ({ grant, body }) =>
  Effect.flatMap(Access.authorize(grant.actor, grant.permission, Access.siteTarget(body.site)), (onSite) => Registration.importCsv(onSite, body.csv)),
);

const one = Handler.handle(Agents.get, ({ grant, params }) => Effect.map(Lookup.find(grant, params.id), json));

const contact = Handler.handle(Agents.changeContact, ({ grant, params, body }) =>
  Effect.map(Maintenance.changeContact(grant, params.id, body.contact, body.expectedVersion), json),
);

const modify = Handler.handle(Agents.modify, ({ grant, params, body }) => {
  const { expectedVersion, ...changes } = body;
  return Effect.map(Maintenance.modify(grant, params.id, changes, expectedVersion), json);
});

const deactivate = Handler.handle(Agents.deactivate, ({ grant, params, body }) =>
  Effect.map(Maintenance.deactivate(grant, params.id, body.reason, body.expectedVersion), json),
);

const reactivate = Handler.handle(Agents.reactivate, ({ grant, params, body }) => {
  const { expectedVersion, ...input } = body;
  return Effect.map(Maintenance.reactivate(grant, params.id, input, expectedVersion), json);
});

const remove = Handler.handle(Agents.remove, ({ grant, params, body }) =>
  Effect.map(Maintenance.remove(grant, params.id, body.reason, body.expectedVersion), json),
);

/** The handlers of the group. */
export const handlers = [register, search, importCsv, one, contact, modify, deactivate, reactivate, remove];
