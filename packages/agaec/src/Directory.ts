/**
 * The directory's use cases as one port, acting for one actor: what an editor's software or the
 * API calls. `Local.layer` provides it over the ports of `@comedec/agent`; `@comedec/agaec-client`
 * provides it over HTTP. Both pass one contract suite, so an integrator can swap them.
 */
import type { Change } from "@comedec/actor";
import type { Agent, AgentNotFound, AgentPage, AgentQuery, DuplicatePerson, ImportRejected, ImportReport, Snapshot, UnknownPlaceOfBirth } from "@comedec/agent";
import type { Access, Rules } from "@comedec/rgs";
import { Context, type Effect, Schema } from "effect";

// The import's report and refusal, and the modification's changes, live in `@comedec/agent` (the
// HTTP contract speaks of them); re-exported here for the code that imported them from agaec.
export { ImportRejected, ImportReport, RowError } from "@comedec/agent";

/** The directory could not be reached or answered something unexpected (remote clients only). */
export class DirectoryUnavailable extends Schema.TaggedError<DirectoryUnavailable>()("DirectoryUnavailable", { reason: Schema.String }) {}

/** The changes `modify` accepts. */
export type Modification = Agent.Modification;

/** Every refusal of the directory. */
export type DirectoryError =
  | Agent.AgentError
  | AgentNotFound
  | DuplicatePerson
  | UnknownPlaceOfBirth
  | Change.ConcurrentModification
  | Access.Forbidden
  | Rules.RuleBroken
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
  /**
   * Reactivates the profile and resumes the agent's suspended cards; after a long deactivation
   * (`Agent.longDeactivationDays`) the identity document checked again face to face is required.
   */
  readonly reactivate: (id: string, input: Agent.ReactivationInput, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  /** Deletes the record: personal data is erased and the agent's cards revoked. */
  readonly remove: (id: string, reason: string, expectedVersion?: number) => Effect.Effect<Snapshot, DirectoryError>;
  /** Registers every row of a CSV file for one site, or none. */
  readonly importCsv: (site: Agent.AgentSite, csv: string) => Effect.Effect<ImportReport, DirectoryError>;
}

/** The directory's use cases for one actor. */
export class AgentDirectory extends Context.Service<AgentDirectory, AgentDirectoryShape>()("@comedec/agaec/AgentDirectory") {}

// Only the local CSV import still reads it, for the codes of its rejected rows: the codes are the
// problem annotations of the error classes (`Problem.of`), so it goes once Local.ts reads those.
/** How each refusal of the directory reads over HTTP: one stable code per tag. */
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
