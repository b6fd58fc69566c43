/**
 * Certificate revocation lists (RFC 5280 §5), written as DER directly. The fixed parts (issuer,
 * algorithm, extensions) go through `@peculiar/asn1-x509`; the list of revoked certificates —
 * 100,000 entries and more — is laid out by hand from pre-encoded pieces, because a generic
 * ASN.1 serialiser spends seconds on it (and `X509CrlGenerator` is quadratic).
 */
import type { Card, RevokedCertificate } from "@comedec/card";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as X509 from "@peculiar/asn1-x509";
import { sign } from "node:crypto";
import { signatureAlgorithmOf } from "./Der.js";
import type { CaKey } from "./Authority.js";

/** A DER length. */
const lengthOf = (length: number): Buffer => {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: Array<number> = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

/** A DER TLV. */
export const tlv = (tag: number, ...content: ReadonlyArray<Uint8Array>): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOf(body.length), body]);
};

/** A positive INTEGER from big-endian bytes (hex serials). */
const positiveInteger = (bytes: Buffer): Buffer => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const body = bytes.subarray(start);
  return tlv(0x02, (body[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
};

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export const time = (date: Date): Buffer => {
  const iso = date.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
};

/** The CRLReason codes of RFC 5280 §5.3.1. */
const reasonCodes: Readonly<Record<Card.RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

// Extensions { Extension { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } }, one per reason.
const reasonExtensions = new Map<Card.RevocationReason, Buffer>(
  Object.entries(reasonCodes).map(([reason, code]) => [
    reason as Card.RevocationReason,
    tlv(0x30, tlv(0x30, tlv(0x06, Buffer.from("551d15", "hex")), tlv(0x04, tlv(0x0a, Buffer.from([code]))))),
  ]),
);

/** What a CRL says. */
export interface CrlContent {
  readonly number: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: ReadonlyArray<RevokedCertificate>;
}

const extension = (id: string, value: unknown) => new X509.Extension({ extnID: id, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });

/** Builds and signs a CRL (v2, with its number and the issuer's key identifier); returns its DER. */
export const build = (issuer: CaKey, content: CrlContent): Uint8Array => {
  const algorithm = Buffer.from(AsnConvert.serialize(signatureAlgorithmOf(issuer.privateKey)));
  const times = new Map<number, Buffer>();
  const timeOf = (date: Date) => {
    const key = Math.floor(date.getTime() / 1000);
    let encoded = times.get(key);
    if (encoded === undefined) {
      encoded = time(date);
      times.set(key, encoded);
    }
    return encoded;
  };
  const entries = content.revoked.map((entry) => {
    // RFC 5280 §5.3.1: an unspecified reason is left out rather than written.
    const reason = entry.reason === "unspecified" ? undefined : reasonExtensions.get(entry.reason);
    const serial = positiveInteger(Buffer.from(entry.serial, "hex"));
    const at = timeOf(entry.revokedAt);
    return reason === undefined ? tlv(0x30, serial, at) : tlv(0x30, serial, at, reason);
  });
  const extensions = new X509.Extensions([
    extension(X509.id_ce_authorityKeyIdentifier, new X509.AuthorityKeyIdentifier({ keyIdentifier: new X509.KeyIdentifier(issuer.keyIdentifier) })),
    extension(X509.id_ce_cRLNumber, new X509.CRLNumber(Number(content.number))),
  ]);
  const tbs = tlv(
    0x30,
    Buffer.from([0x02, 0x01, 0x01]),
    algorithm,
    Buffer.from(AsnConvert.serialize(issuer.name)),
    time(content.thisUpdate),
    time(content.nextUpdate),
    ...(entries.length === 0 ? [] : [tlv(0x30, ...entries)]),
    tlv(0xa0, Buffer.from(AsnConvert.serialize(extensions))),
  );
  const signature = sign("sha256", tbs, issuer.privateKey);
  return new Uint8Array(tlv(0x30, tbs, algorithm, tlv(0x03, Buffer.from([0]), signature)));
};
