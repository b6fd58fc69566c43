/**
 * The OCSP responder (RFC 6960): answers for the certificates of the issuing CA — good, revoked
 * (with time and reason) or unknown — in a BasicOCSPResponse signed by the issuing CA itself, the
 * responder named by name, the request's nonce echoed. A request that does not parse gets the
 * `malformedRequest` status, never an error page.
 */
import type { IssuedCertificate, RevokedCertificate } from "@comedec/card";
import {
  BasicOCSPResponse,
  CertStatus,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
} from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { CRLReason, CRLReasons, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { Effect } from "effect";
import { createHash } from "node:crypto";
import type { CaKey } from "./Authority.js";

const hashes: Readonly<Record<string, string>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** How long a response may be cached by relying parties. */
export const validityHours = 4;

const malformed = () => new Uint8Array(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus.malformedRequest })));

/** Answers one DER OCSP request about certificates of `issuer`. */
export const respond = (
  request: Uint8Array,
  options: {
    readonly issuer: CaKey;
    readonly find: (serial: string) => Effect.Effect<(IssuedCertificate & { readonly revoked?: RevokedCertificate }) | undefined>;
    readonly now: Date;
  },
): Effect.Effect<Uint8Array> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.result(Effect.try(() => AsnConvert.parse(request, OCSPRequest)));
    if (parsed._tag === "Failure" || parsed.success.tbsRequest.requestList.length === 0) return malformed();
    const { issuer, now } = options;
    const issuerName = Buffer.from(AsnConvert.serialize(issuer.name));
    const issuerKeyBits = new Uint8Array(AsnConvert.parse(issuer.key.publicKeyInfo, SubjectPublicKeyInfo).subjectPublicKey);
    const nextUpdate = new Date(now.getTime() + validityHours * 3_600_000);
    const responses = yield* Effect.forEach(parsed.success.tbsRequest.requestList, (single) =>
      Effect.gen(function* () {
        const id = single.reqCert;
        const hash = hashes[id.hashAlgorithm.algorithm];
        const ours =
          hash !== undefined &&
          createHash(hash).update(issuerName).digest().equals(Buffer.from(id.issuerNameHash.buffer)) &&
          createHash(hash).update(issuerKeyBits).digest().equals(Buffer.from(id.issuerKeyHash.buffer));
        const serial = Buffer.from(id.serialNumber)
          .toString("hex")
          .replace(/^(00)+(?=.)/, "");
        const found = ours ? yield* options.find(serial) : undefined;
        const certStatus =
          found === undefined
            ? new CertStatus({ unknown: null })
            : found.revoked === undefined
              ? new CertStatus({ good: null })
              : new CertStatus({
                  revoked: new RevokedInfo({
                    revocationTime: found.revoked.revokedAt,
                    ...(found.revoked.reason === "unspecified" ? {} : { revocationReason: new CRLReason(CRLReasons[found.revoked.reason]) }),
                  }),
                });
        return new SingleResponse({ certID: id, certStatus, thisUpdate: now, nextUpdate });
      }),
    );
    const nonce = parsed.success.tbsRequest.requestExtensions?.find((extension) => extension.extnID === id_pkix_ocsp_nonce);
    const data = new ResponseData({
      responderID: new ResponderID({ byName: issuer.name }),
      producedAt: now,
      responses,
      ...(nonce === undefined ? {} : { responseExtensions: [nonce] }),
    });
    const signed = issuer.key.sign(new Uint8Array(AsnConvert.serialize(data)));
    const basic = new BasicOCSPResponse({
      tbsResponseData: data,
      signatureAlgorithm: issuer.key.algorithm,
      signature: new Uint8Array(signed).buffer,
    });
    return new Uint8Array(
      AsnConvert.serialize(
        new OCSPResponse({
          responseStatus: OCSPResponseStatus.successful,
          responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }),
        }),
      ),
    );
  });
