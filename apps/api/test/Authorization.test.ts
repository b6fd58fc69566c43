/**
 * The authorisation matrix, through the real app: every authenticated route × every role × a card
 * session, a bootstrap or a machine token × a resource of the actor's own site or of another site.
 * The permission and target of each route are the contract's (`@comedec/http-contract`), never a
 * second table. What the policy (`Access.check`) refuses must be answered 403 `forbidden` (or, for
 * a listing, with nothing of the other site); what it grants must never be refused as `forbidden`
 * (a use case may still refuse it for a reason of its own, with its own code) and never fail with
 * a 5xx. The table of routes must name every authenticated endpoint of the contract, so a new route
 * cannot escape the matrix.
 */
import { Actor } from "@comedec/actor";
import { adapters } from "@comedec/persistence/testing";
import { CertificateAuthority } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import { Access, Sessions } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";

import { anyAuthenticated, client, fixture, type Route, routes, type Side } from "./Routes.js";

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
  const { call } = client(app);
  let sides: Record<"own" | "other", Side>;
  let cardSerial = "";

  beforeAll(async () => {
    const made = await fixture(runtime, app);
    sides = made.sides;
    const serial = await cardCertificate();
    cardSerial = serial;
    for (const actor of actors(sides.own.agent)) {
      tokens.set(`${actor.id}/bootstrap`, await made.issue(actor, "bootstrap"));
      tokens.set(`${actor.id}/machine`, await made.issue(actor, "machine"));
      tokens.set(`${actor.id}/card`, await cardSession(actor, serial));
    }
  }, 120_000);
  afterAll(() => runtime.dispose());

  /** A certificate the platform's CA issued for a key of a (virtual) card, registered as the login's would be. */
  const cardCertificate = () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return runtime.runPromise(
      CertificateAuthority.use((authority) =>
        authority.issueForCard({
          subject: {
            holder: randomUUID(),
            givenName: "Claire",
            surname: "Matrice",
            site: { _tag: "commune", commune: "69123" as InseeCode.InseeCode },
            card: randomUUID(),
          },
          usage: "authentication",
          algorithm: "P-256",
          publicKey: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
          signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, privateKey))),
        }),
      ).pipe(
        Effect.map((issued) => issued.ref.serial),
        Effect.orDie,
      ),
    );
  };

  /** A card session of the actor, as a login with that certificate opens it. */
  const cardSession = (actor: Actor.Actor, serial: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const sessions = yield* Sessions.CardSessions;
        const challenge = yield* sessions.challenge;
        const opened = yield* sessions.open(challenge.id, Actor.Actor.make({ ...actor, credential: "card" }), serial);
        if (opened === undefined) return yield* Effect.die(new Error("the session did not open"));
        return opened.token;
      }),
    );

  it("names every authenticated endpoint of the app", () => {
    const declared = new Set(routes.map((entry) => `${entry.method} ${entry.path}`));
    const endpoints = Contract.endpoints
      .filter((endpoint) => endpoint.authorization._tag !== "public")
      .map((endpoint) => `${endpoint.method.toUpperCase()} ${endpoint.path}`);
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
        (["card", "bootstrap", "machine"] as const).flatMap((purpose) =>
          (["own", "other"] as const).map((sideName) => {
            const credential = purpose === "machine" ? "machine-token" : purpose === "card" ? "card" : "bootstrap-token";
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
      // Deactivating the agent record ends its holder's sessions at once (issue 23): the agent's
      // card session is opened again for each route, the matrix being about the policy.
      const agent = actors(sides.own.agent).find((actor) => actor.role === "agent") as Actor.Actor;
      tokens.set(`${agent.id}/card`, await cardSession(agent, cardSerial));
      const ofRoute = cases.filter((candidate) => candidate.entry === entry).sort((a, b) => Number(a.granted) - Number(b.granted));
      for (const { actor, purpose, sideName, granted } of ofRoute) {
        const { path, body } = entry.request(sides[sideName]);
        const response = await call(tokens.get(`${actor.id}/${purpose}`) as string, entry.method, path, body);
        const label = `${entry.method} ${path} as ${actor.role} (${purpose}) on the ${sideName} site → ${response.status} ${response.body.code ?? ""}`;
        if (response.status === 401) failures.push(`${label}: not authenticated`);
        else if (response.status >= 500) failures.push(`${label}: a server error`);
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
