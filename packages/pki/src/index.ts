/**
 * @comedec/pki — the agents' PKI: CA hierarchy, RGS 3* certificate profiles, issuance from CSRs
 * with proof of possession, revocation.
 */

/** The CA hierarchy and the `CertificateAuthority` port. */
export * as Authority from "./Authority.js";
/** Certificate revocation lists, written as DER directly. */
export * as Crl from "./Crl.js";
/** The OCSP responder (RFC 6960). */
export * as Ocsp from "./Ocsp.js";
/** PKCS#10 requests: built around a card key, checked before issuance. */
export * as Csr from "./Csr.js";
/** X.509 structures: names, extensions, certificates, PEM. */
export * as Der from "./Der.js";
/** Certificates from CSRs on pre-encoded profile templates: the hot path of issuance. */
export * as Issuance from "./Issuance.js";
/** The certificate profiles. */
export * as Profiles from "./Profiles.js";
/** The signing-key port: software keys sealed at rest, or keys on a PKCS#11 token. */
export * as SigningKey from "./SigningKey.js";
/** The platform's audit key, which signs the audit trail's checkpoints. */
export * as AuditKey from "./AuditKey.js";
/** The signed checkpoints published outside the database, in an append-only directory. */
export * as AuditPublication from "./AuditPublication.js";
/** The platform's card-agent key, which signs the pairings and tickets the card agents check. */
export * as CardAgentKey from "./CardAgentKey.js";
