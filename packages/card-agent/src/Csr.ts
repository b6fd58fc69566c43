/**
 * PKCS#10 certificate requests (RFC 2986) signed by the card with the key they certify: the proof
 * that the card holds the private key, which the platform checks before it issues anything. The
 * subject is only the card's serial: the platform writes the certificate's subject from its own
 * directory, never from the request.
 */
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
} from "@peculiar/asn1-x509";
import { Effect } from "effect";
import { createPublicKey } from "node:crypto";

// ecdsa-with-SHA256 (RFC 5758) and sha256WithRSAEncryption (RFC 4055): what the card's SHA-256 signatures are.
const ecdsaSha256 = "1.2.840.10045.4.3.2";
const rsaSha256 = "1.2.840.113549.1.1.11";
const commonName = "2.5.4.3";

/**
 * Builds a CSR for `publicKey` (SubjectPublicKeyInfo, DER), its signature made by `sign` (the card,
 * SHA-256 of the data). The subject is the one the platform named (DER `Name`), or the card's serial.
 */
export const create = <E, R>(
  subjectOrSerial: { readonly subject: Uint8Array } | { readonly serial: string },
  publicKey: Uint8Array,
  sign: (data: Uint8Array) => Effect.Effect<Uint8Array, E, R>,
): Effect.Effect<Uint8Array, E, R> => {
  const subject =
    "subject" in subjectOrSerial
      ? AsnConvert.parse(Buffer.from(subjectOrSerial.subject), Name)
      : new Name([
          new RelativeDistinguishedName([new AttributeTypeAndValue({ type: commonName, value: new AttributeValue({ utf8String: subjectOrSerial.serial }) })]),
        ]);
  const subjectPKInfo = AsnConvert.parse(Buffer.from(publicKey), SubjectPublicKeyInfo);
  const info = new CertificationRequestInfo({ version: 0, subject, subjectPKInfo, attributes: new Attributes() });
  const signatureAlgorithm =
    createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" }).asymmetricKeyType === "ec"
      ? new AlgorithmIdentifier({ algorithm: ecdsaSha256 })
      : new AlgorithmIdentifier({ algorithm: rsaSha256, parameters: null });
  return Effect.map(
    sign(new Uint8Array(AsnConvert.serialize(info))),
    (signature) =>
      new Uint8Array(
        AsnConvert.serialize(new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm, signature: new Uint8Array(signature).buffer })),
      ),
  );
};

/** The SubjectPublicKeyInfo (DER) a certificate certifies. */
export const publicKeyOfCertificate = (der: Uint8Array): Uint8Array => {
  const certificate = AsnConvert.parse(Buffer.from(der), Certificate);
  return new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
};
