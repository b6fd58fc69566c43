/**
 * The two bits of DER the PKCS#11 driver needs: a PKCS#11 ECDSA signature (r ‖ s) as the DER
 * `ECDSA-Sig-Value` X.509 and CMS expect, and the subject of a certificate (CKA_SUBJECT).
 */

const integer = (bytes: Uint8Array): Buffer => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const body = Buffer.from(bytes.subarray(start));
  // A leading bit set would read as negative: prefix a zero.
  const value = (body[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body;
  return Buffer.concat([Buffer.from([0x02, value.length]), value]);
};

/** r ‖ s (each half the length) as DER SEQUENCE { INTEGER r, INTEGER s }. */
export const ecdsaSignatureToDer = (raw: Uint8Array): Uint8Array => {
  const half = raw.length / 2;
  const body = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30]), length, body]));
};

/** Reads one TLV at `offset`: where its content starts and ends. */
const tlv = (der: Uint8Array, offset: number) => {
  const first = der[offset + 1] as number;
  if (first < 0x80) return { start: offset + 2, end: offset + 2 + first };
  const octets = first & 0x7f;
  let length = 0;
  for (let index = 0; index < octets; index++) length = length * 256 + (der[offset + 2 + index] as number);
  return { start: offset + 2 + octets, end: offset + 2 + octets + length };
};

/** The DER of a certificate's subject Name. */
export const subjectOf = (certificate: Uint8Array): Uint8Array => {
  const tbs = tlv(certificate, tlv(certificate, 0).start);
  let offset = tbs.start;
  // version [0] is optional; then serialNumber, signature, issuer, validity, subject.
  if (certificate[offset] === 0xa0) offset = tlv(certificate, offset).end;
  for (let field = 0; field < 4; field++) offset = tlv(certificate, offset).end;
  return certificate.subarray(offset, tlv(certificate, offset).end);
};
