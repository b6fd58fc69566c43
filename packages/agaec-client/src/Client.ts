/**
 * The agents directory over HTTP, for editors' software: the `AgentDirectory` port of
 * `@comedec/agaec` implemented against the deployed API with one actor's bearer token. Refusals
 * come back as the same tagged errors the local directory raises (the API's problem codes are
 * mapped back through the shared table), so code written against the port runs on either.
 */
import { Change } from "@comedec/actor";
import { AgentDirectory, type AgentDirectoryShape, DirectoryUnavailable, ImportRejected, problems } from "@comedec/agaec";
import { Agent, type AgentQuery, AgentNotFound, DuplicatePerson, type Snapshot, UnknownPlaceOfBirth } from "@comedec/agent";
import { Access } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";

/** Where the API is and who calls it. */
export interface ClientOptions {
  /** The API's base URL, e.g. `https://comedec.example.gouv.fr`. */
  readonly baseUrl: string;
  /** The actor's bearer token. */
  readonly token: string;
  /** A fetch implementation (tests, proxies); the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

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
const tagOfCode = new Map<string, string>([
  ...Object.entries(problems).map(([tag, problem]) => [problem.code, tag] as const),
  ["forbidden", "Forbidden"],
  ["stale-version", "ConcurrentModification"],
]);
const problemMembers = new Set(["type", "status", "code", "title", "detail", "instance"]);

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
  const fetch = options.fetch ?? globalThis.fetch;
  const base = options.baseUrl.replace(/\/$/, "");

  const call = (method: string, path: string, body?: unknown) =>
    Effect.flatMap(
      Effect.tryPromise({
        try: async () => {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${options.token}`,
              accept: "application/json",
              ...(body === undefined ? {} : { "content-type": "application/json" }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const text = await response.text();
          return { status: response.status, body: text.length === 0 ? undefined : (JSON.parse(text) as unknown) };
        },
        catch: (error) => new DirectoryUnavailable({ reason: error instanceof Error ? error.message : String(error) }),
      }),
      (response): Effect.Effect<unknown, any> => {
        if (response.status < 400) return Effect.succeed(response.body);
        const problem = (response.body ?? {}) as Record<string, unknown>;
        const tag = tagOfCode.get(String(problem.code));
        const ErrorClass = tag === undefined ? undefined : errors[tag];
        if (ErrorClass === undefined) {
          return Effect.fail(
            new DirectoryUnavailable({ reason: `HTTP ${response.status} ${String(problem.code ?? "")}: ${String(problem.detail ?? problem.title ?? "")}` }),
          );
        }
        const fields = Object.fromEntries(Object.entries(problem).filter(([key]) => !problemMembers.has(key)));
        return Effect.fail(new ErrorClass(fields as never));
      },
    );

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
