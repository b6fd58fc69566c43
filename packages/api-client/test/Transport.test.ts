import { Effect, Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Transport } from "../src/index.js";

class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { reason: Schema.String }) {}
class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { reason: Schema.String }) {}

const answering = (status: number, body: unknown, seen: Array<Request> = []) =>
  (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;

const refusals = { errors: { Forbidden }, tagOfCode: new Map(Transport.sharedCodes), unavailable: (reason: string) => new Unavailable({ reason }) };

describe("Transport", () => {
  it("sends the token and the JSON body, and answers the JSON", async () => {
    const seen: Array<Request> = [];
    const call = Transport.make({ baseUrl: "http://api.test/", token: "cmdc_x", fetch: answering(200, { ok: 1 }, seen) }, refusals);
    expect(await Effect.runPromise(call("POST", "/cards", { holder: "h" }))).toEqual({ ok: 1 });
    expect(seen[0]?.url).toBe("http://api.test/cards");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer cmdc_x");
    expect(await seen[0]?.json()).toEqual({ holder: "h" });
  });

  it("turns a known problem into its tagged error with its fields, and anything else into the unavailable error", async () => {
    const forbidden = Transport.make(
      { baseUrl: "http://api.test", token: "t", fetch: answering(403, { type: "x", status: 403, code: "forbidden", title: "No", reason: "outside the site" }) },
      refusals,
    );
    expect(await Effect.runPromise(Effect.flip(forbidden("GET", "/cards")))).toEqual(new Forbidden({ reason: "outside the site" }));
    const unknown = Transport.make(
      { baseUrl: "http://api.test", token: "t", fetch: answering(500, { code: "internal-error", title: "Internal error" }) },
      refusals,
    );
    expect(await Effect.runPromise(Effect.flip(unknown("GET", "/cards")))).toMatchObject({
      _tag: "Unavailable",
      reason: "HTTP 500 internal-error: Internal error",
    });
  });
});
