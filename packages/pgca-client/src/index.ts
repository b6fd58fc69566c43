/**
 * @comedec/pgca-client — the COMEDEC card platform over HTTP, for editors' software.
 */

/** The `CardPlatform` port against the deployed API. */
export * as PgcaClient from "./Client.js";
