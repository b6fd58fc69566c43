/**
 * @comedec/card-agent — the card agent on the agent's workstation: the card operations as a
 * library, its local interface for the web console, and the `comedec-card-agent` command.
 */

/** The card operations, through the smart-card port. */
export * as CardOperations from "./CardOperations.js";
/** The local interface: HTTP on 127.0.0.1 for the console's origin, paired per platform session. */
export * as LocalInterface from "./LocalInterface.js";
/** Starts an agent: fetches the platform's key, serves the local interface. */
export * as Agent from "./Agent.js";
/** The platform's pairings and tickets, as the agent checks them. */
export * as Statements from "./Statements.js";
/** The agent's sealing key, which opens the unblock secrets sealed for it. */
export * as Sealing from "./Sealing.js";
/** The journal of key pairs generated per operation, for retries. */
export * as Journal from "./Journal.js";
/** PKCS#10 requests signed by the card. */
export * as Csr from "./Csr.js";
/** What the agent refuses. */
export * from "./Refusals.js";
