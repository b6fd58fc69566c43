/**
 * Every authenticated route of the API, as the security suites exercise it: what it asks of the
 * policy, on what, and a request that validates, for a record of one site or another. The
 * authorisation matrix and the injection suite both walk this table; the matrix checks it names
 * every endpoint of `App.endpoints`.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Contract, Endpoint } from "@comedec/http-contract";
import { Access, Tokens } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import type { Hono } from "hono";
import { generateKeyPairSync } from "node:crypto";
import type * as App from "../src/App.js";

export const today = new Date().toISOString().slice(0, 10);
export const reference = [
  Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 }),
  Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 2_100_000 }),
];

/** What a route is exercised on: one commune, its département, and the records made there. */
export interface Side {
  readonly commune: string;
  readonly departement: string;
  agent: string;
  card: string;
  request: string;
  convention: string;
}
/** Fresh sides: the fixture fills in the records. */
export const makeSides = (): Record<"own" | "other", Side> => ({
  own: { commune: "69123", departement: "69", agent: "", card: "", request: "", convention: "" },
  other: { commune: "75056", departement: "75", agent: "", card: "", request: "", convention: "" },
});

export const registration = (side: Side, number: string) => ({
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
/** A small specimen file. */
export const specimenFile = {
  acts: [
    {
      actType: "birth",
      actDate: "2001-03-04",
      reference: "N-2001-12",
      persons: [{ birthName: "DUPONT", givenNames: ["Léa"], sex: "F", birthDate: "2001-03-04" }],
    },
    { actType: "death", actDate: "2020-11-30", reference: "D-2020-7", persons: [{ birthName: "BLANC", givenNames: ["Jean"], birthDate: "1931-02-03" }] },
  ],
};
export const terms = (kind: string) => ({
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

/** How a route is exercised. What it asks of the policy, and on what, is read from the contract. */
export interface RouteRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly request: (side: Side) => { readonly path: string; readonly body?: unknown };
  /** A listing narrowed to the actor's site: refusing is 403, or 200 with no item of another site. */
  readonly listing?: true;
  /** Roles a use case narrows further than the matrix (own cards only, first cards only…): a `forbidden` is then theirs to give. */
  readonly narrowed?: ReadonlyArray<Actor.Role>;
}

/** A route as exercised, with the permission and target its contract endpoint declares. */
export interface Route extends RouteRequest {
  readonly operationId: string;
  readonly permission: Access.Permission;
  /** The target the route authorises on: the side's commune (or the record's site), or the nation (listings, national tasks). */
  readonly on: "commune" | "nation";
}

const route = (definition: RouteRequest): Route => {
  const endpoint = Contract.endpoints.find((candidate) => candidate.method.toUpperCase() === definition.method && candidate.path === definition.path);
  if (endpoint === undefined) throw new Error(`no endpoint of the contract is ${definition.method} ${definition.path}`);
  const required = Endpoint.permissionOf(endpoint);
  if (required === undefined) throw new Error(`${definition.method} ${definition.path} requires no permission: it is not a row of the matrix`);
  return { ...definition, operationId: endpoint.operationId, permission: required.permission, on: required.target._tag === "nation" ? "nation" : "commune" };
};

/** An agent's sealing key, as its answer to a pairing gives it (X25519, SubjectPublicKeyInfo, base64url). */
const agentSealingKey = generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).toString("base64url");

export const routes: ReadonlyArray<Route> = [
  route({ method: "GET", path: "/communes", request: () => ({ path: "/communes" }) }),
  route({ method: "GET", path: "/communes/{code}", request: (s) => ({ path: `/communes/${s.commune}` }) }),
  route({ method: "GET", path: "/dashboard", request: () => ({ path: "/dashboard" }) }),
  route({ method: "GET", path: "/dashboard/map", request: () => ({ path: "/dashboard/map" }) }),
  route({ method: "GET", path: "/dashboard/trend", request: () => ({ path: "/dashboard/trend" }) }),
  route({
    method: "GET",
    path: "/communes/{code}/onboarding",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding` }),
  }),
  route({
    method: "GET",
    path: "/communes/{code}/onboarding/timeline",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/timeline` }),
  }),
  route({ method: "GET", path: "/onboarding/machine", request: () => ({ path: "/onboarding/machine" }) }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/milestones",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/milestones`, body: { evidence: { milestone: "adhesion", reference: "formulaire" } } }),
    narrowed: ["editor"],
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/milestones/{milestone}/withdrawal",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/milestones/editorContract/withdrawal`, body: { reason: "enregistré par erreur" } }),
    narrowed: ["editor"],
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/appointment/move",
    request: (s) => ({
      path: `/communes/${s.commune}/onboarding/appointment/move`,
      body: { appointmentOn: today, venue: "Mairie", reference: "replanifié", reason: "salle indisponible" },
    }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/maternity",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/maternity`, body: { hasMaternity: true, reference: "recensement" } }),
    narrowed: ["editor", "prefecture-operator", "commune-operator"],
  }),
  route({
    method: "POST",
    path: "/communes/{code}/onboarding/training",
    request: (s) => ({ path: `/communes/${s.commune}/onboarding/training`, body: { trainingOn: today } }),
    narrowed: ["editor"],
  }),
  route({
    method: "GET",
    path: "/communes/{code}/conventions",
    request: (s) => ({ path: `/communes/${s.commune}/conventions` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/conventions",
    request: (s) => ({ path: `/communes/${s.commune}/conventions`, body: terms("CARTES") }),
  }),
  route({ method: "GET", path: "/conventions", request: (s) => ({ path: `/conventions?status=pending&commune=${s.commune}` }) }),
  route({ method: "GET", path: "/conventions/{id}", request: (s) => ({ path: `/conventions/${s.convention}` }) }),
  route({
    method: "POST",
    path: "/conventions/{id}/receipt",
    request: (s) => ({ path: `/conventions/${s.convention}/receipt`, body: { receipt: { channel: "email", copies: 1, receivedOn: today } } }),
  }),
  route({
    method: "POST",
    path: "/conventions/{id}/validation",
    request: (s) => ({ path: `/conventions/${s.convention}/validation`, body: {} }),
  }),
  route({
    method: "POST",
    path: "/conventions/{id}/rejection",
    request: (s) => ({ path: `/conventions/${s.convention}/rejection`, body: { reasons: ["illisible"] } }),
  }),
  route({ method: "GET", path: "/editors", request: () => ({ path: "/editors" }) }),
  route({
    method: "PUT",
    path: "/editors/{id}",
    request: () => ({ path: "/editors/logiciel-x", body: { name: "Logiciel X", contactEmail: "contact@x.fr", compatible: true } }),
  }),
  route({
    method: "POST",
    path: "/agents",
    request: (s) => ({ path: "/agents", body: registration(s, `M${s.commune}${Math.floor(Math.random() * 1e6)}`) }),
  }),
  route({ method: "GET", path: "/agents", listing: true, request: (s) => ({ path: `/agents?commune=${s.commune}` }) }),
  route({ method: "GET", path: "/agents/{id}", request: (s) => ({ path: `/agents/${s.agent}` }) }),
  route({
    method: "POST",
    path: "/agents/import",
    request: (s) => ({ path: "/agents/import", body: { site: { _tag: "commune", commune: s.commune }, csv: "birth_name\n" } }),
  }),
  route({
    method: "POST",
    path: "/cards",
    request: (s) => ({ path: "/cards", body: { holder: s.agent, reason: "nouvelle carte" } }),
  }),
  route({ method: "GET", path: "/cards", listing: true, request: (s) => ({ path: `/cards?commune=${s.commune}` }) }),
  route({ method: "GET", path: "/cards/{id}", request: (s) => ({ path: `/cards/${s.card}` }) }),
  route({
    method: "GET",
    path: "/holders",
    listing: true,
    request: (s) => ({ path: `/holders?commune=${s.commune}` }),
  }),
  route({
    method: "GET",
    path: "/holders/{id}/secret-questions",
    request: (s) => ({ path: `/holders/${s.agent}/secret-questions` }),
  }),
  route({
    method: "GET",
    path: "/mailbox",
    listing: true,
    request: (s) => ({ path: `/mailbox?commune=${s.commune}` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/connection",
    request: (s) => ({ path: `/communes/${s.commune}/connection`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests",
    request: (s) => ({ path: "/card-requests", body: { kind: "certificate-renewal", card: s.card, reason: "expiration proche" } }),
    // Only the holder requests for their own cards.
    narrowed: ["agent", "commune-operator", "prefecture-operator"],
  }),
  route({
    method: "GET",
    path: "/card-requests",
    listing: true,
    request: (s) => ({ path: `/card-requests?commune=${s.commune}` }),
  }),
  route({ method: "GET", path: "/card-requests/{id}", request: (s) => ({ path: `/card-requests/${s.request}` }) }),
  route({
    method: "POST",
    path: "/card-requests/{id}/rejection",
    request: (s) => ({ path: `/card-requests/${s.request}/rejection`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests/{id}/validation",
    request: (s) => ({ path: `/card-requests/${s.request}/validation`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/card-requests/{id}/cancellation",
    request: (s) => ({ path: `/card-requests/${s.request}/cancellation`, body: reason }),
    narrowed: ["agent", "commune-operator", "prefecture-operator"],
  }),
  route({
    method: "POST",
    path: "/cards/{id}/production",
    request: (s) => ({ path: `/cards/${s.card}/production`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/shipment",
    request: (s) => ({ path: `/cards/${s.card}/shipment`, body: reason }),
  }),
  route({
    method: "GET",
    path: "/cards/{id}/activation-letter",
    request: (s) => ({ path: `/cards/${s.card}/activation-letter` }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/receipt",
    request: (s) => ({ path: `/cards/${s.card}/receipt`, body: { serial: "SIM-000000000000", reason: "colis" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/personalisation-approval",
    request: (s) => ({ path: `/cards/${s.card}/personalisation-approval`, body: { reason: "second contrôle" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/renewal",
    request: (s) => ({ path: `/cards/${s.card}/renewal`, body: reason }),
  }),
  // The card operations through the card agent (ADR 0016): an X25519 key of an agent, CSRs and a proof that validate.
  route({
    method: "POST",
    path: "/cards/{id}/hand-over",
    request: (s) => ({
      path: `/cards/${s.card}/hand-over`,
      body: {
        activationCode: "0000-0000-0000-0000",
        handOver: { document: { type: "carte-nationale-identite", number: "XY123456" }, place: "mairie" },
        agentKey: agentSealingKey,
        reason: "remise",
      },
    }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/hand-over/resumption",
    request: (s) => ({ path: `/cards/${s.card}/hand-over/resumption`, body: { agentKey: agentSealingKey, reason: "reprise" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/hand-over/certificate-requests",
    request: (s) => ({ path: `/cards/${s.card}/hand-over/certificate-requests`, body: { csrs: { authentication: "MAA=", signature: "MAA=" } } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/hand-over/confirmation",
    request: (s) => ({ path: `/cards/${s.card}/hand-over/confirmation`, body: { proof: "MAA=", certificate: "MAA=" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/new-certificates",
    request: (s) => ({ path: `/cards/${s.card}/new-certificates`, body: { reason: "expiration" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/new-certificates/certificate-requests",
    request: (s) => ({ path: `/cards/${s.card}/new-certificates/certificate-requests`, body: { csrs: { authentication: "MAA=", signature: "MAA=" } } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/new-certificates/confirmation",
    request: (s) => ({ path: `/cards/${s.card}/new-certificates/confirmation`, body: { proof: "MAA=", certificate: "MAA=" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/pin-block",
    request: (s) => ({ path: `/cards/${s.card}/pin-block`, body: { reason: "code PIN bloqué au poste" } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/unblock-ticket",
    request: (s) => ({
      path: `/cards/${s.card}/unblock-ticket`,
      body: { holderAuthentication: "face-to-face", agentKey: agentSealingKey, reason: "oubli" },
    }),
  }),
  route({
    method: "PUT",
    path: "/holders/{id}/secret-questions",
    request: (s) => ({
      path: `/holders/${s.agent}/secret-questions`,
      body: { questions: ["un", "deux", "trois", "quatre"].map((word) => ({ question: `Question ${word} ?`, answer: word })) },
    }),
  }),
  route({
    method: "GET",
    path: "/audit/trail",
    listing: true,
    request: (s) => ({ path: `/audit/trail?site=commune:${s.commune}` }),
  }),
  route({
    method: "GET",
    path: "/audit/trail/proven",
    listing: true,
    request: (s) => ({ path: `/audit/trail/proven?site=commune:${s.commune}` }),
  }),
  route({ method: "GET", path: "/audit/verification", request: () => ({ path: "/audit/verification" }) }),
  route({
    method: "POST",
    path: "/planning/hand-over-sessions",
    request: (s) => ({
      path: "/planning/hand-over-sessions",
      body: { departement: s.departement, prefectureCommune: s.commune, capacity: 10, startOn: today },
    }),
  }),
  route({
    method: "POST",
    path: "/planning/hand-over-sessions/confirmation",
    request: (s) => ({
      path: "/planning/hand-over-sessions/confirmation",
      body: { departement: s.departement, reference: "plan", sessions: [{ date: today, venue: "Préfecture", mairies: [s.commune] }] },
    }),
  }),
  route({
    method: "GET",
    path: "/planning/appointments",
    request: (s) => ({ path: `/planning/appointments?departement=${s.departement}` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/specimen-file",
    request: (s) => ({ path: `/communes/${s.commune}/specimen-file`, body: specimenFile }),
  }),
  route({
    method: "GET",
    path: "/communes/{code}/connection-test",
    request: (s) => ({ path: `/communes/${s.commune}/connection-test` }),
  }),
  route({
    method: "GET",
    path: "/communes/{code}/requests",
    request: (s) => ({ path: `/communes/${s.commune}/requests` }),
  }),
  route({
    method: "POST",
    path: "/communes/{code}/requests/{id}/response",
    request: (s) => ({ path: `/communes/${s.commune}/requests/unknown-request/response`, body: { signed: "MAA=" } }),
  }),
  route({ method: "POST", path: "/retention/purge", request: () => ({ path: "/retention/purge", body: {} }) }),
  route({ method: "GET", path: "/monitoring/deadlines", request: () => ({ path: "/monitoring/deadlines" }) }),
  route({ method: "GET", path: "/monitoring/notifications", request: () => ({ path: "/monitoring/notifications" }) }),
  route({ method: "GET", path: "/audit/checkpoints", request: () => ({ path: "/audit/checkpoints" }) }),
  route({ method: "POST", path: "/audit/checkpoints", request: () => ({ path: "/audit/checkpoints", body: {} }) }),
  // Last: what destroys the records the routes above are exercised on.
  route({
    method: "PUT",
    path: "/agents/{id}/contact",
    request: (s) => ({ path: `/agents/${s.agent}/contact`, body: { contact: { email: "nouveau@mairie.fr" } } }),
  }),
  route({
    method: "PATCH",
    path: "/agents/{id}",
    request: (s) => ({ path: `/agents/${s.agent}`, body: { rights: ["receive-requests"] } }),
  }),
  route({
    method: "POST",
    path: "/cards/{id}/revocation",
    request: (s) => ({ path: `/cards/${s.card}/revocation`, body: { revocationReason: "keyCompromise", answers, reason: "perte" } }),
  }),
  route({
    method: "POST",
    path: "/agents/{id}/deactivation",
    request: (s) => ({ path: `/agents/${s.agent}/deactivation`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/agents/{id}/reactivation",
    request: (s) => ({ path: `/agents/${s.agent}/reactivation`, body: reason }),
  }),
  route({
    method: "POST",
    path: "/agents/{id}/deletion",
    request: (s) => ({ path: `/agents/${s.agent}/deletion`, body: reason }),
  }),
];

/** Routes any authenticated caller may use, whatever their role: they expose nothing of a site. */
/** The endpoints any authenticated actor may call, on what is their own: no row of the matrix. */
export const anyAuthenticated = new Set(
  Contract.endpoints
    .filter((endpoint) => endpoint.authorization._tag === "authenticated")
    .map((endpoint) => `${endpoint.method.toUpperCase()} ${endpoint.path}`),
);

/** A client of the in-process app, with a bearer token. */
/** What the clients call: the app itself (`app.request`), or a running server through `fetch`. */
export interface Requester {
  readonly request: (path: string, init: RequestInit) => Response | Promise<Response>;
}

export const client = (app: Requester) => {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      text,
      body: (text.length === 0 || !(response.headers.get("content-type") ?? "").includes("json") ? {} : JSON.parse(text)) as any,
    };
  };
  const ok = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await call(token, method, path, body);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  return { call, ok };
};

/**
 * Takes a commune to `connectionTriggered` through the routes, as ANTS: adhesion, both
 * conventions submitted, received and validated, then recorded, then the connection (recorded by
 * hand, unless `recordConnection` is false: the caller then triggers it with the first cards).
 */
export const triggerConnection = async (ok: ReturnType<typeof client>["ok"], antsToken: string, code: string, recordConnection = true) => {
  await ok(antsToken, "POST", `/communes/${code}/onboarding/milestones`, { evidence: { milestone: "adhesion", reference: "formulaire en ligne" } });
  const conventions: Array<string> = [];
  for (const kind of ["CARTES", "COMEDEC"]) {
    const submitted = await ok(antsToken, "POST", `/communes/${code}/conventions`, {
      kind,
      signatory: { name: "Le maire", quality: "maire" },
      signedOn: today,
      responsableCarte: { name: "Alice Roux", email: `alice@mairie-${code}.fr` },
      delegue: { name: "Bruno Faure", email: `bruno@mairie-${code}.fr` },
    });
    await ok(antsToken, "POST", `/conventions/${submitted.id}/receipt`, { receipt: { channel: "email", copies: 1, receivedOn: today } });
    await ok(antsToken, "POST", `/conventions/${submitted.id}/validation`, {});
    conventions.push(submitted.id);
  }
  await ok(antsToken, "POST", `/communes/${code}/onboarding/milestones`, {
    evidence: { milestone: "conventionsReceived", reference: "courriel", conventions },
  });
  // Without it, the caller triggers the connection with the first cards ordered (POST /communes/{code}/connection).
  if (!recordConnection) return;
  await ok(antsToken, "POST", `/communes/${code}/onboarding/milestones`, { evidence: { milestone: "connectionTriggered", reference: "lecteurs expédiés" } });
};

/**
 * The records the routes are exercised on: the reference communes, then on each side an agent, a
 * card ordered for them, the holder's revocation request and a convention, made through the API
 * as ANTS and as the holder. Returns the sides, ANTS's token and a way to issue more tokens.
 */
export const fixture = async (runtime: ManagedRuntime.ManagedRuntime<App.Services, never>, app: Hono) => {
  const ants = Actor.Actor.make({ id: "ants-fixture", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
  const issue = async (actor: Actor.Actor, purpose: Tokens.Purpose) =>
    (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, purpose)))).token;
  await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
  const antsToken = await issue(ants, "bootstrap");
  const { ok } = client(app);
  const sides = makeSides();
  for (const side of Object.values(sides)) {
    side.agent = (await ok(antsToken, "POST", "/agents", registration(side, `F${side.commune}`))).id;
    side.card = (await ok(antsToken, "POST", "/cards", { holder: side.agent, reason: "première carte" })).id;
    const holder = await issue(
      Actor.Actor.make({ id: side.agent, name: "Claire", role: "agent", site: { _tag: "commune", commune: side.commune } }),
      "bootstrap",
    );
    const request = { kind: "revocation", card: side.card, revocationReason: "keyCompromise", reason: "perte" };
    side.request = (await ok(holder, "POST", "/card-requests", request)).id;
    side.convention = (await ok(antsToken, "POST", `/communes/${side.commune}/conventions`, terms("COMEDEC"))).id;
  }
  return { sides, antsToken, issue };
};
