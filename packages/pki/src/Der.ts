/**
 * X.509 structures built with `@peculiar/asn1-x509` (not `@peculiar/x509`'s generators, which are
 * an order of magnitude slower and O(n²) on CRLs), and signed through the signing-key port. Names, key
 * identifiers, extensions of a profile, and certificates.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as X509 from "@peculiar/asn1-x509";
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { oid, tlv } from "./Encoding.js";
import type { Profile } from "./Profiles.js";
import type { SigningKey } from "./SigningKey.js";

/** ecdsa-with-SHA256 and sha256WithRSAEncryption. */
export const algorithms = { ecdsaSha256: "1.2.840.10045.4.3.2", rsaSha256: "1.2.840.113549.1.1.11" } as const;

/** A distinguished name, most significant first: [["C","FR"],["O","…"],["CN","…"]]. */
export type NameParts = ReadonlyArray<readonly [keyof typeof attributeTypes, string]>;

const attributeTypes = {
  C: "2.5.4.6",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  CN: "2.5.4.3",
  GN: "2.5.4.42",
  SN: "2.5.4.4",
  L: "2.5.4.7",
  serialNumber: "2.5.4.5",
} as const;

const attributeTypeDer = Object.fromEntries(Object.entries(attributeTypes).map(([type, dotted]) => [type, oid(dotted)])) as Record<
  keyof typeof attributeTypes,
  Buffer
>;

/** The DER of a Name, written by hand (the same bytes as `name`): the hot path of issuance compares subjects. */
export const nameDer = (parts: NameParts): Buffer =>
  tlv(
    0x30,
    ...parts.map(([type, value]) =>
      tlv(0x31, tlv(0x30, attributeTypeDer[type], tlv(type === "C" || type === "serialNumber" ? 0x13 : 0x0c, Buffer.from(value, "utf8")))),
    ),
  );

/** Builds a Name; the country is a PrintableString as RFC 5280 requires, the rest UTF8String. */
export const name = (parts: NameParts): X509.Name =>
  new X509.Name(
    parts.map(
      ([type, value]) =>
        new X509.RelativeDistinguishedName([
          new X509.AttributeTypeAndValue({
            type: attributeTypes[type],
            value: new X509.AttributeValue(type === "C" || type === "serialNumber" ? { printableString: value } : { utf8String: value }),
          }),
        ]),
    ),
  );

/** RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the public key bits (never SHA-1). */
export const keyIdentifier = (spki: X509.SubjectPublicKeyInfo): ArrayBuffer => {
  const digest = createHash("sha256").update(new Uint8Array(spki.subjectPublicKey)).digest();
  return new Uint8Array(digest.subarray(0, 20)).buffer;
};

const extension = (id: string, critical: boolean, value: unknown) =>
  new X509.Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

const keyUsageBits = {
  digitalSignature: X509.KeyUsageFlags.digitalSignature,
  nonRepudiation: X509.KeyUsageFlags.nonRepudiation,
  keyCertSign: X509.KeyUsageFlags.keyCertSign,
  cRLSign: X509.KeyUsageFlags.cRLSign,
};

/** Where relying parties fetch the CRL and ask OCSP. */
export interface Endpoints {
  readonly crl: string;
  /** The OCSP responder, in the AIA; absent for a CA certificate, which only the root's CRL covers. */
  readonly ocsp?: string;
}

