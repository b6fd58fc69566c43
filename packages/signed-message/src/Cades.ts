/**
 * CAdES-BES signed messages (ETSI EN 319 122-1): a CMS SignedData (RFC 5652) carrying its content,
 * one signer, SHA-256, and the signed attributes CAdES-BES asks for — content type, message
 * digest, signing time, and the signer's certificate by hash (ESS signing-certificate-v2,
 * RFC 5035), so the certificate cannot be swapped for another with the same key. The signer's
 * certificate and its issuing CA travel in the message.
 *
 * Signing is split around the card: this module builds the signed attributes, the card signs
 * their DER (the smart-card port hashes with SHA-256 and signs: ECDSA as `ECDSA-Sig-Value`, RSA as
 * PKCS#1 v1.5, exactly what CMS carries), and the message is assembled around that signature.
 */
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  id_data,
  id_signedData,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate } from "@peculiar/asn1-x509";
import * as asn1js from "asn1js";
import { Effect, Schema } from "effect";
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";

const oids = {
  sha256: "2.16.840.1.101.3.4.2.1",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
} as const;

/** The message is not a CAdES-BES message this platform accepts, or its signature does not hold. */
export class SignedMessageInvalid extends Schema.TaggedError<SignedMessageInvalid>()("SignedMessageInvalid", { reason: Schema.String }) {}

/** Who signs: their certificate, the CA certificates to carry, when, and the card's signature. */
export interface Signer<E, R> {
  /** The signer's certificate (DER). */
  readonly certificate: Uint8Array;
  /** The issuing CA's certificates (DER), carried for the verifier. */
  readonly chain: ReadonlyArray<Uint8Array>;
  readonly signingTime: Date;
  /** Signs SHA-256 of the bytes given, with the signer's key (the smart-card port's `sign`). */
  readonly sign: (toBeSigned: Uint8Array) => Effect.Effect<Uint8Array, E, R>;
}

/** What a verified message says. */
export interface Verified {
  readonly content: Uint8Array;
  readonly signingTime: Date;
  /** The signer's certificate (DER), whose key the signature was checked with. */
  readonly certificate: Uint8Array;
  /** Every certificate the message carries (DER). */
  readonly certificates: ReadonlyArray<Uint8Array>;
}

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(bytes).digest());
const bytesOf = (buffer: ArrayBuffer): Uint8Array => new Uint8Array(buffer);
const bufferOf = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** A DER header for `length` bytes of content under `tag`. */
const header = (tag: number, length: number): Uint8Array => {
  if (length < 0x80) return Uint8Array.of(tag, length);
  const digits: Array<number> = [];
  for (let rest = length; rest > 0; rest >>= 8) digits.unshift(rest & 0xff);
  return Uint8Array.of(tag, 0x80 | digits.length, ...digits);
};

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    if (a[index] !== b[index]) return (a[index] as number) - (b[index] as number);
  }
  return a.length - b.length;
};

const attribute = (type: string, value: asn1js.BaseBlock) => new Attribute({ attrType: type, attrValues: [value.toBER()] });

/** The signed attributes in DER order (a DER SET OF is sorted by encoding), and their DER SET. */
const signedAttributes = (content: Uint8Array, certificate: Uint8Array, signingTime: Date) => {
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: bufferOf(sha256(certificate)) })] });
  const attributes = [
    attribute(oids.contentType, new asn1js.ObjectIdentifier({ value: id_data })),
    attribute(oids.signingTime, new asn1js.UTCTime({ valueDate: signingTime })),
    attribute(oids.messageDigest, new asn1js.OctetString({ valueHex: bufferOf(sha256(content)) })),
    attribute(oids.signingCertificateV2, new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })),
  ]
    .map((item) => ({ item, der: bytesOf(AsnConvert.serialize(item)) }))
    .sort((a, b) => compareBytes(a.der, b.der));
  const body = concat(attributes.map((entry) => entry.der));
  return { attributes: attributes.map((entry) => entry.item), set: concat([header(0x31, body.length), body]) };
};

