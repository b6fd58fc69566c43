/**
 * @comedec/api-client — what the typed clients of the COMEDEC API share.
 */

/** One actor's calls of the contract's endpoints, refusals back as the declared tagged errors. */
export * as Caller from "./Caller.js";
