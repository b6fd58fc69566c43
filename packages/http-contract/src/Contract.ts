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
import * as Onboarding from "./endpoints/Onboarding.js";
import * as Conventions from "./endpoints/Conventions.js";
import * as Editors from "./endpoints/Editors.js";
import * as Planning from "./endpoints/Planning.js";
import * as Monitoring from "./endpoints/Monitoring.js";
import * as Audit from "./endpoints/Audit.js";
import * as Sessions from "./endpoints/Sessions.js";
import * as Exchange from "./endpoints/Exchange.js";
import * as Pki from "./endpoints/Pki.js";
import * as CardAgent from "./endpoints/CardAgent.js";
import * as AgentOperations from "./endpoints/AgentOperations.js";
import * as SelfUnblock from "./endpoints/SelfUnblock.js";

export {
  Agents,
  CardRequests,
  Cards,
  Communes,
  Mailbox,
  Onboarding,
  Conventions,
  Editors,
  Planning,
  Monitoring,
  Audit,
  Sessions,
  Exchange,
  Pki,
  CardAgent,
  AgentOperations,
  SelfUnblock,
};

// Typed by the groups' own lists, so that the declaration names their errors through the groups.
/** Every endpoint of the API. */
export const endpoints: readonly [
  ...typeof Communes.endpoints,
  ...typeof Agents.endpoints,
  ...typeof Cards.endpoints,
  ...typeof CardRequests.endpoints,
  ...typeof Mailbox.endpoints,
  ...typeof Onboarding.endpoints,
  ...typeof Conventions.endpoints,
  ...typeof Editors.endpoints,
  ...typeof Planning.endpoints,
  ...typeof Monitoring.endpoints,
  ...typeof Audit.endpoints,
  ...typeof Sessions.endpoints,
  ...typeof Exchange.endpoints,
  ...typeof Pki.endpoints,
  ...typeof CardAgent.endpoints,
  ...typeof AgentOperations.endpoints,
  ...typeof SelfUnblock.endpoints,
] = [
  ...Communes.endpoints,
  ...Agents.endpoints,
  ...Cards.endpoints,
  ...CardRequests.endpoints,
  ...Mailbox.endpoints,
  ...Onboarding.endpoints,
  ...Conventions.endpoints,
  ...Editors.endpoints,
  ...Planning.endpoints,
  ...Monitoring.endpoints,
  ...Audit.endpoints,
  ...Sessions.endpoints,
  ...Exchange.endpoints,
  ...Pki.endpoints,
  ...CardAgent.endpoints,
  ...AgentOperations.endpoints,
  ...SelfUnblock.endpoints,
];
