/**
 * @comedec/rgs — the RGS 3* policy of the COMEDEC platform.
 */

/** Permissions by role and site, granted as capabilities. */
export * as Access from "./Access.js";
/** Trusted duties kept apart: their sources, what one person may combine per site, what takes two people. */
export * as Duties from "./Duties.js";
/** Cryptography by date (RGS annex B1): key sizes, curves, hashes. */
export * as Cryptography from "./Cryptography.js";
/** The RGS 3* rules as data: id, source, text and a check each; retention periods. */
export * as Rules from "./Rules.js";
/** The audit trail port. */
export * as Audit from "./Audit.js";
/** Sessions opened by logging in with the agent's card. */
export * as Sessions from "./Sessions.js";
/** Bearer tokens for machine accounts and bootstrap. */
export * as Tokens from "./Tokens.js";
/** The retention purge port. */
export * as Retention from "./Retention.js";
/** Rate-limit counters shared by every instance. */
export * as RateLimits from "./RateLimits.js";
