/**
 * @comedec/connection-test — the COMEDEC connection test, as a function (`ConnectionTest.run`) and
 * as the `comedec-connection-test` command.
 */

/** The connection test: log in with the card, answer and sign the specimen requests, report. */
export * as ConnectionTest from "./ConnectionTest.js";
