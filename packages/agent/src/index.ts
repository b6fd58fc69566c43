/**
 * @comedec/agent — the civil-status agents of the COMEDEC directory (AGAEC): model, rules, ports.
 */

/** Civil status as on the identity document, and the document check. */
export * as Identity from "./Identity.js";
/** The agent record: site, profile, rights, status; decide/evolve and the state table. */
export * as Agent from "./Agent.js";
/** The directory's ports: store, cards, and the use cases as one service. */
export * from "./Ports.js";
/** Bulk imports: the report, the refusal and its rows. */
export * from "./Import.js";
