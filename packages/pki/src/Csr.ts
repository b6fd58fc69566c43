/**
 * Certificate signing requests (PKCS#10, RFC 2986): built around a key that lives on a card (the
 * card signs the request, which is the proof that the requester holds the private key), and
 * checked before anything is issued — signature, hash, key strength (RGS annex B1).
 */
import { CertificateRefused, type CardFailure } from "@comedec/card";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, type Name, type SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { Cryptography } from "@comedec/rgs";
import { Effect } from "effect";
import { type KeyObject, verify as verifySignature } from "node:crypto";
import { algorithms, publicKeyInfo, publicKeyOf } from "./Der.js";

const hashOf: Readonly<Record<string, string>> = {
  [algorithms.ecdsaSha256]: "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  [algorithms.rsaSha256]: "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.10045.4.1": "sha1",
};

/** Builds a CSR whose signature the card makes with the key of `publicKey`. */
export const create = <E>(subject: Name, publicKey: Uint8Array, sign: (data: Uint8Array) => Effect.Effect<Uint8Array, E>): Effect.Effect<Uint8Array, E> => {
  const info = new CertificationRequestInfo({ version: 0, subject, subjectPKInfo: publicKeyInfo(publicKey), attributes: new Attributes() });
  const key = publicKeyOf(publicKey);
  const signatureAlgorithm =
    key.asymmetricKeyType === "ec"
      ? new AlgorithmIdentifier({ algorithm: algorithms.ecdsaSha256 })
      : new AlgorithmIdentifier({ algorithm: algorithms.rsaSha256, parameters: null });
  return Effect.map(
    sign(new Uint8Array(AsnConvert.serialize(info))),
    (signature) =>
      new Uint8Array(
        AsnConvert.serialize(new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm, signature: new Uint8Array(signature).buffer })),
      ),
  );
};

/** A CSR that passed every check. */
export interface CheckedRequest {
  readonly subject: Name;
  readonly subjectPublicKeyInfo: SubjectPublicKeyInfo;
  readonly publicKey: KeyObject;
  readonly keyDescription: Cryptography.KeyDescription;
}

/** Describes a public key for the policy. */
export const describeKey = (key: KeyObject): Cryptography.KeyDescription => {
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === "rsa"
    ? { type: "rsa", bits: details.modulusLength ?? 0 }
    : { type: "ec", curve: details.namedCurve ?? String(key.asymmetricKeyType) };
};

/** Parses and checks a CSR on a day: well formed, signed by its own key with an accepted hash, key strong enough. */
export const check = (der: Uint8Array, on: Date): Effect.Effect<CheckedRequest, CertificateRefused | CardFailure> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try({
      try: () => AsnConvert.parse(der, CertificationRequest),
      catch: () => new CertificateRefused({ reason: "the certificate request is not a PKCS#10 structure" }),
    });
    const info = parsed.certificationRequestInfo;
    const spkiDer = new Uint8Array(AsnConvert.serialize(info.subjectPKInfo));
    const publicKey = yield* Effect.try({
      try: () => publicKeyOf(spkiDer),
      catch: () => new CertificateRefused({ reason: "the request's public key cannot be read" }),
    });
    const keyDescription = describeKey(publicKey);
    const weak = Cryptography.keyViolation(keyDescription, on);
    if (weak !== undefined) return yield* new CertificateRefused({ reason: `${weak.id} (${weak.source}): ${weak.text}` });
    const hash = hashOf[parsed.signatureAlgorithm.algorithm];
    if (hash === undefined) return yield* new CertificateRefused({ reason: `unknown signature algorithm ${parsed.signatureAlgorithm.algorithm}` });
    const badHash = Cryptography.hashViolation(hash);
    if (badHash !== undefined) return yield* new CertificateRefused({ reason: `${badHash.id} (${badHash.source}): ${badHash.text}` });
    const signed = parsed.certificationRequestInfoRaw === undefined ? AsnConvert.serialize(info) : parsed.certificationRequestInfoRaw;
    const valid = verifySignature(hash, new Uint8Array(signed), publicKey, new Uint8Array(parsed.signature));
    if (!valid) return yield* new CertificateRefused({ reason: "the request's signature does not verify: no proof of possession of the key" });
    return { subject: info.subject, subjectPublicKeyInfo: info.subjectPKInfo, publicKey, keyDescription };
  });
