/**
 * Certificate revocation lists (RFC 5280 §5), written as DER directly. The fixed parts (issuer,
 * algorithm, extensions) go through `@peculiar/asn1-x509`; the list of revoked certificates —
 * 100,000 entries and more — is written byte by byte into the CRL's one buffer, because a generic
 * ASN.1 serialiser spends seconds on it (and `X509CrlGenerator` is quadratic).
 */
import type { Card, RevokedCertificate } from "@comedec/card";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as X509 from "@peculiar/asn1-x509";
import { lengthOf, time, tlv } from "./Encoding.js";
import type { CaKey } from "./Authority.js";

/** The CRLReason codes of RFC 5280 §5.3.1 (`certificateHold`: a suspended card's certificates, until it resumes). */
const reasonCodes: Readonly<Record<Card.CrlReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
};

// Extensions { Extension { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } }, one per reason
// written (RFC 5280 §5.3.1: an unspecified reason is left out rather than written).
const reasonExtensions = new Map<Card.CrlReason, Buffer>(
  Object.entries(reasonCodes)
    .filter(([reason]) => reason !== "unspecified")
    .map(([reason, code]) => [
      reason as Card.CrlReason,
      tlv(0x30, tlv(0x30, tlv(0x06, Buffer.from("551d15", "hex")), tlv(0x04, tlv(0x0a, Buffer.from([code]))))),
    ]),
);

/** The value of each hexadecimal digit by its character code, -1 for any other character. */
const hexValue = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  hexValue[digit.toString(16).charCodeAt(0)] = digit;
  hexValue[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
}
const digitOf = (serial: string, at: number): number => hexValue[serial.charCodeAt(at)] ?? -1;

/** A TLV's tag and length, its content to follow. */
const tlvHeader = (tag: number, length: number): Buffer => Buffer.concat([Buffer.from([tag]), lengthOf(length)]);

// RFC 5280 §4.1.2.2: a serial is at most 20 octets (one more for the sign), so each entry's lengths fit in one byte.
const maxSerialOctets = 20;
/** The most bytes one revoked entry takes: its SEQUENCE, its INTEGER, a GeneralizedTime, the longest reason. */
const maxEntryLength = 2 + 2 + maxSerialOctets + 1 + 17 + Math.max(...[...reasonExtensions.values()].map((der) => der.length));

/**
 * The entries of `revokedCertificates` (SEQUENCE OF SEQUENCE { serial, revocationDate, [reason] }),
 * written at `at` in `out` (room for `maxEntryLength` bytes each) in one pass, byte by byte: no
 * object nor native call per entry — at 400,000 entries (a national CRL) those were most of the
 * time. Returns where they end.
 */
const writeRevoked = (revoked: ReadonlyArray<RevokedCertificate>, out: Buffer, at: number): number => {
  // Revocation dates repeat by the second (a card's two certificates, a batch): each second is
  // encoded once, keyed from the first entry's second so that keys stay small integers.
  const times = new Map<number, Buffer>();
  const base = Math.floor((revoked[0] as RevokedCertificate).revokedAt.getTime() / 1000);
  for (const entry of revoked) {
    const serial = entry.serial;
    if (serial.length === 0 || serial.length % 2 !== 0) throw new Error(`serial ${serial} is not whole octets of hexadecimal`);
    // Leading zero octets are left out (DER's shortest INTEGER), but the last.
    let start = 0;
    while (start < serial.length - 2 && serial.charCodeAt(start) === 0x30 && serial.charCodeAt(start + 1) === 0x30) start += 2;
    const octets = (serial.length - start) / 2;
    if (octets > maxSerialOctets) throw new Error(`serial ${serial} is longer than ${maxSerialOctets} octets`);
    const entryStart = at;
    at += 2;
    out[at++] = 0x02;
    // A serial whose first bit is set gets a leading zero octet, so that the INTEGER stays positive.
    const padded = digitOf(serial, start) >= 8;
    out[at++] = padded ? octets + 1 : octets;
    if (padded) out[at++] = 0;
    for (let digit = start; digit < serial.length; digit += 2) {
      const high = digitOf(serial, digit);
      const low = digitOf(serial, digit + 1);
      if ((high | low) < 0) throw new Error(`serial ${serial} is not hexadecimal`);
      out[at++] = (high << 4) | low;
    }
    const second = Math.floor(entry.revokedAt.getTime() / 1000) - base;
    let encodedTime = times.get(second);
    if (encodedTime === undefined) {
      encodedTime = time(entry.revokedAt);
      times.set(second, encodedTime);
    }
    for (let byte = 0; byte < encodedTime.length; byte++) out[at++] = encodedTime[byte] as number;
    if (entry.reason !== "unspecified") {
      const reason = reasonExtensions.get(entry.reason);
      if (reason === undefined) throw new Error(`unknown CRL reason ${entry.reason}`);
      for (let byte = 0; byte < reason.length; byte++) out[at++] = reason[byte] as number;
    }
    out[entryStart] = 0x30;
    out[entryStart + 1] = at - entryStart - 2;
  }
  return at;
};

