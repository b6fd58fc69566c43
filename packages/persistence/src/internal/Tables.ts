/**
 * The tables as Kysely sees them. Internal: Kysely's types never leave this package.
 */
import type { ColumnType, Generated } from "kysely";

export interface CommuneTable {
  code: string;
  name: string;
  search_name: string;
  departement: string;
  region: string;
  population: number;
  latitude: number | null;
  longitude: number | null;
  removed_at: ColumnType<Date | null, never, Date | null>;
  onboarding_version: Generated<number>;
  onboarding_state: ColumnType<unknown, string, string> | null;
  under_obligation: Generated<boolean>;
  reached: Generated<Array<string>>;
  late_from: ColumnType<string | null, string | null, string | null>;
}

export interface AgentTable {
  id: string;
  site_key: string;
  departement: string | null;
  status: string;
  profile: string | null;
  person_key: string | null;
  sort_name: string;
  search_name: string;
  version: number;
  state: ColumnType<unknown, string, string>;
  salt: Buffer | null;
}

export interface AgentNameTable {
  word: string;
  agent_id: string;
  site_key: string;
  departement: string | null;
  status: string;
  profile: string | null;
  sort_name: string;
  search_name: string;
}

export interface ConventionTable {
  id: string;
  commune: string;
  kind: string;
  status: string;
  version: number;
  state: ColumnType<unknown, string, string>;
  submitted_at: ColumnType<Date, never, never>;
  position: ColumnType<string | number | bigint, never, never>;
}

export interface SoftwareEditorTable {
  id: string;
  name: string;
  contact_email: string;
  compatible: boolean;
  version: number;
}

export interface ActorTokenTable {
  id: string;
  secret_hash: Uint8Array;
  actor: ColumnType<unknown, string, string>;
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Generated<Date>;
}

export interface EventLogTable {
  position: ColumnType<string | number | bigint, never, never>;
  stream: string;
  stream_version: number;
  event_type: string;
  payload: unknown;
  actor_id: string;
  actor_role: string;
  site: string;
  recorded_at: Date;
  previous_hash: Uint8Array;
  hash: Uint8Array;
}

export interface Tables {
  commune: CommuneTable;
  agent: AgentTable;
  agent_name: AgentNameTable;
  convention: ConventionTable;
  software_editor: SoftwareEditorTable;
  actor_token: ActorTokenTable;
  event_log: EventLogTable;
}
