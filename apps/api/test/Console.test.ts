/**
 * The web console served by the API at /console, same origin: its page and every asset it names
 * (scripts, style sheets, and the fonts and icons those name) come from the API itself, under a
 * Content-Security-Policy of 'self' (and the card agent on the loopback); a deep link gets the
 * page; an unknown asset is a 404. `GET /sessions/current` tells the console whom its token acts for.
 */
import { Actor } from "@comedec/actor";
import { adapters } from "@comedec/persistence/testing";
import { Tokens } from "@comedec/rgs";
import { ManagedRuntime } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Console from "../src/Console.js";
import * as Services from "./Services.js";

const adapter = adapters[0] as (typeof adapters)[number];

describe("the web console at /console", () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime);
  afterAll(() => runtime.dispose());

  it("serves the built page under a policy of 'self', and every asset it names from the API", async () => {
    const response = await app.request("/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(Console.contentSecurityPolicy);
    expect(Console.contentSecurityPolicy).toContain("default-src 'self'");
    expect(Console.contentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval|https:/);
    // The theme's color-scheme hint, the one inline style, by the hash of exactly what react-dsfr writes.
    const { createHash } = await import("node:crypto");
    expect(Console.contentSecurityPolicy).toContain(`'sha256-${createHash("sha256").update(":root { color-scheme: light; }").digest("base64")}'`);
    const page = await response.text();
    expect(page).toContain('lang="fr"');
    const references = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(references.length).toBeGreaterThan(1);
    expect(references.filter((reference) => !reference.startsWith("/console/"))).toEqual([]);
    const styleSheets: Array<string> = [];
    for (const reference of references) {
      const asset = await app.request(reference);
      expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
      if (reference.endsWith(".css")) styleSheets.push(await asset.text());
    }
    // The fonts and icons the style sheets name: relative to /console/assets/, all served here.
    const named = new Set(styleSheets.flatMap((css) => [...css.matchAll(/url\(["']?([^"')]+)["']?\)/g)].map((match) => match[1] as string)));
    const files = [...named].filter((url) => !url.startsWith("data:"));
    expect(files.some((url) => url.includes("Marianne"))).toBe(true);
    for (const url of files) {
      const path = url.startsWith("/") ? url : `/console/assets/${url.replace(/^\.\//, "")}`;
      expect({ url, status: (await app.request(path)).status }).toEqual({ url, status: 200 });
    }
  });

  it("answers the page to a deep link and 404 to an unknown asset", async () => {
    expect((await app.request("/console/agents")).headers.get("content-type")).toContain("text/html");
    expect((await app.request("/console/assets/nothing.js")).status).toBe(404);
  });

  it("tells a token whom it acts for, and refuses none", async () => {
    const rc = Actor.Actor.make({ id: "rc-69123", name: "Alice Roux", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
    const { token } = await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(rc, 1, rc, "bootstrap")));
    const answer = await app.request("/sessions/current", { headers: { authorization: `Bearer ${token}` } });
    expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 200, body: { actor: { ...rc, credential: "bootstrap-token" } } });
    expect((await app.request("/sessions/current")).status).toBe(401);
  });
});
