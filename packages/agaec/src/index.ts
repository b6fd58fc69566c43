/**
 * @comedec/agaec — AGAEC, the civil-status agents directory: its use cases behind ports.
 */

/** The directory's use cases as one port, and its errors. */
export * from "./Directory.js";
/** The `AgentDirectory` port for one actor: authorises, then calls the use cases below with the grant. */
export * as Local from "./Local.js";
/** Use cases: agents registered one by one, or a CSV file for one site. */
export * as Registration from "./Registration.js";
/** Use cases: a record's contact, identity, profile and rights changed; deactivated; deleted. */
export * as Maintenance from "./Maintenance.js";
/** Use cases: one record, and searches over a site. */
export * as Lookup from "./Lookup.js";
/** The CSV format of bulk imports. */
export * as Csv from "./Csv.js";
/** The cards port until the card platform exists. */
export * as Cards from "./Cards.js";
