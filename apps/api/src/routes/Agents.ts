/**
 * Handlers of the agents directory (AGAEC): registration authorities create, read, search, modify,
 * deactivate and delete agent records of their site, and import many at once from CSV. Each handler
 * runs one use case of `@comedec/agaec` for the authenticated actor; the use case checks the site.
 */
import { type DirectoryError, Local } from "@comedec/agaec";
import type { Snapshot } from "@comedec/agent";
import { Contract, type Endpoint } from "@comedec/http-contract";
import { Effect, Schema } from "effect";
import * as Handler from "../Handler.js";

const { Agents } = Contract;

/** The largest CSV import accepted (about 25,000 agents). */
export const importMaximumBytes = Agents.importMaximumBytes;

/** An agent record as JSON. */
export const json = (snapshot: Snapshot): Contract.Agents.AgentRecord => ({ ...snapshot.state, version: snapshot.version });

/**
 * A handler on the directory's port, whose operations are typed with every refusal of the
 * directory: the refusals the endpoint declares go out as problems, any other would be a defect.
 */
const handle = <E extends Endpoint.Any, R>(
  endpoint: E,
  run: (input: Handler.Input<E>) => Effect.Effect<Endpoint.SuccessOf<E>, DirectoryError, R>,
): Handler.Handler<R> =>
  Handler.handle(endpoint, (input) =>
    Effect.catch(run(input), (error) =>
      endpoint.errors.some((schema) => Schema.is(schema)(error)) ? Effect.fail(error as Extract<DirectoryError, Endpoint.ErrorOf<E>>) : Effect.die(error),
    ),
  );

const register = handle(Agents.register, ({ actor, body }) =>
  Effect.map(
    Local.forActor(actor, (directory) => directory.register(body)),
    json,
  ),
);

const search = handle(Agents.search, ({ actor, query }) =>
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
);

const importCsv = handle(Agents.importCsv, ({ actor, body }) => Local.forActor(actor, (directory) => directory.importCsv(body.site, body.csv)));

const one = handle(Agents.get, ({ actor, params }) =>
  Effect.map(
    Local.forActor(actor, (directory) => directory.find(params.id)),
    json,
  ),
);

const contact = handle(Agents.changeContact, ({ actor, params, body }) =>
  Effect.map(
    Local.forActor(actor, (directory) => directory.changeContact(params.id, body.contact, body.expectedVersion)),
    json,
  ),
);

const modify = handle(Agents.modify, ({ actor, params, body }) =>
  Effect.map(
    Local.forActor(actor, (directory) => {
      const { expectedVersion, ...changes } = body;
      return directory.modify(params.id, changes, expectedVersion);
    }),
    json,
  ),
);

const deactivate = handle(Agents.deactivate, ({ actor, params, body }) =>
  Effect.map(
    Local.forActor(actor, (directory) => directory.deactivate(params.id, body.reason, body.expectedVersion)),
    json,
  ),
);

const remove = handle(Agents.remove, ({ actor, params, body }) =>
  Effect.map(
    Local.forActor(actor, (directory) => directory.remove(params.id, body.reason, body.expectedVersion)),
    json,
  ),
);

/** The handlers of the group. */
export const handlers = [register, search, importCsv, one, contact, modify, deactivate, remove];
