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
import { createPublicKey, hash, type KeyObject, verify as verifySignature } from "node:crypto";
import * as Der from "./internal/Der.js";

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
  /** The signer's certificate serial number, lowercase hexadecimal without leading zero bytes. */
  readonly serial: string;
}

const sha256 = (bytes: Uint8Array): Uint8Array => hash("sha256", bytes, "buffer");
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

/** A certificate's parts the verifier needs, as views into the message. */
interface CarriedCertificate {
  readonly der: Uint8Array;
  readonly serial: Uint8Array;
  readonly issuer: Uint8Array;
  readonly spki: Uint8Array;
  readonly keyAlgorithm: string;
}

const carried = (bytes: Uint8Array, certificate: Der.Node): CarriedCertificate => {
  const [tbs] = Der.expect(bytes, certificate, 0x30);
  const fields = Der.expect(bytes, tbs, 0x30);
  // An explicit version [0] comes first in v3 certificates.
  const [serial, , issuer, , , spki] = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  if (serial === undefined || issuer === undefined || spki === undefined) throw invalid("a carried certificate is malformed");
  const [algorithm] = Der.expect(bytes, Der.expect(bytes, spki, 0x30)[0], 0x30);
  return {
    der: Der.whole(bytes, certificate),
    serial: Der.content(bytes, serial),
    issuer: Der.whole(bytes, issuer),
    spki: Der.whole(bytes, spki),
    keyAlgorithm: Der.oid(bytes, algorithm),
  };
};

/** The signed attributes by type: each present once, with one value. */
const attributesOf = (bytes: Uint8Array, signedAttributes: Der.Node): ReadonlyMap<string, Der.Node> => {
  const found = new Map<string, Der.Node>();
  for (const attribute of Der.children(bytes, signedAttributes)) {
    const [type, values] = Der.expect(bytes, attribute, 0x30);
    const typeOid = Der.oid(bytes, type);
    const [value, ...more] = Der.expect(bytes, values, 0x31);
    if (value === undefined || more.length > 0 || found.has(typeOid)) throw invalid(`the signed attribute ${typeOid} must have one value, once`);
    found.set(typeOid, value);
  }
  return found;
};

