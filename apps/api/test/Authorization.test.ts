/**
 * The authorisation matrix, through the real app: every authenticated route × every role × a
 * bootstrap or a machine token × a resource of the actor's own site or of another site. What the
 * policy (`Access.check`) refuses must be answered 403 `forbidden` (or, for a listing, with nothing
 * of the other site); what it grants must never be refused as `forbidden` (a use case may still
 * refuse it for a reason of its own, with its own code). The table of routes must name every
 * endpoint of `App.endpoints`, so a new route cannot escape the matrix.
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

const today = new Date().toISOString().slice(0, 10);
const reference = [
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
  Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 2_100_000 }),
];

/** What a route is exercised on: one commune, its département, and the records made there. */
interface Side {
  readonly commune: string;
  readonly departement: string;
  agent: string;
  card: string;
  request: string;
  convention: string;
}
const sides: Record<"own" | "other", Side> = {
  own: { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" },
  other: { commune: "75056", departement: "75", agent: "", card: "", request: "", convention: "" },
};

const registration = (side: Side, number: string) => ({
  identity: { birthName: "Martin", givenNames: ["Claire"], sex: "F", birthDate: "1985-04-05", placeOfBirth: { _tag: "commune", commune: side.commune } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture",
    expiresOn: "2033-01-01",
    holder: { birthName: "MARTIN", givenNames: ["Claire"], birthDate: "1985-04-05" },
    check: { by: "registrar", on: today, faceToFace: true },
  },
  contact: { email: `claire.${number.toLowerCase()}@mairie.fr` },
  site: { _tag: "commune", commune: side.commune },
  profile: { _tag: "agent" },
  rights: ["receive-requests"],
});
const terms = (kind: string) => ({
  kind,
  signatory: { name: "Le maire", quality: "maire" },
  signedOn: today,
  responsableCarte: { name: "Alice Roux", email: "alice@mairie.fr" },
  delegue: { name: "Bruno Faure", email: "bruno@mairie.fr" },
});
const reason = { reason: "contrôle des droits" };
const answers = [
  { question: 0, answer: "a" },
  { question: 1, answer: "b" },
];

/** How a route is exercised, what it asks of the policy, and on what. */
interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH";
  readonly path: string;
  readonly permission: Access.Permission;
  /** The target the route authorises on: the side's commune, or the nation (listings, national tasks). */
  readonly on: "commune" | "nation";
  readonly request: (side: Side) => { readonly path: string; readonly body?: unknown };
  /** A listing narrowed to the actor's site: refusing is 403, or 200 with no item of another site. */
  readonly listing?: true;
  /** Roles a use case narrows further than the matrix (own cards only, first cards only…): a `forbidden` is then theirs to give. */
  readonly narrowed?: ReadonlyArray<Actor.Role>;
}

const route = (definition: Route) => definition;

