/**
 * @comedec/exchange-platform — the exchange's use cases, each taking the grant of its permission:
 * the specimen file and the connection test, pending requests, and signed responses verified
 * before they are kept.
 */

/** The specimen file, the requests waiting, and the connection test's standing. */
export * as Specimens from "./Specimens.js";
/** A signed response: verified (CAdES-BES, the PKI at signing time, who may sign), then kept once. */
export * as Responses from "./Responses.js";
