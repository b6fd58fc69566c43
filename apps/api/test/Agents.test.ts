/**
 * The agents routes at the HTTP edge: what the contract suite cannot see through the typed client —
 * malformed or ill-typed bodies, impossible dates, size limits, authentication, the OpenAPI entry.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const today = new Date().toISOString().slice(0, 10);
const registration = {
  identity: { birthName: "Colin", givenNames: ["Maëlle"], sex: "F", birthDate: "1990-07-14", placeOfBirth: { _tag: "commune", commune: "69123" } },
  document: {
    type: "carte-nationale-identite",
    number: "AB1234567",
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2032-01-01",
    holder: { birthName: "COLIN", givenNames: ["Maëlle"], birthDate: "1990-07-14" },
    check: { by: "ants", on: today, faceToFace: true },
  },
  contact: { email: "maelle.colin@mairie-lyon.fr" },
  site: { _tag: "commune", commune: "69123" },
  profile: { _tag: "agent" },
  rights: ["receive-requests"],
};

const adapter = adapters[0] as (typeof adapters)[number];
describe(`the agents routes on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime);
  let token = "";
  beforeAll(async () => {
    const lyon = Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 });
    await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, [lyon])));
    token = (await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(ants, 1, ants, "bootstrap")))).token;
  }, 120_000);
  afterAll(() => runtime.dispose());

  const post = async (path: string, body: string, auth = true) => {
    const response = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as Record<string, unknown> };
  };
  const count = async () => {
    const response = await app.request("/agents?limit=500", { headers: { authorization: `Bearer ${token}` } });
    return ((await response.json()) as { items: ReadonlyArray<unknown> }).items.length;
  };

  it("refuses malformed, ill-typed or impossible input with a problem and writes nothing", async () => {
    const cases: ReadonlyArray<[string, number, string]> = [
      ["{not json", 400, "malformed-json"],
      [JSON.stringify({ ...registration, identity: { ...registration.identity, birthDate: "1990-02-30" } }), 400, "invalid-request"],
      [JSON.stringify({ ...registration, rights: ["everything"] }), 400, "invalid-request"],
      [JSON.stringify({ ...registration, identity: { ...registration.identity, sex: 1 } }), 400, "invalid-request"],
      [JSON.stringify({ ...registration, isAdmin: true }), 400, "invalid-request"],
      [
        JSON.stringify({ ...registration, identity: { ...registration.identity, placeOfBirth: { _tag: "abroad", country: "XX", city: "Nulle part" } } }),
        400,
        "invalid-request",
      ],
      [
        JSON.stringify({ ...registration, identity: { ...registration.identity, placeOfBirth: { _tag: "commune", commune: "75120" } } }),
        422,
        "unknown-place-of-birth",
      ],
      [JSON.stringify({ ...registration, document: { ...registration.document, expiresOn: "2020-01-01" } }), 422, "document-not-acceptable"],
    ];
    for (const [body, status, code] of cases) {
      const response = await post("/agents", body);
      expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
      expect(response.type).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    // RGS identity.face-to-face: a document not seen face to face registers nobody (a check nobody is
    // named for is refused at the edge already, 400).
    const unseen = { ...registration, document: { ...registration.document, check: { ...registration.document.check, faceToFace: false } } };
    const refused = await post("/agents", JSON.stringify(unseen));
    expect(`${refused.status} ${refused.body.code} ${refused.body.rule}`).toBe("403 rgs-rule-broken identity.face-to-face");
    const nobody = { ...registration, document: { ...registration.document, check: { ...registration.document.check, by: "" } } };
    expect((await post("/agents", JSON.stringify(nobody))).body.code).toBe("invalid-request");
    expect(await count()).toBe(0);
    expect((await post("/agents", JSON.stringify(registration), false)).status).toBe(401);
    expect((await post("/agents", JSON.stringify(registration))).status).toBe(201);
    expect(await count()).toBe(1);
  });

  it("accepts a large CSV import body but keeps other bodies small", async () => {
    const big = "x".repeat(100 * 1024);
    expect((await post("/agents", JSON.stringify({ ...registration, contact: { email: big } }))).status).toBe(413);
    const imported = await post(
      "/agents/import",
      JSON.stringify({ site: { _tag: "commune", commune: "69123" }, csv: `birth_name\n${"Durand\n".repeat(20_000)}` }),
    );
    expect(imported.status).toBe(422);
    expect(imported.body.code).toBe("import-rejected");
  });

  it("documents the agents routes in the OpenAPI document", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths["/agents"] ?? {})).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(document.paths["/agents/{id}"] ?? {})).toEqual(expect.arrayContaining(["get", "patch"]));
  });
});
