/**
 * The whole contract: every endpoint of the API, by group. The API must register a handler for
 * each (its start fails otherwise), the OpenAPI document lists them, and the authorisation matrix
 * iterates them.
 */
import * as Agents from "./endpoints/Agents.js";
import * as CardRequests from "./endpoints/CardRequests.js";
import * as Cards from "./endpoints/Cards.js";
import * as Communes from "./endpoints/Communes.js";
import * as Mailbox from "./endpoints/Mailbox.js";

export { Agents, CardRequests, Cards, Communes, Mailbox };

// Typed by the groups' own lists, so that the declaration names their errors through the groups.
/** Every endpoint of the API. */
export const endpoints: readonly [
  ...typeof Communes.endpoints,
  ...typeof Agents.endpoints,
  ...typeof Cards.endpoints,
  ...typeof CardRequests.endpoints,
  ...typeof Mailbox.endpoints,
] = [...Communes.endpoints, ...Agents.endpoints, ...Cards.endpoints, ...CardRequests.endpoints, ...Mailbox.endpoints];
