/**
 * The directory's use cases as one port, acting for one actor: what an editor's software or the
 * API calls. `Local.layer` provides it over the ports of `@comedec/agent`; `@comedec/agaec-client`
 * provides it over HTTP. Both pass one contract suite, so an integrator can swap them.
 */
import type { Change } from "@comedec/actor";
import type { Agent, AgentNotFound, AgentPage, AgentQuery, DuplicatePerson, Snapshot, UnknownPlaceOfBirth } from "@comedec/agent";
import type { Access } from "@comedec/rgs";
import { Context, type Effect, Schema } from "effect";
import { Problem } from "@comedec/actor";

/** One rejected row of a bulk import. */
export const RowError = Schema.Struct({ row: Schema.Number, code: Schema.String, detail: Schema.String });
/** One rejected row of a bulk import. */
export type RowError = typeof RowError.Type;

/** A bulk import had invalid rows: nothing was written; `rows` says which and why (row 1 is the first data row). */
export class ImportRejected extends Schema.TaggedError<ImportRejected>()(
  "ImportRejected",
  { rows: Schema.Array(RowError) },
  Problem.annotation(422, "import-rejected", "Some rows are invalid: nothing was imported"),
) {}

/** The directory could not be reached or answered something unexpected (remote clients only). */
export class DirectoryUnavailable extends Schema.TaggedError<DirectoryUnavailable>()("DirectoryUnavailable", { reason: Schema.String }) {}

/** What a bulk import wrote: one agent id per data row, in order. */
export interface ImportReport {
  readonly written: number;
  readonly ids: ReadonlyArray<string>;
}

/** The changes `modify` accepts. */
export type Modification = Omit<Extract<Agent.Command, { _tag: "Modify" }>, "_tag">;

/** Every refusal of the directory. */
export type DirectoryError =
  | Agent.AgentError
  | AgentNotFound
  | DuplicatePerson
  | UnknownPlaceOfBirth
  | Change.ConcurrentModification
  | Access.Forbidden
  | ImportRejected
  | DirectoryUnavailable;

/** The directory's use cases for one actor. */
export interface AgentDirectoryShape {
  readonly register: (registration: Agent.Registration) => Effect.Effect<Snapshot, DirectoryError>;
  readonly find: (id: string) => Effect.Effect<Snapshot, DirectoryError>;
  readonly search: (query: AgentQuery) => Effect.Effect<AgentPage, DirectoryError>;
  readonly changeContact: (id: string, contact: Agent.Contact, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  readonly modify: (id: string, changes: Modification, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  /** Deactivates the profile and suspends the agent's cards. */
  readonly deactivate: (id: string, reason: string, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  /** Deletes the record: personal data is erased and the agent's cards revoked. */
  readonly remove: (id: string, reason: string, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  /** Registers every row of a CSV file for one site, or none. */
  readonly importCsv: (site: Agent.AgentSite, csv: string) => Effect.Effect<ImportReport, DirectoryError>;
}

/** The directory's use cases for one actor. */
export class AgentDirectory extends Context.Service<AgentDirectory, AgentDirectoryShape>()("@comedec/agaec/AgentDirectory") {}

/** How each refusal of the directory reads over HTTP: one stable code per tag, shared by the API and the client. */
export const problems = {
  AgentNotFound: { status: 404, code: "agent-not-found", title: "Unknown agent" },
  DuplicatePerson: { status: 409, code: "duplicate-person", title: "This person already has an active record at this site" },
  AgentIllegalTransition: { status: 409, code: "agent-illegal-transition", title: "Not allowed in the record's state" },
  UnknownPlaceOfBirth: { status: 422, code: "unknown-place-of-birth", title: "The place of birth is not a known commune" },
  IdentityMismatch: { status: 422, code: "identity-mismatch", title: "The identity differs from the checked document" },
  DocumentNotAcceptable: { status: 422, code: "document-not-acceptable", title: "The identity document is not acceptable" },
  DocumentCheckRequired: { status: 422, code: "document-check-required", title: "An identity change needs a new document check" },
  ProfileNotAllowed: { status: 422, code: "profile-not-allowed", title: "The profile does not fit the function or rights" },
  ImpossibleBirthDate: { status: 422, code: "impossible-birth-date", title: "The birth date is impossible for an agent" },
  OwnRightsChange: { status: 403, code: "own-rights-change", title: "Nobody changes their own rights" },
  ImportRejected: { status: 422, code: "import-rejected", title: "Some rows are invalid: nothing was imported" },
} as const satisfies Record<string, { readonly status: number; readonly code: string; readonly title: string }>;