/** The extensions of a profile for a subject key, issued by a key. */
export const extensionsOf = (
  profile: Profile,
  subjectKey: ArrayBuffer | undefined,
  issuerKey: ArrayBuffer,
  endpoints: Endpoints | undefined,
): X509.Extensions => {
  const list = [
    extension(
      X509.id_ce_basicConstraints,
      true,
      new X509.BasicConstraints(profile.ca ? { cA: true, ...(profile.name === "issuing" ? { pathLenConstraint: 0 } : {}) } : {}),
    ),
    extension(X509.id_ce_keyUsage, true, new X509.KeyUsage(profile.keyUsage.reduce((bits, usage) => bits | keyUsageBits[usage], 0))),
    // Without a subject key, the caller writes its identifier itself (certificate templates).
    ...(subjectKey === undefined ? [] : [extension(X509.id_ce_subjectKeyIdentifier, false, new X509.SubjectKeyIdentifier(subjectKey))]),
    extension(X509.id_ce_authorityKeyIdentifier, false, new X509.AuthorityKeyIdentifier({ keyIdentifier: new X509.KeyIdentifier(issuerKey) })),
    extension(X509.id_ce_certificatePolicies, false, new X509.CertificatePolicies([new X509.PolicyInformation({ policyIdentifier: profile.policy })])),
  ];
  if (profile.extendedKeyUsage.length > 0) list.push(extension(X509.id_ce_extKeyUsage, false, new X509.ExtendedKeyUsage([...profile.extendedKeyUsage])));
  if (endpoints !== undefined) {
    const uri = (url: string) => new X509.GeneralName({ uniformResourceIdentifier: url });
    list.push(
      extension(
        X509.id_ce_cRLDistributionPoints,
        false,
        new X509.CRLDistributionPoints([new X509.DistributionPoint({ distributionPoint: new X509.DistributionPointName({ fullName: [uri(endpoints.crl)] }) })]),
      ),
    );
    if (endpoints.ocsp !== undefined) {
      list.push(
        extension(
          X509.id_pe_authorityInfoAccess,
          false,
          new X509.AuthorityInfoAccessSyntax([new X509.AccessDescription({ accessMethod: X509.id_ad_ocsp, accessLocation: uri(endpoints.ocsp) })]),
        ),
      );
    }
  }
  return new X509.Extensions(list);
};

/** The signature algorithm identifier for a signing key. */
export const signatureAlgorithmOf = (key: KeyObject): X509.AlgorithmIdentifier =>
  key.asymmetricKeyType === "ec"
    ? new X509.AlgorithmIdentifier({ algorithm: algorithms.ecdsaSha256 })
    : new X509.AlgorithmIdentifier({ algorithm: algorithms.rsaSha256, parameters: null });

/** What a certificate says. */
export interface CertificateContent {
  readonly serial: Uint8Array;
  readonly issuer: X509.Name;
  readonly subject: X509.Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectPublicKeyInfo: X509.SubjectPublicKeyInfo;
  readonly extensions: X509.Extensions;
}

/** Builds and signs a certificate with the issuer's key; returns its DER. */
export const certificate = (content: CertificateContent, issuerKey: SigningKey): Uint8Array => {
  const algorithm = issuerKey.algorithm;
  const tbsCertificate = new X509.TBSCertificate({
    version: X509.Version.v3,
    serialNumber: new Uint8Array(content.serial).buffer,
    signature: algorithm,
    issuer: content.issuer,
    validity: new X509.Validity({ notBefore: content.notBefore, notAfter: content.notAfter }),
    subject: content.subject,
    subjectPublicKeyInfo: content.subjectPublicKeyInfo,
    extensions: content.extensions,
  });
  const signatureValue = issuerKey.sign(new Uint8Array(AsnConvert.serialize(tbsCertificate)));
  return new Uint8Array(
    AsnConvert.serialize(new X509.Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signatureValue).buffer })),
  );
};

/** Reads a SubjectPublicKeyInfo. */
export const publicKeyInfo = (der: Uint8Array): X509.SubjectPublicKeyInfo => AsnConvert.parse(der, X509.SubjectPublicKeyInfo);

/** The public key of a SubjectPublicKeyInfo as a KeyObject. */
export const publicKeyOf = (der: Uint8Array): KeyObject => createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });

/** PEM armour. */
export const pem = (label: string, der: Uint8Array): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "")}\n-----END ${label}-----\n`;
