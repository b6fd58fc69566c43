/**
 * @comedec/api-client — what the typed clients of the COMEDEC API share.
 */

/** One actor's calls, with refusals turned back into tagged errors. */
export * as Transport from "./Transport.js";
