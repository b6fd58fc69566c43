/**
 * Certificate revocation lists (RFC 5280 §5), written as DER directly. The fixed parts (issuer,
 * algorithm, extensions) go through `@peculiar/asn1-x509`; the list of revoked certificates —
 * 100,000 entries and more — is laid out by hand from pre-encoded pieces, because a generic
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

// Extensions { Extension { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } }, one per reason.
const reasonExtensions = new Map<Card.CrlReason, Buffer>(
  Object.entries(reasonCodes).map(([reason, code]) => [
    reason as Card.CrlReason,
    tlv(0x30, tlv(0x30, tlv(0x06, Buffer.from("551d15", "hex")), tlv(0x04, tlv(0x0a, Buffer.from([code]))))),
  ]),
);

/**
 * `revokedCertificates`: SEQUENCE OF SEQUENCE { serial, revocationDate, [reason] }, written into
 * one buffer in two passes (sizes, then bytes) — no allocation per entry, so 100,000 entries take
 * a few tens of milliseconds.
 */
const revokedList = (revoked: ReadonlyArray<RevokedCertificate>, timeOf: (date: Date) => Buffer): Buffer | undefined => {
  if (revoked.length === 0) return undefined;
  const serials = revoked.map((entry) => (entry.serial.startsWith("00") ? entry.serial.replace(/^(00)+(?=..)/, "") : entry.serial));
  // RFC 5280 §5.3.1: an unspecified reason is left out rather than written.
  const reasons = revoked.map((entry) => (entry.reason === "unspecified" ? undefined : reasonExtensions.get(entry.reason)));
  const times = revoked.map((entry) => timeOf(entry.revokedAt));
  const padded = serials.map((serial) => Number.parseInt(serial.slice(0, 2), 16) >= 0x80);
  let body = 0;
  const contents = serials.map((serial, index) => {
    const integer = 2 + serial.length / 2 + (padded[index] ? 1 : 0);
    const content = integer + (times[index] as Buffer).length + (reasons[index]?.length ?? 0);
    body += 2 + content;
    return content;
  });
  const header = Buffer.concat([Buffer.from([0x30]), lengthOf(body)]);
  const out = Buffer.allocUnsafe(header.length + body);
  header.copy(out, 0);
  let offset = header.length;
  for (let index = 0; index < serials.length; index++) {
    const serial = serials[index] as string;
    const bytes = serial.length / 2 + (padded[index] ? 1 : 0);
    out[offset++] = 0x30;
    out[offset++] = contents[index] as number;
    out[offset++] = 0x02;
    out[offset++] = bytes;
    if (padded[index]) out[offset++] = 0;
    offset += out.write(serial, offset, "hex");
    offset += (times[index] as Buffer).copy(out, offset);
    const reason = reasons[index];
    if (reason !== undefined) offset += reason.copy(out, offset);
  }
  return out;
};

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
  const algorithm = Buffer.from(AsnConvert.serialize(issuer.key.algorithm));
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
  const entries = revokedList(content.revoked, timeOf);
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
    ...(entries === undefined ? [] : [entries]),
    tlv(0xa0, Buffer.from(AsnConvert.serialize(extensions))),
  );
  const signature = issuer.key.sign(tbs);
  return new Uint8Array(tlv(0x30, tbs, algorithm, tlv(0x03, Buffer.from([0]), signature)));
};

/** The serials a CRL lists (lowercase hexadecimal, without leading zero octets), as the register writes them. */
export const serialsOf = (der: Uint8Array): ReadonlyArray<string> =>
  (AsnConvert.parse(der, X509.CertificateList).tbsCertList.revokedCertificates ?? []).map((entry) =>
    Buffer.from(entry.userCertificate)
      .toString("hex")
      .replace(/^(00)+(?=..)/, ""),
  );
