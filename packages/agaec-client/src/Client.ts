/**
 * The agents directory over HTTP, for editors' software: the `AgentDirectory` port of
 * `@comedec/agaec` implemented against the deployed API with one actor's bearer token. Every call
 * is derived from the HTTP contract (path, query, body and answer by its Schemas; refusals back as
 * the tagged errors the endpoint declares, the same classes the local directory raises), so code
 * written against the port runs on either.
 */
import { AgentDirectory, type AgentDirectoryShape, type DirectoryError, DirectoryUnavailable } from "@comedec/agaec";
import type { AgentQuery, Snapshot } from "@comedec/agent";
import { Caller } from "@comedec/api-client";
import { Contract, type Endpoint, Problems } from "@comedec/http-contract";
import { Problem, type Site } from "@comedec/actor";
import { Access } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";

const { Agents } = Contract;

/** Where the API is and who calls it. */
export type ClientOptions = Caller.ClientOptions;

const snapshotOf = ({ version, ...state }: Contract.Agents.AgentRecord): Snapshot => ({ state, version });

const versioned = (expectedVersion: number | undefined) => (expectedVersion === undefined ? {} : { expectedVersion });

/**
 * Whether a refusal is one the API may answer to any request (it did not accept the request, the
 * token, or was stopping) and the port does not know: but for `Forbidden`, which the port declares.
 */
const isUnaccepted = (endpoint: Endpoint.Any, error: unknown): boolean =>
  Problems.implicitErrors(endpoint).some((schema) => schema !== Access.Forbidden && Schema.is(schema)(error));

const unavailableOf = (error: unknown): DirectoryUnavailable => {
  const definition = Problem.ofError(error);
  const detail = definition === undefined ? undefined : Problem.detailOf(definition, error as Readonly<Record<string, unknown>>);
  return new DirectoryUnavailable({ reason: `HTTP ${definition?.status ?? ""} ${definition?.code ?? ""}: ${detail ?? definition?.title ?? ""}` });
};

/** The directory over HTTP, for the actor whose token is given. */
export const make = (options: ClientOptions): AgentDirectoryShape => {
  const caller = Caller.make(options, (reason) => new DirectoryUnavailable({ reason }));
  // The port's refusals as they are; what only the HTTP edge answers means the directory could not serve the call.
  const call = <E extends Endpoint.Any>(endpoint: E, input: Caller.CallInput<E>): Effect.Effect<Endpoint.SuccessOf<E>, DirectoryError> =>
    Effect.mapError(caller.call(endpoint, input), (error) => (isUnaccepted(endpoint, error) ? unavailableOf(error) : (error as DirectoryError)));

  const search = (query: AgentQuery) =>
    Effect.map(
      call(Agents.search, {
        query: {
          limit: query.limit,
          ...(query.name === undefined ? {} : { name: query.name }),
          ...(query.site?._tag === "commune" ? { commune: query.site.commune } : {}),
          ...(query.site?._tag === "prefecture" ? { prefecture: query.site.departement } : {}),
          ...(query.site?._tag === "national" ? { site: "national" as const } : {}),
          ...(query.departement === undefined ? {} : { departement: query.departement as Site.DepartementCode }),
          ...(query.profile === undefined ? {} : { profile: query.profile }),
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.after === undefined ? {} : { cursor: query.after }),
        },
      }),
      (page) => ({ items: page.items.map(snapshotOf), next: page.nextCursor ?? undefined }),
    );

  return {
    register: (registration) => Effect.map(call(Agents.register, { body: registration }), snapshotOf),
    find: (id) => Effect.map(call(Agents.get, { params: { id } }), snapshotOf),
    search,
    changeContact: (id, contact, expectedVersion) =>
      Effect.map(call(Agents.changeContact, { params: { id }, body: { contact, ...versioned(expectedVersion) } }), snapshotOf),
    modify: (id, changes, expectedVersion) =>
      Effect.map(call(Agents.modify, { params: { id }, body: { ...changes, ...versioned(expectedVersion) } }), snapshotOf),
    deactivate: (id, reason, expectedVersion) =>
      Effect.map(call(Agents.deactivate, { params: { id }, body: { reason, ...versioned(expectedVersion) } }), snapshotOf),
    reactivate: (id, input, expectedVersion) =>
      Effect.map(call(Agents.reactivate, { params: { id }, body: { ...input, ...versioned(expectedVersion) } }), snapshotOf),
    remove: (id, reason, expectedVersion) => Effect.map(call(Agents.remove, { params: { id }, body: { reason, ...versioned(expectedVersion) } }), snapshotOf),
    importCsv: (site, csv) => call(Agents.importCsv, { body: { site, csv } }),
  };
};

/** The `AgentDirectory` port over HTTP. */
export const layer = (options: ClientOptions): Layer.Layer<AgentDirectory> => Layer.succeed(AgentDirectory, AgentDirectory.of(make(options)));