/** Signs `content` as a CAdES-BES message (DER), the signature made by `signer.sign`. */
export const sign = <E, R>(content: Uint8Array, signer: Signer<E, R>): Effect.Effect<Uint8Array, E, R> =>
  Effect.gen(function* () {
    // UTCTime has whole seconds: sign the time as it will read back.
    const signingTime = new Date(Math.floor(signer.signingTime.getTime() / 1000) * 1000);
    const certificate = AsnConvert.parse(bufferOf(signer.certificate), Certificate);
    const isEc = certificate.tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm === oids.ecPublicKey;
    const { attributes, set } = signedAttributes(content, signer.certificate, signingTime);
    const signature = yield* signer.sign(set);
    const signerInfo = new SignerInfo({
      version: 1,
      sid: new SignerIdentifier({
        issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: certificate.tbsCertificate.issuer, serialNumber: certificate.tbsCertificate.serialNumber }),
      }),
      digestAlgorithm: new AlgorithmIdentifier({ algorithm: oids.sha256 }),
      signedAttrs: attributes,
      signatureAlgorithm: isEc
        ? new AlgorithmIdentifier({ algorithm: oids.ecdsaWithSha256 })
        : new AlgorithmIdentifier({ algorithm: oids.sha256WithRsa, parameters: null }),
      signature: new OctetString(bufferOf(signature)),
    });
    const signedData = new SignedData({
      version: 1,
      digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: oids.sha256 })]),
      encapContentInfo: new EncapsulatedContentInfo({
        eContentType: id_data,
        eContent: new EncapsulatedContent({ single: new OctetString(bufferOf(content)) }),
      }),
      certificates: new CertificateSet(
        [signer.certificate, ...signer.chain].map((der) => new CertificateChoices({ certificate: AsnConvert.parse(bufferOf(der), Certificate) })),
      ),
      signerInfos: new SignerInfos([signerInfo]),
    });
    return bytesOf(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) })));
  });

const invalid = (reason: string) => new SignedMessageInvalid({ reason });

const attributeValue = (attributes: ReadonlyArray<Attribute>, type: string): ArrayBuffer | undefined => {
  const found = attributes.filter((item) => item.attrType === type);
  return found.length === 1 && found[0]?.attrValues.length === 1 ? found[0].attrValues[0] : undefined;
};

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && compareBytes(a, b) === 0;

/**
 * The signed attributes of the (only) signer as they were encoded: the signature covers those
 * bytes. Read with asn1js, since the CMS schema's parser does not keep them.
 */
const rawSignedAttributes = (signedData: ArrayBuffer): Uint8Array | undefined => {
  const parsed = asn1js.fromBER(signedData).result as asn1js.Sequence;
  const signerInfos = parsed.valueBlock.value.at(-1) as asn1js.Set | undefined;
  const signerInfo = signerInfos?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const tagged = signerInfo?.valueBlock.value.find((item) => item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0);
  return tagged === undefined ? undefined : new Uint8Array(tagged.valueBeforeDecodeView);
};

