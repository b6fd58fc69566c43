/**
 * Hostile text in every text field of every route, through the real app: SQL and script
 * injection, template syntax, NUL and lone surrogates, bidirectional overrides, path traversal.
 * Each request is refused with a 4xx problem or stored as text — never a 5xx, never a stack trace —
 * and afterwards the database is whole: the tables answer and the audit chain verifies. Free text
 * comes back byte for byte.
 */
import { Actor } from "@comedec/actor";
import { adapters } from "@comedec/persistence/testing";
import { ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as AgentRoutes from "../src/routes/Agents.js";
import { client, fixture, routes, type Side } from "./Routes.js";
import * as Services from "./Services.js";

const payloads = [
  "'; DROP TABLE agent; --",
  `" OR "1"="1`,
  "<script>alert(document.cookie)</script>",
  // Template syntax, the ${…} one written in pieces so that it stays text here too.
  `{{7*7}}${"$"}{7*7}<%= 7*7 %>`,
  "nul\u0000byte",
  "lone \ud800 surrogate",
  "\u202Efdp.exe",
  "../../../etc/passwd",
  "𝕮𝖔𝖒𝖊𝖉𝖊𝖈 🇫🇷 é\u0301",
];

/** Every path to a string in a JSON value, with a setter that returns a copy holding another string there. */
const stringLeaves = (value: unknown): ReadonlyArray<{ readonly path: string; readonly set: (text: string) => unknown }> => {
  if (typeof value === "string") return [{ path: "", set: (text) => text }];
  if (Array.isArray(value))
    return value.flatMap((item, index) =>
      stringLeaves(item).map((leaf) => ({
        path: `[${index}]${leaf.path}`,
        set: (text: string) => value.map((other, at) => (at === index ? leaf.set(text) : other)),
      })),
    );
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([key, item]) =>
      // The tag of a union names a variant: changing it is a wrong type, not hostile text.
      key === "_tag" ? [] : stringLeaves(item).map((leaf) => ({ path: `.${key}${leaf.path}`, set: (text: string) => ({ ...value, [key]: leaf.set(text) }) })),
    );
  return [];
};

const adapter = adapters[0] as (typeof adapters)[number];

describe(`hostile text in every field on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime, Services.suiteRateLimits);
  const { call, ok } = client(app);
  let sides: Record<"own" | "other", Side>;
  let ants: string;
  let auditor: string;

  beforeAll(async () => {
    const made = await fixture(runtime, app);
    sides = made.sides;
    ants = made.antsToken;
    auditor = await made.issue(Actor.Actor.make({ id: "auditeur", name: "Auditeur", role: "auditor", site: { _tag: "national" } }), "bootstrap");
  }, 120_000);
  afterAll(() => runtime.dispose());

  it("refuses or stores as text, never fails, in every body field and query parameter", async () => {
    const failures: Array<string> = [];
    let sent = 0;
    for (const entry of routes) {
      const { path, body } = entry.request(sides.own);
      const [route, query] = path.split("?") as [string, string | undefined];
      const variants: ReadonlyArray<{ readonly field: string; readonly request: (text: string) => { readonly path: string; readonly body?: unknown } }> = [
        ...stringLeaves(body).map((leaf) => ({ field: `body${leaf.path}`, request: (text: string) => ({ path, body: leaf.set(text) }) })),
        ...[...new URLSearchParams(query ?? "").keys()].map((key) => ({
          field: `query.${key}`,
          request: (text: string) => ({ path: `${route}?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(query)), [key]: text })}` }),
        })),
      ];
      for (const variant of variants) {
        for (const payload of payloads) {
          const request = variant.request(payload);
          const response = await call(ants, entry.method, request.path, request.body);
          sent++;
          const isJson = /^application\/(problem\+)?json/.test(response.type ?? "");
          if (response.status >= 500 || !isJson || /at \w+ \(|node_modules/.test(response.text))
            failures.push(`${entry.method} ${entry.path} ${variant.field} = ${JSON.stringify(payload)} → ${response.status} ${response.text.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    // The database is whole: the tables answer, and nothing broke the chain of the audit trail.
    expect((await call(ants, "GET", `/agents?commune=${sides.own.commune}`)).status).toBe(200);
    expect((await ok(auditor, "GET", "/audit/verification")).valid).toBe(true);
  }, 300_000);

  it("refuses an oversized body on every route that takes one, with nothing written", async () => {
    const before = (await ok(auditor, "GET", "/audit/verification")).events;
    for (const entry of routes.filter((candidate) => candidate.method !== "GET")) {
      const { path } = entry.request(sides.own);
      const limit = path === "/agents/import" ? AgentRoutes.importMaximumBytes + 64 * 1024 : App.maximumBodyBytes;
      const response = await call(ants, entry.method, path, JSON.stringify({ reason: "x".repeat(limit + 1) }));
      expect({ route: `${entry.method} ${entry.path}`, status: response.status, code: response.body.code }).toEqual({
        route: `${entry.method} ${entry.path}`,
        status: 413,
        code: "body-too-large",
      });
    }
    expect((await ok(auditor, "GET", "/audit/verification")).events).toBe(before);
  });

  it("gives free text back byte for byte", async () => {
    for (const payload of payloads.filter((text) => !text.includes("\u0000") && !text.includes("\ud800"))) {
      const ordered = await ok(ants, "POST", "/cards", { holder: sides.other.agent, reason: payload });
      expect((await ok(ants, "GET", `/cards/${ordered.id}`)).lastReason).toBe(payload);
    }
  });
});
