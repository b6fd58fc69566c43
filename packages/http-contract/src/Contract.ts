/**
 * The whole contract: every endpoint of the API, by group. The API must register a handler for
 * each (its start fails otherwise), the OpenAPI document lists them, and the authorisation matrix
 * iterates them.
 */
import * as Agents from "./endpoints/Agents.js";
import * as Communes from "./endpoints/Communes.js";

export { Agents, Communes };

// Typed by the groups' own lists, so that the declaration names their errors through the groups.
/** Every endpoint of the API. */
export const endpoints: readonly [...typeof Communes.endpoints, ...typeof Agents.endpoints] = [...Communes.endpoints, ...Agents.endpoints];