const routes: ReadonlyArray<Route> = [
  route({ method: "GET", path: "/communes", permission: "commune.read", on: "nation", request: () => ({ path: "/communes" }) }),
  route({ method: "GET", path: "/communes/{code}", permission: "commune.read", on: "commune", request: (s) => ({ path: `/communes/${s.commune}` }) }),
  route({ method: "GET", path: "/dashboard", permission: "dashboard.read", on: "nation", request: () => ({ path: "/dashboard" }) }),
  route({
    method: "GET",
    path: "/communes/{code}/onboarding",
    permission: "onboarding.read",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding` }),
  }),
  route({
    method: "GET",
    path: "/communes/{code}/onboarding/timeline",
    permission: "onboarding.read",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/timeline` }),
  }),
  route({ method: "GET", path: "/onboarding/machine", permission: "editor.read", on: "nation", request: () => ({ path: "/onboarding/machine" }) }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/milestones",
    permission: "onboarding.record",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/milestones`, body: { evidence: { milestone: "adhesion", reference: "formulaire" } } }),
    narrowed: ["editor"],
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/maternity",
    permission: "onboarding.record",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/maternity`, body: { hasMaternity: true, reference: "recensement" } }),
    narrowed: ["editor", "prefecture-operator", "commune-operator"],
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/training",
    permission: "onboarding.record",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/training`, body: { trainingOn: today } }),
    narrowed: ["editor"],
  }),
  route({
    method: "GET",
    path: "/communes/{code}/conventions",
    permission: "convention.read",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/conventions` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/conventions",
    permission: "convention.submit",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/conventions`, body: terms("CARTES") }),
  }),
  route({ method: "GET", path: "/conventions/{id}", permission: "convention.read", on: "commune", request: (s) => ({ path: `/conventions/${s.convention}` }) }),
  route({
    method: "POST",
    path: "/conventions/{id}/receipt",
    permission: "convention.process",
    on: "nation",
    request: (s) => ({ path: `/conventions/${s.convention}/receipt`, body: { receipt: { channel: "email", copies: 1, receivedOn: today } } }),
  }),
  route({
    method: "POST",
    path: "/conventions/{id}/validation",
    permission: "convention.process",
    on: "nation",
    request: (s) => ({ path: `/conventions/${s.convention}/validation`, body: {} }),
  }),
  route({
    method: "POST",
    path: "/conventions/{id}/rejection",
    permission: "convention.process",
    on: "nation",
    request: (s) => ({ path: `/conventions/${s.convention}/rejection`, body: { reasons: ["illisible"] } }),
  }),
  route({ method: "GET", path: "/editors", permission: "editor.read", on: "nation", request: () => ({ path: "/editors" }) }),
  route({
    method: "PUT",
    path: "/editors/{id}",
    permission: "editor.manage",
    on: "nation",
    request: () => ({ path: "/editors/logiciel-x", body: { name: "Logiciel X", contactEmail: "contact@x.fr", compatible: true } }),
  }),
  route({
    method: "POST",
    path: "/agents",
    permission: "agent.register",
    on: "commune",
    request: (s) => ({ path: "/agents", body: registration(s, `M${s.commune}${Math.floor(Math.random() * 1e6)}`) }),
  }),
  route({ method: "GET", path: "/agents", permission: "agent.read", on: "commune", listing: true, request: (s) => ({ path: `/agents?commune=${s.commune}` }) }),
  route({ method: "GET", path: "/agents/{id}", permission: "agent.read", on: "commune", request: (s) => ({ path: `/agents/${s.agent}` }) }),
  route({
    method: "POST",
    path: "/agents/import",
    permission: "agent.register",
    on: "commune",
    request: (s) => ({ path: "/agents/import", body: { site: { _tag: "commune", commune: s.commune }, csv: "birth_name\n" } }),
  }),
  route({
    method: "POST",
    path: "/cards",
    permission: "card.order",
    on: "commune",
    request: (s) => ({ path: "/cards", body: { holder: s.agent, reason: "nouvelle carte" } }),
  }),
  route({ method: "GET", path: "/cards", permission: "card.read", on: "commune", listing: true, request: (s) => ({ path: `/cards?commune=${s.commune}` }) }),
  route({ method: "GET", path: "/cards/{id}", permission: "card.read", on: "commune", request: (s) => ({ path: `/cards/${s.card}` }) }),
  route({
    method: "GET",
    path: "/holders",
    permission: "card.read",
    on: "commune",
    listing: true,
    request: (s) => ({ path: `/holders?commune=${s.commune}` }),
  }),
  route({
    method: "GET",
    path: "/holders/{id}/secret-questions",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/holders/${s.agent}/secret-questions` }),
  }),
  route({
    method: "GET",
    path: "/mailbox",
    permission: "card.order",
    on: "commune",
    listing: true,
    request: (s) => ({ path: `/mailbox?commune=${s.commune}` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/connection",
    permission: "card.produce",
    on: "commune",
    request: (s) => ({ path: `/communes/${s.commune}/connection`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests",
    permission: "card.request",
    on: "commune",
    request: (s) => ({ path: "/card-requests", body: { kind: "certificate-renewal", card: s.card, reason: "expiration proche" } }),
    // Only the holder requests for their own cards.
    narrowed: ["agent", "commune-operator", "prefecture-operator"],
  }),
  route({
    method: "GET",
    path: "/card-requests",
    permission: "card.read",
    on: "commune",
    listing: true,
    request: (s) => ({ path: `/card-requests?commune=${s.commune}` }),
  }),
  route({ method: "GET", path: "/card-requests/{id}", permission: "card.read", on: "commune", request: (s) => ({ path: `/card-requests/${s.request}` }) }),
  route({
    method: "POST",
    path: "/card-requests/{id}/rejection",
    permission: "card.validate",
    on: "commune",
    request: (s) => ({ path: `/card-requests/${s.request}/rejection`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests/{id}/validation",
    permission: "card.validate",
    on: "commune",
    request: (s) => ({ path: `/card-requests/${s.request}/validation`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests/{id}/cancellation",
    permission: "card.request",
    on: "commune",
    request: (s) => ({ path: `/card-requests/${s.request}/cancellation`, body: reason }),
    narrowed: ["agent", "commune-operator", "prefecture-operator"],
  }),
  route({
    method: "POST",
    path: "/cards/{id}/production",
    permission: "card.produce",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/production`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/shipment",
    permission: "card.produce",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/shipment`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/receipt",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/receipt`, body: { serial: "SIM-000000000000", reason: "colis" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/publication",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({
      path: `/cards/${s.card}/publication`,
      body: {
        activationCode: "0000-0000-0000-0000",
        pin: "482915",
        handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "mairie" },
        reason: "remise",
      },
    }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/pin-verification",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/pin-verification`, body: { pin: "482915" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/unblock",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/unblock`, body: { holderAuthentication: "face-to-face", newPin: "591736", reason: "oubli" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/certificate-renewal",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/certificate-renewal`, body: { pin: "482915", reason: "expiration" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/renewal",
    permission: "card.order",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/renewal`, body: reason }),
  }),
  route({
    method: "PUT",
    path: "/holders/{id}/secret-questions",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({
      path: `/holders/${s.agent}/secret-questions`,
      body: { questions: ["un", "deux", "trois", "quatre"].map((word) => ({ question: `Question ${word} ?`, answer: word })) },
    }),
  }),
  route({
    method: "GET",
    path: "/audit/trail",
    permission: "audit.export",
    on: "commune",
    listing: true,
    request: (s) => ({ path: `/audit/trail?site=commune:${s.commune}` }),
  }),
  route({ method: "GET", path: "/audit/verification", permission: "audit.verify", on: "nation", request: () => ({ path: "/audit/verification" }) }),
  // Last: what destroys the records the routes above are exercised on.
  route({
    method: "PUT",
    path: "/agents/{id}/contact",
    permission: "agent.manage",
    on: "commune",
    request: (s) => ({ path: `/agents/${s.agent}/contact`, body: { contact: { email: "nouveau@mairie.fr" } } }),
  }),
  route({
    method: "PATCH",
    path: "/agents/{id}",
    permission: "agent.manage",
    on: "commune",
    request: (s) => ({ path: `/agents/${s.agent}`, body: { rights: ["receive-requests"] } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/revocation",
    permission: "card.operate",
    on: "commune",
    request: (s) => ({ path: `/cards/${s.card}/revocation`, body: { revocationReason: "keyCompromise", answers, reason: "perte" } }),
  }),
  route({
    method: "POST",
    path: "/agents/{id}/deactivation",
    permission: "agent.manage",
    on: "commune",
    request: (s) => ({ path: `/agents/${s.agent}/deactivation`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/agents/{id}/deletion",
    permission: "agent.manage",
    on: "commune",
    request: (s) => ({ path: `/agents/${s.agent}/deletion`, body: reason }),
  }),
];

/** Routes any authenticated caller may use, whatever their role: they expose nothing of a site. */
const anyAuthenticated = new Set(["POST /sessions/logout", "GET /card-platform/state-machines"]);

/** Who acts: one actor per role, at the "own" side's site. */
const actors = (agentId: string): ReadonlyArray<Actor.Actor> =>
  [
    { id: "ants-admin", role: "national-administrator", site: { _tag: "national" } },
    { id: "ants-auditor", role: "auditor", site: { _tag: "national" } },
    { id: "pref-69", role: "prefecture-operator", site: { _tag: "prefecture", departement: "69" } },
    { id: "rc-69123", role: "commune-operator", site: { _tag: "commune", commune: "69123" } },
    { id: agentId, role: "agent", site: { _tag: "commune", commune: "69123" } },
    { id: "dev-x", role: "editor", site: { _tag: "editor", editor: "logiciel-x" } },
  ].map((fields) => Actor.Actor.make({ ...fields, name: fields.id } as never));

/** A prefecture handles only a commune's first two cards, and the fixture's cards are not: the card platform narrows it. */
const narrowedFor = (entry: Route): ReadonlyArray<Actor.Role> =>
  /^\/(cards|holders)\b/.test(entry.path) && entry.permission !== "card.produce" ? [...(entry.narrowed ?? []), "prefecture-operator"] : (entry.narrowed ?? []);

const targetOf = (route: Route, side: Side): Access.Target =>
  route.on === "nation" ? Access.nation : { _tag: "commune", commune: side.commune, departement: side.departement };

const adapter = adapters[0] as (typeof adapters)[number];

describe(`the authorisation matrix over HTTP on ${adapter.name}`, () => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime, Services.suiteRateLimits);
  const tokens = new Map<string, string>();
  const issue = async (actor: Actor.Actor, purpose: Tokens.Purpose) =>
    (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, actor, purpose)))).token;
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const ok = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await call(token, method, path, body);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  beforeAll(async () => {
    const system = Actor.Actor.make({ id: "ants-fixture", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
    await runtime.runPromise(Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
    const ants = await issue(system, "bootstrap");
    for (const side of Object.values(sides)) {
      side.agent = (await ok(ants, "POST", "/agents", registration(side, `F${side.commune}`))).id;
      side.card = (await ok(ants, "POST", "/cards", { holder: side.agent, reason: "première carte" })).id;
      const holder = await issue(
        Actor.Actor.make({ id: side.agent, name: "Claire", role: "agent", site: { _tag: "commune", commune: side.commune } }),
        "bootstrap",
      );
      side.request = (
        await ok(holder, "POST", "/card-requests", { kind: "revocation", card: side.card, revocationReason: "keyCompromise", reason: "perte" })
      ).id;
      side.convention = (await ok(ants, "POST", `/communes/${side.commune}/conventions`, terms("COMEDEC"))).id;
    }
    for (const actor of actors(sides.own.agent)) {
      tokens.set(`${actor.id}/bootstrap`, await issue(actor, "bootstrap"));
      tokens.set(`${actor.id}/machine`, await issue(actor, "machine"));
    }
  }, 120_000);
  afterAll(() => runtime.dispose());

  it("names every authenticated endpoint of the app", () => {
    const declared = new Set(routes.map((entry) => `${entry.method} ${entry.path}`));
    const endpoints = App.endpoints.filter((endpoint) => endpoint.public !== true).map((endpoint) => `${endpoint.method.toUpperCase()} ${endpoint.path}`);
    expect(endpoints.filter((endpoint) => !declared.has(endpoint) && !anyAuthenticated.has(endpoint))).toEqual([]);
    expect([...declared].filter((entry) => !endpoints.includes(entry))).toEqual([]);
  });

  it("refuses without a credential, or with a forged one, on every route", async () => {
    for (const entry of routes) {
      const { path, body } = entry.request(sides.own);
      for (const token of ["", "cmdc_AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cmdcs_forged"]) {
        const response = await call(token, entry.method, path, body);
        expect({ route: `${entry.method} ${path}`, status: response.status }).toEqual({ route: `${entry.method} ${path}`, status: 401 });
      }
    }
  });

  it("answers every route × role × credential × site as the policy says, with no leak", async () => {
    const cases = routes.flatMap((entry) =>
      actors(sides.own.agent).flatMap((actor) =>
        (["bootstrap", "machine"] as const).flatMap((purpose) =>
          (["own", "other"] as const).map((sideName) => {
            const credential = purpose === "machine" ? "machine-token" : "bootstrap-token";
            const granted = Access.check(Actor.Actor.make({ ...actor, credential }), entry.permission, targetOf(entry, sides[sideName])) !== undefined;
            return { entry, actor, purpose, sideName, granted };
          }),
        ),
      ),
    );
    const failures: Array<string> = [];
    let refused = 0;
    // Per route, the refusals first: a granted call may change (or destroy) the record the others are tried on.
    for (const entry of routes) {
      const ofRoute = cases.filter((candidate) => candidate.entry === entry).sort((a, b) => Number(a.granted) - Number(b.granted));
      for (const { actor, purpose, sideName, granted } of ofRoute) {
        const { path, body } = entry.request(sides[sideName]);
        const response = await call(tokens.get(`${actor.id}/${purpose}`) as string, entry.method, path, body);
        const label = `${entry.method} ${path} as ${actor.role} (${purpose}) on the ${sideName} site → ${response.status} ${response.body.code ?? ""}`;
        if (response.status === 401) failures.push(`${label}: not authenticated`);
        else if (!granted) {
          refused++;
          const forbidden = response.status === 403 && response.body.code === "forbidden";
          const emptyListing = entry.listing === true && response.status === 200 && (response.body.items ?? []).length === 0;
          if (!forbidden && !emptyListing) failures.push(`${label}: the policy refuses it`);
        } else if (response.status === 403 && response.body.code === "forbidden" && !narrowedFor(entry).includes(actor.role)) {
          failures.push(`${label}: the policy grants it (${response.body.detail})`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(routes.length * 4);
  }, 120_000);
});