/** Reads a message and checks its signature with the key of the certificate it names; says why not otherwise. */
const read = (message: Uint8Array): Verified => {
  const contentInfo = AsnConvert.parse(bufferOf(message), ContentInfo);
  if (contentInfo.contentType !== id_signedData) throw invalid("not a CMS SignedData");
  const signedData = AsnConvert.parse(contentInfo.content, SignedData);
  const content = signedData.encapContentInfo.eContent?.single?.buffer;
  if (signedData.encapContentInfo.eContentType !== id_data || content === undefined) throw invalid("the message does not carry its content");
  if (signedData.signerInfos.length !== 1) throw invalid("a response has exactly one signer");
  const signerInfo = signedData.signerInfos[0] as SignerInfo;
  if (signerInfo.digestAlgorithm.algorithm !== oids.sha256) throw invalid("the digest is not SHA-256");
  const raw = rawSignedAttributes(contentInfo.content);
  const attributes = signerInfo.signedAttrs;
  if (raw === undefined || attributes === undefined) throw invalid("no signed attributes (CAdES-BES needs them)");
  const id = signerInfo.sid.issuerAndSerialNumber;
  if (id === undefined) throw invalid("the signer is not named by issuer and serial number");
  const certificates = (signedData.certificates ?? []).flatMap((choice) => (choice.certificate === undefined ? [] : [choice.certificate]));
  const certificate = certificates.find(
    (candidate) =>
      sameBytes(bytesOf(candidate.tbsCertificate.serialNumber), bytesOf(id.serialNumber)) &&
      sameBytes(bytesOf(AsnConvert.serialize(candidate.tbsCertificate.issuer)), bytesOf(AsnConvert.serialize(id.issuer))),
  );
  if (certificate === undefined) throw invalid("the signer's certificate is not in the message");
  const certificateDer = bytesOf(AsnConvert.serialize(certificate));
  const contentBytes = bytesOf(content);

  const contentType = attributeValue(attributes, oids.contentType);
  if (contentType === undefined || (asn1js.fromBER(contentType).result as asn1js.ObjectIdentifier).valueBlock.toString() !== id_data) {
    throw invalid("the signed content type is missing or not id-data");
  }
  const digest = attributeValue(attributes, oids.messageDigest);
  if (digest === undefined || !sameBytes(new Uint8Array((asn1js.fromBER(digest).result as asn1js.OctetString).valueBlock.valueHexView), sha256(contentBytes))) {
    throw invalid("the content does not match its signed digest");
  }
  const time = attributeValue(attributes, oids.signingTime);
  const parsedTime = time === undefined ? undefined : asn1js.fromBER(time).result;
  if (!(parsedTime instanceof asn1js.UTCTime || parsedTime instanceof asn1js.GeneralizedTime)) throw invalid("no signing time");
  const essCertificate = attributeValue(attributes, oids.signingCertificateV2);
  if (essCertificate === undefined) throw invalid("no signing-certificate-v2 attribute (CAdES-BES)");
  const essCertId = (asn1js.fromBER(essCertificate).result as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence | undefined;
  const firstCertId = essCertId?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const certHash = firstCertId?.valueBlock.value.find((item) => item instanceof asn1js.OctetString) as asn1js.OctetString | undefined;
  // hashAlgorithm DEFAULT sha256: a certificate named by another hash is not one we accept.
  if (
    firstCertId?.valueBlock.value[0] instanceof asn1js.Sequence ||
    certHash === undefined ||
    !sameBytes(new Uint8Array(certHash.valueBlock.valueHexView), sha256(certificateDer))
  ) {
    throw invalid("the signed certificate hash does not match the signer's certificate");
  }

  const expected = certificate.tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm === oids.ecPublicKey ? oids.ecdsaWithSha256 : oids.sha256WithRsa;
  if (signerInfo.signatureAlgorithm.algorithm !== expected) throw invalid("the signature algorithm does not fit the signer's key");
  const signedBytes = raw.slice();
  // The signature covers the attributes as a DER SET OF, not as their [0] IMPLICIT tagging.
  signedBytes[0] = 0x31;
  const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo)), format: "der", type: "spki" });
  if (!verifySignature("sha256", signedBytes, key, bytesOf(signerInfo.signature.buffer)))
    throw invalid("the signature does not verify with the signer's certificate");
  return {
    content: contentBytes,
    signingTime: parsedTime.toDate(),
    certificate: certificateDer,
    certificates: certificates.map((item) => bytesOf(AsnConvert.serialize(item))),
  };
};

/** Verifies a CAdES-BES message: structure, digest, signed attributes and the signature by the certificate it names. */
export const verify = (message: Uint8Array): Effect.Effect<Verified, SignedMessageInvalid> =>
  Effect.try({
    try: () => read(message),
    catch: (error) =>
      error instanceof SignedMessageInvalid ? error : invalid(`not a readable CMS message (${error instanceof Error ? error.message : String(error)})`),
  });
