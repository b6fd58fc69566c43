/**
 * Issuing a certificate from a CSR at the speed of its signature checks. A profile's constant
 * parts — the signature algorithm, the issuer's name, every extension but the subject key
 * identifier — are encoded once into a template; each certificate then only writes its serial,
 * validity, subject, public key and key identifier around them. The CSR is read with a small DER
 * reader instead of being parsed into objects. Checks are the same as ever: the request's own
 * signature (proof of possession), its hash, its key strength (RGS annex B1).
 */
import { CertificateRefused } from "@comedec/card";
import { Cryptography } from "@comedec/rgs";
import { AsnConvert } from "@peculiar/asn1-schema";
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import type { CaKey } from "./Authority.js";
import { type Endpoints, extensionsOf } from "./Der.js";
import { children, oid, read, time, tlv } from "./Encoding.js";
import type { Profile } from "./Profiles.js";
import type { SigningKey } from "./SigningKey.js";

/** The hash of each signature algorithm a CSR may use (SHA-1 listed so that it is refused by name). */
const hashOfAlgorithm = new Map<string, string>(
  [
    ["1.2.840.10045.4.3.2", "sha256"],
    ["1.2.840.10045.4.3.3", "sha384"],
    ["1.2.840.10045.4.3.4", "sha512"],
    ["1.2.840.113549.1.1.11", "sha256"],
    ["1.2.840.113549.1.1.12", "sha384"],
    ["1.2.840.113549.1.1.13", "sha512"],
    ["1.2.840.113549.1.1.5", "sha1"],
    ["1.2.840.10045.4.1", "sha1"],
  ].map(([dotted, hash]) => [oid(dotted as string).toString("hex"), hash as string]),
);

/** A CSR's parts, as bytes. */
export interface CsrParts {
  readonly info: Uint8Array;
  readonly subject: Uint8Array;
  readonly publicKeyInfo: Uint8Array;
  /** The DER of the signature algorithm's OID. */
  readonly algorithm: Uint8Array;
  readonly signature: Uint8Array;
}

/** Finds the parts of a PKCS#10 request, or says why it is not one. */
export const parseCsr = (der: Uint8Array): CsrParts | CertificateRefused => {
  try {
    const request = read(der, 0);
    const [info, algorithm, signature] = children(der, request);
    if (request.tag !== 0x30 || info?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03) throw new Error("not a CertificationRequest");
    const [version, subject, publicKeyInfo] = children(der, info);
    if (version?.tag !== 0x02 || subject?.tag !== 0x30 || publicKeyInfo?.tag !== 0x30) throw new Error("not a CertificationRequestInfo");
    const algorithmOid = children(der, algorithm)[0];
    if (algorithmOid?.tag !== 0x06) throw new Error("no signature algorithm");
    return {
      info: der.subarray(info.start, info.end),
      subject: der.subarray(subject.start, subject.end),
      publicKeyInfo: der.subarray(publicKeyInfo.start, publicKeyInfo.end),
      algorithm: der.subarray(algorithmOid.start, algorithmOid.end),
      // A BIT STRING's first content octet counts unused bits (0 for signatures).
      signature: der.subarray(signature.contentStart + 1, signature.end),
    };
  } catch {
    return new CertificateRefused({ reason: "the certificate request is not a PKCS#10 structure" });
  }
};

/** Describes a public key for the policy. */
export const describeKey = (key: KeyObject): Cryptography.KeyDescription => {
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === "rsa"
    ? { type: "rsa", bits: details.modulusLength ?? 0 }
    : { type: "ec", curve: details.namedCurve ?? String(key.asymmetricKeyType) };
};

const ecPublicKey = oid("1.2.840.10045.2.1").toString("hex");
const curvesByOid = new Map<string, string>(
  [
    ["1.2.840.10045.3.1.7", "prime256v1"],
    ["1.3.132.0.34", "secp384r1"],
    ["1.3.132.0.35", "secp521r1"],
  ].map(([dotted, curve]) => [oid(dotted as string).toString("hex"), curve as string]),
);

/** Reads an EC key's named curve from its SubjectPublicKeyInfo (cheaper than asking the key object). */
const curveOf = (publicKeyInfo: Uint8Array): string | undefined => {
  const [algorithm] = children(publicKeyInfo, read(publicKeyInfo, 0));
  if (algorithm === undefined) return undefined;
  const [type, parameters] = children(publicKeyInfo, algorithm);
  if (type === undefined || Buffer.from(publicKeyInfo.subarray(type.start, type.end)).toString("hex") !== ecPublicKey || parameters?.tag !== 0x06)
    return undefined;
  return curvesByOid.get(Buffer.from(publicKeyInfo.subarray(parameters.start, parameters.end)).toString("hex")) ?? "unnamed";
};

