/**
 * The whole contract: every endpoint of the API, by group. The API must register a handler for
 * each (its start fails otherwise), the OpenAPI document lists them, and the authorisation matrix
 * iterates them.
 */
import * as Communes from "./endpoints/Communes.js";

export { Communes };

/** Every endpoint of the API. */
export const endpoints = [...Communes.endpoints] as const;
