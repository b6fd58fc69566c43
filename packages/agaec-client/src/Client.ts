/**
 * The agents directory over HTTP, for editors' software: the `AgentDirectory` port of
 * `@comedec/agaec` implemented against the deployed API with one actor's bearer token. Refusals
 * come back as the same tagged errors the local directory raises (the API's problem codes are
 * mapped back through the shared table), so code written against the port runs on either.
 */
import { Change } from "@comedec/actor";
import { AgentDirectory, type AgentDirectoryShape, DirectoryUnavailable, ImportRejected, problems } from "@comedec/agaec";
import { Agent, type AgentQuery, AgentNotFound, DuplicatePerson, type Snapshot, UnknownPlaceOfBirth } from "@comedec/agent";
import { Transport } from "@comedec/api-client";
import { Access } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";

/** Where the API is and who calls it. */
export type ClientOptions = Transport.ClientOptions;

// Every tagged error the API can answer with, by tag, to rebuild it from a problem.
const errors: Record<string, new (fields: never) => Error> = {
  AgentNotFound,
  DuplicatePerson,
  UnknownPlaceOfBirth,
  ImportRejected,
  AgentIllegalTransition: Agent.AgentIllegalTransition,
  IdentityMismatch: Agent.IdentityMismatch,
  DocumentNotAcceptable: Agent.DocumentNotAcceptable,
  DocumentCheckRequired: Agent.DocumentCheckRequired,
  ProfileNotAllowed: Agent.ProfileNotAllowed,
  ImpossibleBirthDate: Agent.ImpossibleBirthDate,
  OwnRightsChange: Agent.OwnRightsChange,
  Forbidden: Access.Forbidden,
  ConcurrentModification: Change.ConcurrentModification,
};
const tagOfCode = new Map<string, string>([...Object.entries(problems).map(([tag, problem]) => [problem.code, tag] as const), ...Transport.sharedCodes]);

const decodeState = Schema.decodeUnknownEffect(Agent.State);

const toSnapshot = (body: unknown) => {
  const { version, ...state } = body as { version: number } & Record<string, unknown>;
  return Effect.map(
    Effect.mapError(decodeState(state), (error) => new DirectoryUnavailable({ reason: `unexpected agent record: ${error.message}` })),
    (decoded): Snapshot => ({ state: decoded, version }),
  );
};

/** The directory over HTTP, for the actor whose token is given. */
export const make = (options: ClientOptions): AgentDirectoryShape => {
  const call = Transport.make(options, { errors, tagOfCode, unavailable: (reason) => new DirectoryUnavailable({ reason }) });

  const snapshotOf = (method: string, path: string, body?: unknown) => Effect.flatMap(call(method, path, body), toSnapshot);
  const id = (value: string) => encodeURIComponent(value);
  const versioned = (expectedVersion: number | undefined) => (expectedVersion === undefined ? {} : { expectedVersion });

  const search = (query: AgentQuery) => {
    const parameters = new URLSearchParams({ limit: String(query.limit) });
    if (query.name !== undefined) parameters.set("name", query.name);
    if (query.site?._tag === "commune") parameters.set("commune", query.site.commune);
    if (query.site?._tag === "prefecture") parameters.set("prefecture", query.site.departement);
    if (query.departement !== undefined) parameters.set("departement", query.departement);
    if (query.profile !== undefined) parameters.set("profile", query.profile);
    if (query.status !== undefined) parameters.set("status", query.status);
    if (query.after !== undefined) parameters.set("cursor", query.after);
    return Effect.flatMap(call("GET", `/agents?${parameters}`), (body) => {
      const page = body as { items: ReadonlyArray<unknown>; nextCursor: string | null };
      return Effect.map(Effect.forEach(page.items, toSnapshot), (items) => ({ items, next: page.nextCursor ?? undefined }));
    });
  };

  return {
    register: (registration) => snapshotOf("POST", "/agents", Schema.encodeSync(Agent.Registration)(registration)),
    find: (agent) => snapshotOf("GET", `/agents/${id(agent)}`),
    search,
    changeContact: (agent, contact, expectedVersion) => snapshotOf("PUT", `/agents/${id(agent)}/contact`, { contact, ...versioned(expectedVersion) }),
    modify: (agent, changes, expectedVersion) => snapshotOf("PATCH", `/agents/${id(agent)}`, { ...changes, ...versioned(expectedVersion) }),
    deactivate: (agent, reason, expectedVersion) => snapshotOf("POST", `/agents/${id(agent)}/deactivation`, { reason, ...versioned(expectedVersion) }),
    remove: (agent, reason, expectedVersion) => snapshotOf("POST", `/agents/${id(agent)}/deletion`, { reason, ...versioned(expectedVersion) }),
    importCsv: (site, csv) => Effect.map(call("POST", "/agents/import", { site, csv }), (body) => body as { written: number; ids: ReadonlyArray<string> }),
  };
};

/** The `AgentDirectory` port over HTTP. */
export const layer = (options: ClientOptions): Layer.Layer<AgentDirectory> => Layer.succeed(AgentDirectory, AgentDirectory.of(make(options)));
