/**
 * @comedec/agaec-client — the COMEDEC agents directory (AGAEC) over HTTP, as the `AgentDirectory` port.
 */

/** The HTTP implementation of the `AgentDirectory` port. */
export * as AgaecClient from "./Client.js";
