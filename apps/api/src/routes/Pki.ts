/**
 * The PKI's public endpoints, for relying parties and tools that know nothing of our tokens:
 * the CA certificates (DER and PEM), the current CRL (the URL certificates name in their CRL
 * distribution point), the root's CRL (the URL the issuing CA's certificate names) and the OCSP responder (the URL in their AIA), by POST and by GET (RFC 6960 A.1). They
 * disclose only what a PKI publishes by design, so they are the API's unauthenticated routes,
 * with /health — see ADR 0006. Their paths are the contract's; they are registered here rather
 * than by `Handler.register` because they answer DER or PEM with cache headers, not JSON.
 */
import { Contract, type Endpoint } from "@comedec/http-contract";
import { Authority, Der } from "@comedec/pki";
import { Effect, type ManagedRuntime } from "effect";
import type { Handler, Hono } from "hono";
import * as Problem from "../Problem.js";

const { Pki } = Contract;

/** The largest OCSP request accepted, as the contract declares it. */
export const maximumOcspRequestBytes = Pki.maximumOcspRequestBytes;

/** The Hono path of a contract path: `{name}` as `:name`, followed by the parameter's pattern when given. */
const honoPath = (endpoint: Endpoint.Any, patterns: Readonly<Record<string, string>> = {}): string =>
  endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => `:${name}${patterns[name] === undefined ? "" : `{${patterns[name]}}`}`);

const binary = (body: Uint8Array, type: string, maxAge: number) =>
  new Response(Buffer.from(body), { headers: { "content-type": type, "cache-control": `public, max-age=${maxAge}` } });

type Services = Authority.Revocation | Authority.CaCertificates;

/** Runs an effect of the PKI's services. */
type Run = <A>(effect: Effect.Effect<A, never, Services>) => Promise<A>;

/** A route: the contract endpoint it serves, its parameters' patterns, and its handler. */
interface Route {
  readonly endpoint: Endpoint.Any;
  readonly patterns?: Readonly<Record<string, string>>;
  readonly handler: (run: Run) => Handler;
}

const certificate = (endpoint: Endpoint.Any, which: "root" | "issuing"): Route => ({
  endpoint,
  handler: (run) => async () => binary(await run(Authority.CaCertificates.use((ca) => Effect.succeed(ca[which]))), endpoint.responseType, 86_400),
});

const certificatePem = (endpoint: Endpoint.Any, which: "root" | "issuing"): Route => ({
  endpoint,
  handler: (run) => async () =>
    binary(Buffer.from(Der.pem("CERTIFICATE", await run(Authority.CaCertificates.use((ca) => Effect.succeed(ca[which]))))), endpoint.responseType, 86_400),
});

/** The root's CRL of this process, signed again once half of its validity has passed. */
const rootCrl = (): Route => {
  let signed: ReturnType<typeof Authority.rootCrl> | undefined;
  return {
    endpoint: Pki.rootCrl,
    handler: (run) => async () => {
      const now = Date.now();
      if (signed === undefined || now - signed.thisUpdate.getTime() > (Authority.rootCrlValidityDays * 86_400_000) / 2) {
        signed = Authority.rootCrl(await run(Authority.CaCertificates.use((ca) => Effect.succeed(ca.hierarchy))), new Date(now));
      }
      return binary(signed.der, Pki.rootCrl.responseType, 86_400);
    },
  };
};

const answer = async (run: Run, request: Uint8Array) =>
  binary(await run(Authority.Revocation.use((revocation) => revocation.ocsp(request))), Pki.ocsp.responseType, 0);

const routes: ReadonlyArray<Route> = [
  certificate(Pki.rootCertificate, "root"),
  certificate(Pki.issuingCertificate, "issuing"),
  certificatePem(Pki.rootCertificatePem, "root"),
  certificatePem(Pki.issuingCertificatePem, "issuing"),
  rootCrl(),
  {
    endpoint: Pki.crl,
    handler: (run) => async () => {
      const crl = await run(Authority.Revocation.use((revocation) => revocation.currentCrl));
      // Caches may keep it until the next one is due, not after.
      const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000) - Authority.crlRefreshHours * 3600);
      return binary(crl.der, Pki.crl.responseType, maxAge);
    },
  },
  {
    endpoint: Pki.ocsp,
    handler: (run) => async (context) => {
      const body = new Uint8Array(await context.req.arrayBuffer());
      if (body.length > maximumOcspRequestBytes) return Problem.toResponse(Problem.bodyTooLarge(maximumOcspRequestBytes));
      return answer(run, body);
    },
  },
  {
    endpoint: Pki.ocspByGet,
    // The base64 request may hold `/`: the parameter takes the rest of the path.
    patterns: { request: ".+" },
    handler: (run) => (context) => {
      const encoded = decodeURIComponent(context.req.param("request") ?? "");
      if (encoded.length > maximumOcspRequestBytes) return Problem.toResponse(Problem.bodyTooLarge(maximumOcspRequestBytes));
      return answer(run, new Uint8Array(Buffer.from(encoded, "base64")));
    },
  },
];

/** The contract endpoints registered here rather than by `Handler.register`. */
export const endpoints: ReadonlyArray<Endpoint.Any> = routes.map((route) => route.endpoint);

/** Registers the PKI routes. */
export const register = (app: Hono, runtime: ManagedRuntime.ManagedRuntime<Services, never>) => {
  const run: Run = (effect) => runtime.runPromise(effect);
  for (const route of routes) app.on(route.endpoint.method.toUpperCase(), honoPath(route.endpoint, route.patterns), route.handler(run));
};