/** A refusal naming the policy's rule (`Rules.ts`: crypto.key or crypto.hash), with the annex's own finer rule in the reason. */
const refusal = (policyRule: "crypto.key" | "crypto.hash", rule: Cryptography.Rule) =>
  new CertificateRefused({ rule: policyRule, reason: `${rule.id} (${rule.source}): ${rule.text}` });

/** A request that passed every check. */
export interface CheckedCsr extends CsrParts {
  readonly key: Cryptography.KeyDescription;
}

/** Checks a parsed CSR on a day: an accepted hash, a key strong enough, a signature by its own key. */
export const checkCsr = (parts: CsrParts, on: Date): CheckedCsr | CertificateRefused => {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(parts.publicKeyInfo), format: "der", type: "spki" });
  } catch {
    return new CertificateRefused({ reason: "the request's public key cannot be read" });
  }
  const curve = curveOf(parts.publicKeyInfo);
  const key: Cryptography.KeyDescription = curve === undefined ? describeKey(publicKey) : { type: "ec", curve };
  const weak = Cryptography.keyViolation(key, on);
  if (weak !== undefined) return refusal("crypto.key", weak);
  const hash = hashOfAlgorithm.get(Buffer.from(parts.algorithm).toString("hex"));
  if (hash === undefined) return new CertificateRefused({ reason: "unknown signature algorithm" });
  const badHash = Cryptography.hashViolation(hash);
  if (badHash !== undefined) return refusal("crypto.hash", badHash);
  if (!verify(hash, parts.info, publicKey, parts.signature)) {
    return new CertificateRefused({ reason: "the request's signature does not verify: no proof of possession of the key" });
  }
  return { ...parts, key };
};

/** A profile's certificate with everything constant already encoded. */
export interface Template {
  readonly issuerKey: SigningKey;
  readonly algorithm: Buffer;
  readonly issuer: Buffer;
  /** Every extension but the subject key identifier, as DER, concatenated. */
  readonly extensions: Buffer;
}

/** Encodes the constant parts of a profile's certificates for an issuer. */
export const template = (issuer: CaKey, profile: Profile, endpoints: Endpoints | undefined): Template => {
  const all = Buffer.from(AsnConvert.serialize(extensionsOf(profile, undefined, issuer.keyIdentifier, endpoints)));
  const sequence = read(all, 0);
  return {
    issuerKey: issuer.key,
    algorithm: Buffer.from(AsnConvert.serialize(issuer.key.algorithm)),
    issuer: Buffer.from(AsnConvert.serialize(issuer.name)),
    extensions: all.subarray(sequence.contentStart, sequence.end),
  };
};

const subjectKeyIdentifierOid = oid("2.5.29.14");
const version3 = tlv(0xa0, Buffer.from([0x02, 0x01, 0x02]));

/** RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the public key's bits (never SHA-1). */
export const keyIdentifierOf = (publicKeyInfo: Uint8Array): Buffer => {
  const [, bits] = children(publicKeyInfo, read(publicKeyInfo, 0));
  if (bits === undefined) throw new Error("not a SubjectPublicKeyInfo");
  return createHash("sha256")
    .update(publicKeyInfo.subarray(bits.contentStart + 1, bits.end))
    .digest()
    .subarray(0, 20);
};

/** Writes and signs a certificate on a template; returns its DER. */
export const certificate = (
  on: Template,
  content: { readonly serial: Buffer; readonly notBefore: Date; readonly notAfter: Date; readonly subject: Uint8Array; readonly publicKeyInfo: Uint8Array },
): Uint8Array => {
  const keyIdentifier = tlv(0x30, subjectKeyIdentifierOid, tlv(0x04, tlv(0x04, keyIdentifierOf(content.publicKeyInfo))));
  const tbs = tlv(
    0x30,
    version3,
    content.serial,
    on.algorithm,
    on.issuer,
    tlv(0x30, time(content.notBefore), time(content.notAfter)),
    content.subject,
    content.publicKeyInfo,
    tlv(0xa3, tlv(0x30, keyIdentifier, on.extensions)),
  );
  const signature = on.issuerKey.sign(tbs);
  return new Uint8Array(tlv(0x30, tbs, on.algorithm, tlv(0x03, Buffer.from([0]), signature)));
};
