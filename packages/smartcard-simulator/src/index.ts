/**
 * @comedec/smartcard-simulator — deterministic virtual smart cards behind the COMEDEC smart-card port.
 */

/** The simulated readers and cards. */
export * as Simulator from "./Simulator.js";
