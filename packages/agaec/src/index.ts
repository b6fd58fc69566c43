/**
 * @comedec/agaec — AGAEC, the civil-status agents directory: its use cases behind ports.
 */

/** The directory's use cases as one port, and its errors. */
export * from "./Directory.js";
/** The directory on the ports of `@comedec/agent`, for one actor. */
export * as Local from "./Local.js";
/** The CSV format of bulk imports. */
export * as Csv from "./Csv.js";
/** The cards port until the card platform exists. */
export * as Cards from "./Cards.js";
