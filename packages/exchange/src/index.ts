/**
 * @comedec/exchange — civil-status verification requests and their signed responses (model,
 * rules, ports), and the specimen file a mairie tests its connection with.
 */

/** A verification request: the act, the persons, the data to verify. */
export * as Request from "./Request.js";
/** The response an officer signs, and its canonical bytes. */
export * as Response from "./Response.js";
/** Who may sign a response, and the rejections' rules. */
export * as Signer from "./Signer.js";
/** The specimen file, the requests made from it and how a mairie answers them. */
export * as Specimen from "./Specimen.js";
/** The exchange's storage port. */
export * from "./Ports.js";
