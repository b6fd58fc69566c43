/**
 * Issue 8's figure: signed responses through the API — CAdES-BES parsed and its signature checked,
 * the certificate checked against the register at signing time, the signer's profile and site read
 * from the directory, the response kept once with its audit event — beside a raw route doing the
 * same reads, verification and writes by hand through the same server, measured in the same run. The requests
 * are inserted beforehand and the responses signed beforehand by a virtual officer's card, so the
 * load measures the platform's side of a response.
 */
import type { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import type { Request as ExchangeRequest } from "@comedec/exchange";
import { ExchangeClient } from "@comedec/exchange-client";
import { Authority } from "@comedec/pki";
import type { RawSql } from "@comedec/persistence";

/** Plain SQL on the platform's pool (`RawSql`). */
type Raw = { readonly query: (text: string, values?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<unknown>> };
import type * as App from "@comedec/api";
import { Effect, type ManagedRuntime } from "effect";
import { load } from "./Load.js";
import { officerCard, pin } from "./Officer.js";
import { type Figure, httpRatioGoal } from "./Report.js";

/** `count` requests to Lyon (ids `prefix-i`), inserted as the platform keeps them. */
const insertRequests = (raw: Raw, prefix: string, count: number) =>
  Effect.gen(function* () {
    const issuedAt = new Date(Date.now() - 60_000).toISOString();
    const requests: Array<ExchangeRequest.VerificationRequest> = Array.from({ length: count }, (_, index) => ({
      id: `${prefix}-${index}`,
      commune: "69123" as never,
      requester: { kind: "notary", name: "Office notarial du banc d'essai" },
      actType: "birth",
      actDate: "1990-01-01",
      actReference: `N-${index}`,
      persons: [{ birthName: "DUPONT", givenNames: ["Léa"], birthDate: "1990-01-01" }],
      specimen: false,
      issuedAt,
    }));
    for (let start = 0; start < count; start += 5_000) {
      const chunk = requests.slice(start, start + 5_000);
      yield* Effect.promise(() =>
        raw.query(
          `INSERT INTO exchange_request (id, commune, specimen, request, issued_at)
           SELECT r->>'id', r->>'commune', false, r, (r->>'issuedAt')::timestamptz FROM jsonb_array_elements($1::jsonb) AS r`,
          [JSON.stringify(chunk)],
        ),
      );
    }
    // A table just loaded has no statistics yet; a platform's has them (autovacuum).
    yield* Effect.promise(() => raw.query("ANALYZE exchange_request"));
    return requests;
  });

/** `count` requests to Lyon and their responses signed by the card. */
const signedResponses = (raw: Raw, serial: string, count: number) =>
  Effect.gen(function* () {
    const requests = yield* insertRequests(raw, "bench", count);
    const chain = [(yield* Authority.CaCertificates).issuing];
    return yield* Effect.forEach(requests, (request) =>
      Effect.map(
        ExchangeClient.signResponse({ request: request.id, commune: request.commune, outcome: { _tag: "verified" } }, { serial, pin }, chain),
        (signed) => ({ id: request.id, signed: Buffer.from(signed).toString("base64") }),
      ),
    );
  });

/** The raw baseline's inputs: one ECDSA signature by the card's signature key over a response's bytes. */
const rawSignature = (serial: string) =>
  Effect.gen(function* () {
    const cards = yield* SmartCards;
    const data = new TextEncoder().encode('{"commune":"69123","outcome":{"_tag":"verified"},"request":"raw"}');
    const signature = yield* cards.sign(serial, "signature", data, pin);
    const certificate = yield* cards.readCertificate(serial, "signature");
    return {
      data: Buffer.from(data).toString("base64"),
      signature: Buffer.from(signature).toString("base64"),
      certificate: Buffer.from(certificate).toString("base64"),
    };
  });

/** Signed responses through the API against the same work by hand. */
export const responsesFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<App.Services | RawSql | Authority.CaCertificates, never>,
  raw: Raw,
  options: { readonly port: number; readonly token: string; readonly seconds: number; readonly connections: number; readonly administrator: Actor.Actor },
): Promise<Figure> => {
  const serial = await runtime.runPromise(
    officerCard(options.administrator, {
      operatorId: "bench-rc-exchange",
      birthName: "Officier",
      givenName: "Banc",
      passport: "BE7654321",
      email: "officier@mairie-lyon.fr",
    }),
  );
  const responses = await runtime.runPromise(signedResponses(raw, serial, 30_000));
  const baseline = await runtime.runPromise(rawSignature(serial));
  const respond = (slice: typeof responses) =>
    slice.map((response) => ({ method: "POST" as const, path: `/communes/69123/requests/${response.id}/response`, body: { signed: response.signed } }));
  const common = { port: options.port, connections: options.connections, seconds: options.seconds };
  // The raw route answers requests of its own, once each, with the same signature's bytes (its verification costs the same).
  const rawRequests = await runtime.runPromise(insertRequests(raw, "bench-raw", 30_000));
  const rawResponse = rawRequests.map((request) => ({ method: "POST" as const, path: "/raw/responses", body: { request: request.id, ...baseline } }));
  // Both routes warmed up first, as the other HTTP figures are: a running API has compiled its code.
  // Each request is answered once: the warm-up and the measure take requests of their own.
  const warmUp = 4_000;
  await load({ ...common, seconds: 2, token: options.token, requests: respond(responses.slice(0, warmUp)), cycle: false, label: "warm-up responses" });
  await load({ ...common, seconds: 1, requests: rawResponse.slice(0, warmUp), cycle: false, label: "warm-up /raw/responses" });
  const rawResult = await load({ ...common, requests: rawResponse.slice(warmUp), cycle: false });
  const platform = await load({ ...common, token: options.token, requests: respond(responses.slice(warmUp)), cycle: false, label: "responses" });
  if (platform.failures + rawResult.failures > 0) throw new Error(`responses failed: ${platform.failures} through the API, ${rawResult.failures} raw`);
  return {
    name: `signed responses through the API: CAdES verified, certificate at signing time, signer's profile and site, kept once and audited (${options.connections} connections, ${options.seconds} s; p99 ${platform.p99Ms.toFixed(1)} ms vs ${rawResult.p99Ms.toFixed(1)} ms)`,
    unit: "response/s",
    platform: platform.perSecond,
    raw: rawResult.perSecond,
    rawName:
      "Hono route doing the same reads and writes by hand, one statement each a response (request, certificate, holder; ECDSA P-256 verify; claim, keep, chain its event)",
    goal: { value: 1500, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: rawResult.serverCpuUs },
  };
};
