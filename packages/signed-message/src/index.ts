/**
 * @comedec/signed-message — CAdES-BES signed messages (CMS SignedData) around a smart card's
 * signature: `Cades.sign` and `Cades.verify`.
 */

/** CAdES-BES: sign around a card's signature, verify structure, digest and signature. */
export * as Cades from "./Cades.js";
