/**
 * @comedec/exchange-client — the COMEDEC exchange for an agent's software: card login, pending
 * requests, responses signed with the card's signature key, the connection test.
 */

/** Login with the card, the session's calls, and responses signed as CAdES-BES. */
export * as ExchangeClient from "./Client.js";
