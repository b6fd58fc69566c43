/**
 * @comedec/card — agents' smart cards in the card platform (PGCA): model, rules, ports.
 */

/** The card: states, transitions as data, decide/evolve. */
export * as Card from "./Card.js";
/** Card requests made by holders or by the platform, validated by an operator. */
export * as Request from "./Request.js";
/** Activation codes and secret questions: formats and rules. */
export * as Secrets from "./Secrets.js";
/** The smart-card driver port and its failures. */
export * from "./SmartCard.js";
/** The card platform's ports: store, secrets, certificate authority, notifications. */
export * from "./Ports.js";
/** What the card platform's operations take, answer and refuse: inputs, refusals, cards and requests with their version. */
export * from "./Operations.js";
/** The operations the card agent carries out at the workstation, kept from their start to the card's proof: the store port, inputs and refusals. */
export * as KeyOperations from "./KeyOperations.js";
