/**
 * @comedec/convention — the CARTES and COMEDEC conventions and their state machine.
 */

/** The convention model, its state machine and decide/evolve. */
export * as Convention from "./Convention.js";
/** The convention store port. */
export * from "./Ports.js";
