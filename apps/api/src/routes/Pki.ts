/**
 * The PKI's public endpoints, for relying parties and tools that know nothing of our tokens:
 * the CA certificates, the current CRL (the URL certificates name in their CRL distribution
 * point) and the OCSP responder (the URL in their AIA), by POST and by GET (RFC 6960 A.1). They
 * disclose only what a PKI publishes by design, so they are the API's unauthenticated routes,
 * with /health — see ADR 0006.
 */
import { Authority } from "@comedec/pki";
import { Effect, type ManagedRuntime } from "effect";
import type { Hono } from "hono";
import * as Problem from "../Problem.js";

/** The largest OCSP request accepted: a few certificate ids and a nonce. */
export const maximumOcspRequestBytes = 8 * 1024;

const binary = (body: Uint8Array, type: string, maxAge: number) =>
  new Response(Buffer.from(body), { headers: { "content-type": type, "cache-control": `public, max-age=${maxAge}` } });

/** Registers the PKI routes. */
export const register = (app: Hono, runtime: ManagedRuntime.ManagedRuntime<Authority.Revocation | Authority.CaCertificates, never>) => {
  const run = <A>(effect: Effect.Effect<A, never, Authority.Revocation | Authority.CaCertificates>) => runtime.runPromise(effect);
  app.get("/pki/ca/root.crt", async () => binary(await run(Authority.CaCertificates.use((ca) => Effect.succeed(ca.root))), "application/pkix-cert", 86_400));
  app.get("/pki/ca/issuing.crt", async () =>
    binary(await run(Authority.CaCertificates.use((ca) => Effect.succeed(ca.issuing))), "application/pkix-cert", 86_400),
  );
  app.get("/pki/crl", async () => {
    const crl = await run(Authority.Revocation.use((revocation) => revocation.currentCrl));
    // Caches may keep it until the next one is due, not after.
    const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000) - Authority.crlRefreshHours * 3600);
    return binary(crl.der, "application/pkix-crl", maxAge);
  });
  const answer = async (request: Uint8Array) =>
    binary(await run(Authority.Revocation.use((revocation) => revocation.ocsp(request))), "application/ocsp-response", 0);
  app.post("/pki/ocsp", async (context) => {
    const body = new Uint8Array(await context.req.arrayBuffer());
    if (body.length > maximumOcspRequestBytes) return Problem.toResponse(Problem.bodyTooLarge(maximumOcspRequestBytes));
    return answer(body);
  });
  app.get("/pki/ocsp/:request{.+}", (context) => {
    const encoded = decodeURIComponent(context.req.param("request"));
    if (encoded.length > maximumOcspRequestBytes) return Problem.toResponse(Problem.bodyTooLarge(maximumOcspRequestBytes));
    return answer(new Uint8Array(Buffer.from(encoded, "base64")));
  });
};
