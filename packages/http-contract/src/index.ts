/**
 * @comedec/http-contract — the COMEDEC API's HTTP contract as data, and its OpenAPI document.
 */

/** An endpoint as data: method, path, Schemas, success, errors, permission and target, rate limit. */
export * as Endpoint from "./Endpoint.js";
/** The refusals every endpoint may answer besides its own. */
export * as Problems from "./Problems.js";
/** The OpenAPI 3.1 document generated from the contract. */
export * as OpenApi from "./OpenApi.js";
/** Every endpoint of the API, by group. */
export * as Contract from "./Contract.js";
/** Schemas shared by several groups of endpoints. */
export * as Shared from "./endpoints/Shared.js";
