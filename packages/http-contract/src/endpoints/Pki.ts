/**
 * The PKI's publications, for relying parties and tools that know nothing of our tokens: the CA
 * certificates (DER, and PEM for the tools that take nothing else), the issuing CA's current CRL
 * (the URL certificates name in their CRL distribution point), the root's CRL (the URL the issuing
 * CA's certificate names) and the OCSP responder (the URL in their AIA), by POST and by GET (RFC
 * 6960 A.1). They answer DER or PEM, not JSON, and disclose only what a PKI publishes by design,
 * so they are public (ADR 0006).
 */
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { BodyTooLarge } from "../Problems.js";

/** The largest OCSP request accepted: a few certificate ids and a nonce. */
export const maximumOcspRequestBytes = 8 * 1024;

const publication = { tag: "pki", errors: [], authorization: { _tag: "public" } } as const;

/** The root CA's certificate. */
export const rootCertificate = Endpoint.make({
  ...publication,
  operationId: "getRootCertificate",
  method: "get",
  path: "/pki/ca/root.crt",
  summary: "The root CA's certificate (DER)",
  success: Endpoint.Bytes,
  responseType: "application/pkix-cert",
});

/** The issuing CA's certificate. */
export const issuingCertificate = Endpoint.make({
  ...publication,
  operationId: "getIssuingCertificate",
  method: "get",
  path: "/pki/ca/issuing.crt",
  summary: "The issuing CA's certificate (DER), which signed messages carry in their chain",
  success: Endpoint.Bytes,
  responseType: "application/pkix-cert",
});

/** The root CA's certificate in PEM. */
export const rootCertificatePem = Endpoint.make({
  ...publication,
  operationId: "getRootCertificatePem",
  method: "get",
  path: "/pki/ca/root.pem",
  summary: "The root CA's certificate (PEM), the trust anchor relying parties install (openssl -CAfile)",
  success: Endpoint.Bytes,
  responseType: "application/x-pem-file",
});

/** The issuing CA's certificate in PEM. */
export const issuingCertificatePem = Endpoint.make({
  ...publication,
  operationId: "getIssuingCertificatePem",
  method: "get",
  path: "/pki/ca/issuing.pem",
  summary: "The issuing CA's certificate (PEM), the intermediate between the root and the agents' certificates (openssl -untrusted)",
  success: Endpoint.Bytes,
  responseType: "application/x-pem-file",
});

/** The root CA's CRL. */
export const rootCrl = Endpoint.make({
  ...publication,
  operationId: "getRootCrl",
  method: "get",
  path: "/pki/crl/root",
  summary: "The root CA's certificate revocation list (DER): the intermediate CAs it revoked, none while the issuing CA is in service",
  success: Endpoint.Bytes,
  responseType: "application/pkix-crl",
});

/** The current CRL. */
export const crl = Endpoint.make({
  ...publication,
  operationId: "getCrl",
  method: "get",
  path: "/pki/crl",
  summary: "The current certificate revocation list (DER); caches may keep it until the next one is due",
  success: Endpoint.Bytes,
  responseType: "application/pkix-crl",
});

/** An OCSP request by POST. */
export const ocsp = Endpoint.make({
  ...publication,
  operationId: "queryOcsp",
  method: "post",
  path: "/pki/ocsp",
  summary: "The OCSP responder: a DER OCSP request in the body, a signed OCSP response back (a malformed request gets its OCSP status)",
  body: Endpoint.Bytes,
  requestType: "application/ocsp-request",
  success: Endpoint.Bytes,
  responseType: "application/ocsp-response",
  maximumBodyBytes: maximumOcspRequestBytes,
});

/** An OCSP request by GET. */
export const ocspByGet = Endpoint.make({
  ...publication,
  operationId: "queryOcspByGet",
  method: "get",
  path: "/pki/ocsp/{request}",
  summary: "The OCSP responder by GET (RFC 6960 A.1): the DER OCSP request in base64, URL-encoded, as the last part of the path",
  params: Schema.Struct({ request: Schema.String }),
  success: Endpoint.Bytes,
  responseType: "application/ocsp-response",
  errors: [BodyTooLarge],
});

/** Every endpoint of the group. */
export const endpoints = [rootCertificate, issuingCertificate, rootCertificatePem, issuingCertificatePem, crl, rootCrl, ocsp, ocspByGet] as const;