/** What a CRL says. */
export interface CrlContent {
  readonly number: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: ReadonlyArray<RevokedCertificate>;
}

const extension = (id: string, value: unknown) => new X509.Extension({ extnID: id, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });

// Room left after the to-be-signed list for the algorithm and the signature: an RSA-8192 signature
// is 1,024 bytes, an ECDSA one a hundred at most.
const signatureRoom = 1_100;
// Room for a header in front of a part whose length is known once it is written (6 bytes at most).
const headerRoom = 6;

/**
 * Builds and signs a CRL (v2, with its number and the issuer's key identifier); returns its DER.
 * The whole CRL is written into one buffer, the entries first, each header then put in front of
 * what it heads, and the to-be-signed list is signed where it lies: a national CRL is tens of
 * megabytes, each copy of it counted.
 */
export const build = (issuer: CaKey, content: CrlContent): Uint8Array => {
  const algorithm = Buffer.from(AsnConvert.serialize(issuer.key.algorithm));
  const extensions = new X509.Extensions([
    extension(X509.id_ce_authorityKeyIdentifier, new X509.AuthorityKeyIdentifier({ keyIdentifier: new X509.KeyIdentifier(issuer.keyIdentifier) })),
    extension(X509.id_ce_cRLNumber, new X509.CRLNumber(Number(content.number))),
  ]);
  const before = Buffer.concat([
    Buffer.from([0x02, 0x01, 0x01]),
    algorithm,
    Buffer.from(AsnConvert.serialize(issuer.name)),
    time(content.thisUpdate),
    time(content.nextUpdate),
  ]);
  const after = tlv(0xa0, Buffer.from(AsnConvert.serialize(extensions)));
  const count = content.revoked.length;
  // [CertificateList header][tbs header][before][revokedCertificates header][entries][after][algorithm, signature]
  const entriesStart = headerRoom + headerRoom + before.length + headerRoom;
  const out = Buffer.allocUnsafeSlow(entriesStart + count * maxEntryLength + after.length + algorithm.length + signatureRoom);
  let listStart = entriesStart;
  let at = entriesStart;
  if (count > 0) {
    at = writeRevoked(content.revoked, out, entriesStart);
    const header = tlvHeader(0x30, at - entriesStart);
    listStart -= header.copy(out, entriesStart - header.length);
  }
  const tbsBodyStart = listStart - before.length;
  before.copy(out, tbsBodyStart);
  at += after.copy(out, at);
  const tbsHeader = tlvHeader(0x30, at - tbsBodyStart);
  const tbsStart = tbsBodyStart - tbsHeader.length;
  tbsHeader.copy(out, tbsStart);
  const tbs = out.subarray(tbsStart, at);
  const signed = Buffer.concat([algorithm, tlv(0x03, Buffer.from([0]), issuer.key.sign(tbs))]);
  // A signature longer than any key here makes: the CRL is put together by copies instead.
  if (signed.length > out.length - at) return new Uint8Array(tlv(0x30, tbs, signed));
  at += signed.copy(out, at);
  const header = tlvHeader(0x30, at - tbsStart);
  const start = tbsStart - header.length;
  header.copy(out, start);
  return new Uint8Array(out.buffer, out.byteOffset + start, at - start);
};

/** The serials a CRL lists (lowercase hexadecimal, without leading zero octets), as the register writes them. */
export const serialsOf = (der: Uint8Array): ReadonlyArray<string> =>
  (AsnConvert.parse(der, X509.CertificateList).tbsCertList.revokedCertificates ?? []).map((entry) =>
    Buffer.from(entry.userCertificate)
      .toString("hex")
      .replace(/^(00)+(?=..)/, ""),
  );
