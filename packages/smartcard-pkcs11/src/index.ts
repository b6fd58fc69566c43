/**
 * @comedec/smartcard-pkcs11 — the COMEDEC smart-card port on PKCS#11 (pkcs11js).
 */

/** The PKCS#11 driver and its layer. */
export * as Pkcs11 from "./Pkcs11.js";
