/**
 * Certificate signing requests (PKCS#10, RFC 2986): built around a key that lives on a card (the
 * card signs the request, which is the proof that the requester holds the private key), and
 * checked before anything is issued — signature, hash, key strength (RGS annex B1).
 */
import { CertificateRefused } from "@comedec/card";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, type Name } from "@peculiar/asn1-x509";
import { Effect } from "effect";
import { algorithms, publicKeyInfo, publicKeyOf } from "./Der.js";
import * as Issuance from "./Issuance.js";

/** Builds a CSR whose signature the card makes with the key of `publicKey`. */
export const create = <E>(subject: Name, publicKey: Uint8Array, sign: (data: Uint8Array) => Effect.Effect<Uint8Array, E>): Effect.Effect<Uint8Array, E> => {
  const info = new CertificationRequestInfo({ version: 0, subject, subjectPKInfo: publicKeyInfo(publicKey), attributes: new Attributes() });
  const key = publicKeyOf(publicKey);
  const signatureAlgorithm =
    key.asymmetricKeyType === "ec"
      ? new AlgorithmIdentifier({ algorithm: algorithms.ecdsaSha256 })
      : new AlgorithmIdentifier({ algorithm: algorithms.rsaSha256, parameters: null });
  return Effect.map(
    sign(new Uint8Array(AsnConvert.serialize(info))),
    (signature) =>
      new Uint8Array(
        AsnConvert.serialize(new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm, signature: new Uint8Array(signature).buffer })),
      ),
  );
};

/** Parses and checks a CSR on a day: well formed, signed by its own key with an accepted hash, key strong enough. */
export const check = (der: Uint8Array, on: Date): Effect.Effect<Issuance.CheckedCsr, CertificateRefused> => {
  const parts = Issuance.parseCsr(der);
  if (parts instanceof CertificateRefused) return Effect.fail(parts);
  const checked = Issuance.checkCsr(parts, on);
  return checked instanceof CertificateRefused ? Effect.fail(checked) : Effect.succeed(checked);
};
