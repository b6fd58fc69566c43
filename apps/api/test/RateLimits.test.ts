/**
 * Rate limits on logging in and on typing codes (an activation code at a hand-over, secret answers
 * at an unblock), through the real app: a client over the limit gets 429 problem+json with
 * Retry-After, another client does not, and a client cannot dodge the limit with a forged
 * X-Forwarded-For unless the platform sits behind a proxy it trusts.
 */
import { adapters } from "@comedec/persistence/testing";
import { ManagedRuntime } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as RateLimits from "../src/RateLimits.js";
import * as Services from "./Services.js";

const adapter = adapters[0] as (typeof adapters)[number];

describe("rate limits", () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  afterAll(() => runtime.dispose());
  const post = (app: ReturnType<typeof App.make>, path: string, from: string, body: unknown = {}) =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": from }, body: JSON.stringify(body) });

  it("stops a client asking too many login challenges, and only that client", async () => {
    const app = App.make(runtime, { rateLimits: { ...RateLimits.defaults, login: 3, trustProxy: true } });
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(app, "/sessions/challenges", "203.0.113.7")).status).toBe(201);
    const refused = await post(app, "/sessions/challenges", "203.0.113.7");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(((await refused.json()) as { code: string }).code).toBe("rate-limited");
    // Answering counts too: the same client cannot open sessions either.
    expect((await post(app, "/sessions", "203.0.113.7", { challenge: "x" })).status).toBe(429);
    expect((await post(app, "/sessions/challenges", "198.51.100.4")).status).toBe(201);
  });

  it("stops a client typing codes on many cards, whatever the card", async () => {
    const app = App.make(runtime, { rateLimits: { ...RateLimits.defaults, codeEntry: 2, trustProxy: true } });
    // An activation code at a hand-over and secret answers at an unblock draw on the same allowance.
    const attempts = [
      post(app, "/cards/a/hand-over", "203.0.113.9", { activationCode: "0000-0000-0000-0000" }),
      post(app, "/cards/b/unblock-ticket", "203.0.113.9", { holderAuthentication: "secret-answers" }),
      post(app, "/cards/c/hand-over", "203.0.113.9", { activationCode: "0000-0000-0000-0000" }),
    ];
    expect((await Promise.all(attempts)).map((response) => response.status).sort()).toEqual([401, 401, 429]);
    const refused = await post(app, "/cards/d/unblock-ticket", "203.0.113.9");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    // Another client types its codes.
    expect((await post(app, "/cards/d/hand-over", "198.51.100.4")).status).toBe(401);
    // Reading a card is not typing a code.
    expect((await app.request("/cards/d", { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(401);
  });

  it("ignores X-Forwarded-For unless told to trust a proxy", async () => {
    const app = App.make(runtime, { rateLimits: { ...RateLimits.defaults, login: 2 } });
    expect((await post(app, "/sessions/challenges", "192.0.2.1")).status).toBe(201);
    expect((await post(app, "/sessions/challenges", "192.0.2.2")).status).toBe(201);
    expect((await post(app, "/sessions/challenges", "192.0.2.3")).status).toBe(429);
  });
});
