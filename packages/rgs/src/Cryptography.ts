/**
 * RGS v2.0 annex B1 (cryptographic mechanisms), as the PKI and the card drivers apply it: which
 * keys and hashes are acceptable on a given date. Each rule has an id and its source, so a refusal
 * names the rule it applied.
 */

/** A key as the rules see it. */
export type KeyDescription = { readonly type: "ec"; readonly curve: string } | { readonly type: "rsa"; readonly bits: number };

/** One rule of the policy, with its source. */
export interface Rule {
  readonly id: string;
  readonly source: string;
  readonly text: string;
}

/** The cryptography rules. */
export const rules = {
  rsaSize: {
    id: "crypto.rsa-size",
    source: "RGS v2.0, annexe B1, RègleFact-1 (factorisation)",
    text: "RSA moduli of at least 2048 bits until the end of 2030, at least 3072 bits from 2031.",
  },
  ecCurve: {
    id: "crypto.ec-curve",
    source: "RGS v2.0, annexe B1, RègleECp-1 (courbes elliptiques)",
    text: "Elliptic curves of order at least 256 bits: P-256, P-384, P-521 or FRP256v1.",
  },
  hash: {
    id: "crypto.hash",
    source: "RGS v2.0, annexe B1, RègleHash-1",
    text: "Hash functions of at least 256 bits (SHA-256 and up); never SHA-1.",
  },
} as const satisfies Record<string, Rule>;

/** The curves B1 accepts, by their OpenSSL/Node names and OIDs. */
export const acceptedCurves: ReadonlyArray<string> = ["prime256v1", "P-256", "secp384r1", "P-384", "secp521r1", "P-521", "FRP256v1"];

/** The first day RSA-2048 is refused. */
export const rsa2048RefusedFrom = "2031-01-01";

/** The smallest RSA modulus accepted on a day. */
export const minimumRsaBits = (on: Date): number => (on.toISOString().slice(0, 10) >= rsa2048RefusedFrom ? 3072 : 2048);

/** The rule a key breaks on a day, or undefined. */
export const keyViolation = (key: KeyDescription, on: Date): Rule | undefined => {
  if (key.type === "rsa") return key.bits >= minimumRsaBits(on) ? undefined : rules.rsaSize;
  return acceptedCurves.includes(key.curve) ? undefined : rules.ecCurve;
};

/** Hashes accepted (names as Node and WebCrypto write them). */
export const acceptedHashes: ReadonlyArray<string> = ["sha256", "sha384", "sha512", "SHA-256", "SHA-384", "SHA-512"];

/** The rule a hash breaks, or undefined. */
export const hashViolation = (hash: string): Rule | undefined => (acceptedHashes.includes(hash) ? undefined : rules.hash);
