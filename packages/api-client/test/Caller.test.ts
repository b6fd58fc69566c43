/**
 * Calls derived from the contract, on a fetch that plays the API: the path and the query come from
 * the endpoint and its Schemas, the success is decoded by its success Schema, a problem comes back
 * as the tagged error class the endpoint declares for its code, and anything the contract does not
 * describe becomes the client's own "unavailable" error.
 */
import { CommuneNotFound } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Caller } from "../src/index.js";

class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { reason: Schema.String }) {}

const answering = (status: number, body: unknown, seen: Array<Request> = []) =>
  (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(input, init));
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": type } });
  }) as typeof globalThis.fetch;

const lyon = {
  code: "69123",
  name: "Lyon",
  departement: "69",
  region: "84",
  population: 500_000,
  coordinates: null,
  underObligation: true,
  reached: ["adhesion"],
  lateFrom: null,
  late: false,
};

const caller = (fetch: typeof globalThis.fetch) =>
  Caller.make({ baseUrl: "http://api.test/", token: "cmdc_x", fetch }, (reason) => new Unavailable({ reason }));
const lyonParams = { params: { code: "69123" as never } };

describe("Caller", () => {
  it("builds the path and the query from the endpoint, sends the token, and decodes the success", async () => {
    const seen: Array<Request> = [];
    const { call } = caller(answering(200, lyon, seen));
    expect(await Effect.runPromise(call(Contract.Communes.get, lyonParams))).toEqual(lyon);
    expect(seen[0]?.url).toBe("http://api.test/communes/69123");
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer cmdc_x");
    await Effect.runPromise(Effect.ignore(call(Contract.Communes.list, { query: { departement: "69" as never, limit: 10 } })));
    expect(seen[1]?.url).toBe("http://api.test/communes?departement=69&limit=10");
  });

  it("rebuilds a declared problem as its tagged error, fields included", async () => {
    const { call } = caller(
      answering(404, { type: "urn:comedec:problem:commune-not-found", status: 404, code: "commune-not-found", title: "Unknown commune", commune: "01001" }),
    );
    const error = await Effect.runPromise(Effect.flip(call(Contract.Communes.get, { params: { code: "01001" as never } })));
    expect(error).toBeInstanceOf(CommuneNotFound);
    expect(error).toMatchObject({ _tag: "CommuneNotFound", commune: "01001" });
    const forbidden = caller(
      answering(403, {
        status: 403,
        code: "forbidden",
        title: "No",
        permission: "commune.read",
        role: "agent",
        site: "commune:75056",
        reason: "outside the actor's site",
      }),
    );
    expect(await Effect.runPromise(Effect.flip(forbidden.call(Contract.Communes.get, lyonParams)))).toBeInstanceOf(Access.Forbidden);
  });

  it("gives the unavailable error for an undeclared code, an undescribed success and a network failure", async () => {
    const unknown = caller(answering(409, { status: 409, code: "card-absent", title: "No card" }));
    expect(await Effect.runPromise(Effect.flip(unknown.call(Contract.Communes.get, lyonParams)))).toMatchObject({
      _tag: "Unavailable",
      reason: "HTTP 409 card-absent: No card",
    });
    const lying = caller(answering(200, { ...lyon, population: "many" }));
    const undescribed = await Effect.runPromise(Effect.flip(lying.call(Contract.Communes.get, lyonParams)));
    expect(undescribed).toMatchObject({ _tag: "Unavailable" });
    expect((undescribed as Unavailable).reason).toContain("getCommune answered what the contract does not describe");
    const down = caller((async () => {
      throw new TypeError("fetch failed");
    }) as typeof globalThis.fetch);
    expect(await Effect.runPromise(Effect.flip(down.call(Contract.Communes.get, lyonParams)))).toMatchObject({ _tag: "Unavailable", reason: "fetch failed" });
  });
});