/** Reads a message and checks its signature with the key of the certificate it names; says why not otherwise. */
const read = (message: Uint8Array): Verified => {
  const bytes = message;
  const [contentType, explicitContent] = Der.expect(bytes, Der.root(bytes), 0x30);
  if (Der.oid(bytes, contentType) !== id_signedData) throw invalid("not a CMS SignedData");
  const [signedData] = Der.expect(bytes, explicitContent, 0xa0);
  const fields = Der.expect(bytes, signedData, 0x30);
  const encapsulated = fields[2];
  const signerInfos = fields.at(-1);
  const certificateSet = fields.slice(3, -1).find((field) => field.tag === 0xa0);
  const [eContentType, eContentExplicit] = Der.expect(bytes, encapsulated, 0x30);
  const eContent = eContentExplicit === undefined ? undefined : Der.expect(bytes, eContentExplicit, 0xa0)[0];
  if (Der.oid(bytes, eContentType) !== id_data || eContent?.tag !== 0x04) throw invalid("the message does not carry its content");
  const contentBytes = Der.content(bytes, eContent);
  const signers = Der.expect(bytes, signerInfos, 0x31);
  if (signers.length !== 1) throw invalid("a response has exactly one signer");
  const [, sid, digestAlgorithm, signedAttributes, signatureAlgorithm, signature] = Der.expect(bytes, signers[0], 0x30);
  if (Der.oid(bytes, Der.expect(bytes, digestAlgorithm, 0x30)[0]) !== oids.sha256) throw invalid("the digest is not SHA-256");
  if (signedAttributes?.tag !== 0xa0) throw invalid("no signed attributes (CAdES-BES needs them)");
  if (sid?.tag !== 0x30) throw invalid("the signer is not named by issuer and serial number");
  const [sidIssuer, sidSerial] = Der.children(bytes, sid);
  if (sidIssuer === undefined || sidSerial === undefined) throw invalid("the signer is not named by issuer and serial number");
  const certificates =
    certificateSet === undefined
      ? []
      : Der.children(bytes, certificateSet)
          .filter((item) => item.tag === 0x30)
          .map((item) => carried(bytes, item));
  const certificate = certificates.find(
    (candidate) => Der.same(candidate.serial, Der.content(bytes, sidSerial)) && Der.same(candidate.issuer, Der.whole(bytes, sidIssuer)),
  );
  if (certificate === undefined) throw invalid("the signer's certificate is not in the message");

  const attributes = attributesOf(bytes, signedAttributes);
  const signedContentType = attributes.get(oids.contentType);
  if (signedContentType === undefined || Der.oid(bytes, signedContentType) !== id_data) throw invalid("the signed content type is missing or not id-data");
  const digest = attributes.get(oids.messageDigest);
  if (digest?.tag !== 0x04 || !Der.same(Der.content(bytes, digest), sha256(contentBytes))) throw invalid("the content does not match its signed digest");
  const signingTime = attributes.get(oids.signingTime);
  if (signingTime === undefined) throw invalid("no signing time");
  const essCertificate = attributes.get(oids.signingCertificateV2);
  if (essCertificate === undefined) throw invalid("no signing-certificate-v2 attribute (CAdES-BES)");
  const [certIds] = Der.expect(bytes, essCertificate, 0x30);
  const [firstCertId] = Der.expect(bytes, certIds, 0x30);
  const [hashAlgorithmOrHash] = Der.expect(bytes, firstCertId, 0x30);
  // hashAlgorithm DEFAULT sha256: a certificate named by another hash is not one we accept.
  if (hashAlgorithmOrHash?.tag !== 0x04 || !Der.same(Der.content(bytes, hashAlgorithmOrHash), sha256(certificate.der))) {
    throw invalid("the signed certificate hash does not match the signer's certificate");
  }

  const expected = certificate.keyAlgorithm === oids.ecPublicKey ? oids.ecdsaWithSha256 : oids.sha256WithRsa;
  if (Der.oid(bytes, Der.expect(bytes, signatureAlgorithm, 0x30)[0]) !== expected) throw invalid("the signature algorithm does not fit the signer's key");
  if (signature?.tag !== 0x04) throw invalid("no signature value");
  // The signature covers the attributes as a DER SET OF, not as their [0] IMPLICIT tagging.
  const signedBytes = Uint8Array.from(Der.whole(bytes, signedAttributes));
  signedBytes[0] = 0x31;
  if (!verifySignature("sha256", signedBytes, publicKeyOf(certificate.spki), Der.content(bytes, signature))) {
    throw invalid("the signature does not verify with the signer's certificate");
  }
  return {
    content: contentBytes.slice(),
    signingTime: Der.time(bytes, signingTime),
    certificate: certificate.der.slice(),
    certificates: certificates.map((item) => item.der.slice()),
    serial: Buffer.from(certificate.serial)
      .toString("hex")
      .replace(/^(00)+(?=.)/, ""),
  };
};

// A key object per signer's key, not per message: building one costs as much as the verification.
const keys = new Map<string, KeyObject>();
const publicKeyOf = (spki: Uint8Array): KeyObject => {
  const id = Buffer.from(spki).toString("base64");
  const known = keys.get(id);
  if (known !== undefined) return known;
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  if (keys.size >= 10_000) keys.clear();
  keys.set(id, key);
  return key;
};

/** Verifies a CAdES-BES message: structure, digest, signed attributes and the signature by the certificate it names. */
export const verify = (message: Uint8Array): Effect.Effect<Verified, SignedMessageInvalid> =>
  Effect.try({
    try: () => read(message),
    catch: (error) =>
      error instanceof SignedMessageInvalid ? error : invalid(`not a readable CMS message (${error instanceof Error ? error.message : String(error)})`),
  });
