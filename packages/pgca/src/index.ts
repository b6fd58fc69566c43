/**
 * @comedec/pgca — PGCA, the agents' card platform of COMEDEC: its use cases behind one port.
 */

/** The `CardPlatform` port, its inputs and refusals. */
export * from "./Platform.js";
/** The use cases on the ports of `@comedec/card`, for one actor. */
export * as Local from "./Local.js";
/** Login with the agent's card: challenge, answer, session. */
export * as Login from "./Login.js";
/** `AgentCards` for the directory: deactivation suspends, deletion revokes. */
export * as Holders from "./Holders.js";
/** Slow hashes of activation codes and secret answers. */
export * as Hashing from "./Hashing.js";
/** The RGS deadlines watched: revocations within 24 hours, CRLs never older than 24 hours. */
export * as Monitoring from "./Monitoring.js";
/** Automatic certificate-renewal requests before expiry. */
export * as Renewals from "./Renewals.js";
