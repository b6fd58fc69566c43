/**
 * Certificate profiles of the agents' PKI, RGS 3* (DOMAIN.md §6): separate authentication and
 * signature certificates, each valid three years at most and never past its issuer, with the key
 * usages, extended key usages and the certificate policy each needs. Data, so tests and docs read
 * the same table as the issuer.
 */
import type { Card } from "@comedec/card";

/** The certificate policy of this PKI. A UUID-based OID (X.667, arc 2.25) that nobody else can claim. */
export const policyArc = "2.25.171736145530093474893419434406398104621";

/** One profile. */
export interface Profile {
  readonly name: string;
  /** Key usage bits (RFC 5280 §4.2.1.3). */
  readonly keyUsage: ReadonlyArray<"digitalSignature" | "nonRepudiation" | "keyCertSign" | "cRLSign">;
  readonly extendedKeyUsage: ReadonlyArray<string>;
  readonly policy: string;
  readonly maximumValidityDays: number;
  readonly ca: boolean;
}

const threeYears = 3 * 365;

/** The profiles, by name. */
export const profiles = {
  root: { name: "root", keyUsage: ["keyCertSign", "cRLSign"], extendedKeyUsage: [], policy: `${policyArc}.1`, maximumValidityDays: 20 * 365, ca: true },
  issuing: { name: "issuing", keyUsage: ["keyCertSign", "cRLSign"], extendedKeyUsage: [], policy: `${policyArc}.1`, maximumValidityDays: 10 * 365, ca: true },
  // Authentication: the card logs its holder in (TLS client, challenge signature).
  authentication: {
    name: "authentication",
    keyUsage: ["digitalSignature"],
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.2"],
    policy: `${policyArc}.2.1`,
    maximumValidityDays: threeYears,
    ca: false,
  },
  // Signature: the officer attests civil-status data; non-repudiation only, never authentication.
  signature: {
    name: "signature",
    keyUsage: ["nonRepudiation"],
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.4"],
    policy: `${policyArc}.2.2`,
    maximumValidityDays: threeYears,
    ca: false,
  },
} as const satisfies Record<string, Profile>;

/** The profile of a card key. */
export const forUsage = (usage: Card.KeyUsage): Profile => profiles[usage];
