/**
 * The public key a certificate request names, read before anything is issued: the platform checks
 * that the card's two CSRs are for two different keys (RGS `certificate.separate-keys`) and
 * whether a retry brings the keys it certified already. Only the structure is read here
 * (CertificationRequest → CertificationRequestInfo → subjectPKInfo); the CA checks the rest.
 */
import { CertificateRefused } from "@comedec/card";
import { Effect } from "effect";

interface Element {
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** One DER element at `offset`, within `limit`; undefined when it does not fit. */
const element = (der: Uint8Array, offset: number, limit: number): Element | undefined => {
  if (offset + 2 > limit) return undefined;
  const first = der[offset + 1] as number;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 3 || contentStart + octets > limit) return undefined;
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + (der[contentStart + index] as number);
    contentStart += octets;
  }
  const end = contentStart + length;
  return end > limit ? undefined : { start: offset, contentStart, end };
};

/** The SubjectPublicKeyInfo (DER) of a PKCS#10 request. */
export const publicKeyOf = (csr: Uint8Array): Effect.Effect<Uint8Array, CertificateRefused> => {
  const refused = new CertificateRefused({ reason: "not a PKCS#10 certificate request" });
  const request = element(csr, 0, csr.length);
  if (request === undefined || csr[0] !== 0x30) return Effect.fail(refused);
  const info = element(csr, request.contentStart, request.end);
  if (info === undefined || csr[info.start] !== 0x30) return Effect.fail(refused);
  const version = element(csr, info.contentStart, info.end);
  const subject = version === undefined ? undefined : element(csr, version.end, info.end);
  const key = subject === undefined ? undefined : element(csr, subject.end, info.end);
  if (key === undefined || csr[key.start] !== 0x30) return Effect.fail(refused);
  return Effect.succeed(csr.slice(key.start, key.end));
};
