/**
 * The signing-key port of the PKI: what the CA (certificates, CRLs, OCSP answers) and the audit
 * trail (checkpoints) sign with, whoever holds the key. Two holders: a software key sealed at rest
 * under the custodians' passphrase (the embedded mode), or a key pair generated on a PKCS#11 token
 * through the smart-card driver's `KeyTokens` (production), which never lets the private key out.
 * Signing is synchronous on both (node:crypto's `sign`, PKCS#11's `C_Sign`), so the builders of
 * certificates and CRLs stay pure functions of their content.
 */
import type { KeyTokensShape, ServiceKeyCurve, TokenKey } from "@comedec/card";
import * as X509 from "@peculiar/asn1-x509";
import { Effect } from "effect";
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, scryptSync, sign } from "node:crypto";
import { algorithms } from "./Der.js";

/** A key that signs: its public half, its algorithm, and signatures (SHA-256, then the key's own scheme). */
export interface SigningKey {
  /** Where the private key is: in this process (sealed at rest) or on a token. */
  readonly holder: "software" | "token";
  /** The SubjectPublicKeyInfo (DER). */
  readonly publicKeyInfo: Uint8Array;
  /** The algorithm of its signatures, as certificates and CRLs name it. */
  readonly algorithm: X509.AlgorithmIdentifier;
  /** Signs SHA-256 of `message`: ECDSA as DER `ECDSA-Sig-Value`, RSA as PKCS#1 v1.5. */
  readonly sign: (message: Uint8Array) => Uint8Array;
}

/** A software key (the embedded mode's, sealed at rest by `Sealed`). */
export const software = (privateKey: KeyObject): SigningKey => ({
  holder: "software",
  publicKeyInfo: new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" })),
  algorithm:
    privateKey.asymmetricKeyType === "ec"
      ? new X509.AlgorithmIdentifier({ algorithm: algorithms.ecdsaSha256 })
      : new X509.AlgorithmIdentifier({ algorithm: algorithms.rsaSha256, parameters: null }),
  sign: (message) => new Uint8Array(sign("sha256", message, privateKey)),
});

/** A new software key on a curve. */
export const generateSoftware = (curve: ServiceKeyCurve): SigningKey => software(generateKeyPairSync("ec", { namedCurve: curve }).privateKey);

/** A key on a token: hashed here, the digest signed there with `CKM_ECDSA` (SoftHSM 2.6 has no `CKM_ECDSA_SHA256`). */
export const onToken = (key: TokenKey): SigningKey => ({
  holder: "token",
  publicKeyInfo: key.publicKey,
  algorithm: new X509.AlgorithmIdentifier({ algorithm: algorithms.ecdsaSha256 }),
  sign: (message) => key.signDigest(createHash("sha256").update(message).digest()),
});

/** A token of an HSM, named by its label, and the PIN that opens it. */
export interface Token {
  readonly keys: KeyTokensShape;
  readonly label: string;
  readonly pin: string;
}

/** The key of `label` on the token, generated there (non-extractable) on first use. */
export const onTokenOrGenerated = (token: Token, label: string, curve: ServiceKeyCurve) =>
  Effect.gen(function* () {
    yield* token.keys.login(token.label, token.pin);
    const found = yield* token.keys.findKey(token.label, label);
    return onToken(found ?? (yield* token.keys.generateKey(token.label, label, curve)));
  });

/**
 * The user PIN of the CA's token, derived from the custodians' passphrase (`Authority.custodianPassphrase`,
 * both secrets) and the token's label by scrypt: neither custodian alone knows it, nothing stores
 * it, and the key ceremony sets it on the token (`KeyTokens.initialisePin`) with both present. ADR 0014.
 */
export const tokenPin = (passphrase: string, tokenLabel: string): string =>
  scryptSync(passphrase, `comedec CA token PIN\u0000${tokenLabel}`, 20, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString("hex");
