/**
 * Certificates for the tests: an X.509 certificate over a card's public key, signed by a throwaway
 * issuer key — what the agent checks of it is only that it certifies the card's key.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from "@peculiar/asn1-x509";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

const issuerKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const name = (common: string) =>
  new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: "2.5.4.3", value: new AttributeValue({ utf8String: common }) })])]);

/** A certificate (DER) certifying `publicKey` (SubjectPublicKeyInfo, DER). */
export const certify = (publicKey: Uint8Array, common = "test"): Uint8Array => {
  const algorithm = new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" });
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const tbsCertificate = new TBSCertificate({
    version: 2,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: name("issuer"),
    validity: new Validity({ notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) }),
    subject: name(common),
    subjectPublicKeyInfo: AsnConvert.parse(Buffer.from(publicKey), SubjectPublicKeyInfo),
  });
  const signature = sign("sha256", Buffer.from(AsnConvert.serialize(tbsCertificate)), issuerKey);
  return new Uint8Array(
    AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer })),
  );
};
