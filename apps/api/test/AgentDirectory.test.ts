/**
 * One contract suite for the `AgentDirectory` port, run against the local directory (use cases on
 * the database) and against the typed HTTP client (through the real Hono app on a real socket),
 * each on PGlite and, when DATABASE_URL is set, on PostgreSQL.
 */
import { Actor, type Change, type Site } from "@comedec/actor";
import { type AgentDirectoryShape, Local } from "@comedec/agaec";
import { AgaecClient } from "@comedec/agaec-client";
import type { Agent, Identity } from "@comedec/agent";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Audit, Tokens } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Effect, type Layer, ManagedRuntime } from "effect";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import type { Persistence } from "@comedec/persistence";

const commune = (code: string, name: string, departement: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name, departement: departement as never, region: "84", population: 1000 });
const reference = [
  commune("69123", "Lyon", "69"),
  commune("69266", "Villeurbanne", "69"),
  commune("75056", "Paris", "75"),
  commune("13055", "Marseille", "13"),
];

const actors = {
  ants: Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } }),
  lyon: Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: { _tag: "commune", commune: "69123" } }),
  paris: Actor.Actor.make({ id: "rc-paris", name: "RC Paris", role: "commune-operator", site: { _tag: "commune", commune: "75056" } }),
  prefecture: Actor.Actor.make({
    id: "pref-69",
    name: "Préfecture du Rhône",
    role: "prefecture-operator",
    site: { _tag: "prefecture", departement: "69" as never },
  }),
};
type Who = keyof typeof actors;

const lyon: Agent.AgentSite = { _tag: "commune", commune: "69123" as InseeCode.InseeCode };
const villeurbanne: Agent.AgentSite = { _tag: "commune", commune: "69266" as InseeCode.InseeCode };
const today = new Date().toISOString().slice(0, 10);

const person = (birthName: string, givenNames: ReadonlyArray<string>, birthDate = "1979-04-12"): Agent.Registration => {
  const identity: Identity.Identity = {
    birthName,
    givenNames,
    sex: "F",
    birthDate,
    placeOfBirth: { _tag: "commune", commune: "13055" as InseeCode.InseeCode },
  };
  return {
    identity,
    document: {
      type: "passeport",
      number: "18AB12345",
      issuingAuthority: "Préfecture des Bouches-du-Rhône",
      expiresOn: "2034-06-30",
      holder: { birthName: birthName.toUpperCase(), givenNames, birthDate },
      check: { by: "rc-lyon", on: today, faceToFace: true },
    },
    contact: { email: "agent@mairie-lyon.fr" },
    site: lyon,
    profile: { _tag: "agent" },
    rights: ["receive-requests"],
  };
};

interface Harness {
  readonly directory: (who: Who | Actor.Actor) => Promise<AgentDirectoryShape>;
  readonly runtime: ManagedRuntime.ManagedRuntime<App.Services | Audit.AuditTrail, never>;
  readonly close: () => Promise<void>;
}

const start = async (layer: () => Layer.Layer<Persistence.Ports>, over: "local" | "http"): Promise<Harness> => {
  const runtime = ManagedRuntime.make(Services.on(layer()));
  await runtime.runPromise(
    Effect.flatMap(Access.authorize(actors.ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
  );
  const actorOf = (who: Who | Actor.Actor) => (typeof who === "string" ? actors[who] : who);
  if (over === "local") {
    return { runtime, directory: (who) => runtime.runPromise(Local.make(actorOf(who))), close: () => runtime.dispose() };
  }
  const server = serve({ fetch: App.make(runtime).fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = new Map<string, string>();
  const directory = async (who: Who | Actor.Actor) => {
    const actor = actorOf(who);
    if (!tokens.has(actor.id)) {
      const { token } = await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, actors.ants, "bootstrap")));
      tokens.set(actor.id, token);
    }
    return AgaecClient.make({ baseUrl, token: tokens.get(actor.id) as string });
  };
  return { runtime, directory, close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => runtime.dispose()) };
};

const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromise(effect);
const refusal = (effect: Effect.Effect<unknown, { readonly _tag: string }>) => Effect.runPromise(Effect.flip(effect));

for (const adapter of adapters) {
  for (const over of ["local", "http"] as const) {
    describe(`AgentDirectory (${over}) on ${adapter.name}`, () => {
      let harness: Harness;
      beforeAll(async () => {
        harness = await start(adapter.layer as never, over);
      }, 120_000);
      afterAll(() => harness.close());

      const eventCount = () => harness.runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify)).then((report) => report.events);
      const at = async (who: Who | Actor.Actor) => harness.directory(who);

      it("registers an agent, reads it back, finds it by name with accents folded", async () => {
        const directory = await at("lyon");
        const saved = await run(directory.register(person("Lefèvre", ["Anaïs", "Claire"])));
        expect(saved.version).toBe(1);
        expect(saved.state).toMatchObject({ status: "active", site: lyon, identity: { birthName: "Lefèvre" } });
        expect((await run(directory.find(saved.state.id))).state.id).toBe(saved.state.id);
        const found = await run(directory.search({ name: "LEFEVRE ana", limit: 10 }));
        expect(found.items.map((item) => item.state.id)).toEqual([saved.state.id]);
        expect((await run(directory.search({ name: "claire", site: lyon, limit: 10 }))).items).toHaveLength(1);
      });

      it("refuses bad input with a stable error and writes nothing", async () => {
        const directory = await at("lyon");
        const before = await eventCount();
        const base = person("Moreau", ["Inès"]);
        expect(await refusal(directory.register({ ...base, identity: { ...base.identity, givenNames: ["Agnès"] } }))).toMatchObject({
          _tag: "IdentityMismatch",
        });
        expect(await refusal(directory.register({ ...base, document: { ...base.document, expiresOn: "2020-01-01" } }))).toMatchObject({
          _tag: "DocumentNotAcceptable",
        });
        expect(
          await refusal(
            directory.register({ ...base, identity: { ...base.identity, placeOfBirth: { _tag: "commune", commune: "01001" as InseeCode.InseeCode } } }),
          ),
        ).toMatchObject({ _tag: "UnknownPlaceOfBirth", commune: "01001" });
        expect(await refusal(directory.register({ ...base, rights: ["sign-responses"] }))).toMatchObject({ _tag: "ProfileNotAllowed" });
        await run(directory.register(base));
        const afterFirst = await eventCount();
        expect(afterFirst).toBe(before + 1);
        expect(await refusal(directory.register({ ...base, contact: { email: "autre@mairie-lyon.fr" } }))).toMatchObject({ _tag: "DuplicatePerson" });
        expect(await eventCount()).toBe(afterFirst);
        expect((await run(directory.search({ name: "moreau", limit: 10 }))).items).toHaveLength(1);
      });

      it("keeps each commune's agents to its own registration authority", async () => {
        const saved = await run((await at("lyon")).register(person("Garnier", ["Lucie"])));
        const paris = await at("paris");
        expect(await refusal(paris.find(saved.state.id))).toMatchObject({ _tag: "Forbidden" });
        expect(await refusal(paris.changeContact(saved.state.id, { email: "pirate@paris.fr" }))).toMatchObject({ _tag: "Forbidden" });
        expect(await refusal(paris.register({ ...person("Roux", ["Léa"]), site: lyon }))).toMatchObject({ _tag: "Forbidden" });
        expect(await refusal(paris.search({ site: lyon, limit: 10 }))).toMatchObject({ _tag: "Forbidden" });
        expect((await run(paris.search({ name: "garnier", limit: 10 }))).items).toHaveLength(0);
        expect((await run((await at("ants")).search({ name: "garnier", limit: 10 }))).items).toHaveLength(1);
        expect((await run((await at("prefecture")).find(saved.state.id))).state.id).toBe(saved.state.id);
      });

      it("changes contact, profile and rights, and refuses that anyone change their own rights", async () => {
        const directory = await at("lyon");
        const saved = await run(directory.register(person("Faure", ["Hélène"])));
        const self = Actor.Actor.make({ id: saved.state.id, name: "Hélène Faure", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
        const ownDirectory = await at(self); // over HTTP, issuing the agent's token is itself an event
        const registered = await eventCount();
        const contact = await run(directory.changeContact(saved.state.id, { email: "h.faure@mairie-lyon.fr", phone: "+33 4 72 10 30 30" }, 1));
        expect(contact).toMatchObject({ version: 2, state: { contact: { email: "h.faure@mairie-lyon.fr" } } });
        const officer = await run(
          directory.modify(saved.state.id, {
            profile: {
              _tag: "officer",
              basis: { _tag: "delegation", arrete: "ARR-2026-118", from: "2026-01-01", until: "2032-03-01", mayorTermEndsOn: "2032-03-31" },
            },
            rights: ["receive-requests", "sign-responses"],
          }),
        );
        expect(officer.state.rights).toEqual(["receive-requests", "sign-responses"]);
        expect(await eventCount()).toBe(registered + 2);
        expect(await refusal(ownDirectory.modify(saved.state.id, { rights: ["receive-requests", "sign-responses", "register-agents"] }))).toMatchObject({
          _tag: "RuleBroken",
          rule: "roles.no-self-grant",
        });
        expect(await refusal(directory.modify(saved.state.id, { identity: { ...person("Faure", ["Hélène"]).identity, usedName: "Blanc" } }))).toMatchObject({
          _tag: "DocumentCheckRequired",
        });
        expect(await refusal(directory.changeContact(saved.state.id, { email: "stale@mairie-lyon.fr" }, 1))).toMatchObject({
          _tag: "ConcurrentModification",
        } satisfies Partial<Change.ConcurrentModification>);
        expect(await eventCount()).toBe(registered + 2);
      });

      it("deactivates, then deletes: personal data is erased and leaves no trace in the log", async () => {
        const directory = await at("lyon");
        const saved = await run(directory.register(person("Vasseur", ["Ophélie"])));
        const before = await eventCount();
        const deactivated = await run(directory.deactivate(saved.state.id, "mutation dans une autre commune"));
        expect(deactivated.state).toMatchObject({ status: "deactivated", deactivationReason: "mutation dans une autre commune" });
        expect(await refusal(directory.modify(saved.state.id, { rights: [] }))).toMatchObject({ _tag: "AgentIllegalTransition" });
        const deleted = await run(directory.remove(saved.state.id, "fin de fonctions"));
        expect(deleted.state).toEqual({ id: saved.state.id, site: lyon, status: "deleted", rights: [], deletedOn: today });
        expect((await run(directory.search({ name: "vasseur", limit: 10 }))).items).toHaveLength(0);
        expect(await eventCount()).toBe(before + 2);
        const leaks = await harness.runtime.runPromise(
          RawSql.use((sql) =>
            Effect.promise(() =>
              sql.query(
                "SELECT count(*)::int AS n FROM event_log WHERE payload::text ILIKE '%vasseur%' OR payload::text ILIKE '%18AB12345%' OR payload::text ILIKE '%@mairie-lyon%'",
              ),
            ),
          ),
        );
        expect(leaks[0]).toEqual({ n: 0 });
        const report = await harness.runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify));
        expect(report.valid).toBe(true);
      });

      it("reactivates a deactivated agent, refuses an active one, and keeps the document checked anew out of the log", async () => {
        const directory = await at("lyon");
        const saved = await run(directory.register(person("Chauvin", ["Maëlys"])));
        expect(await refusal(directory.reactivate(saved.state.id, { reason: "retour" }))).toMatchObject({ _tag: "AgentIllegalTransition" });
        const deactivated = await run(directory.deactivate(saved.state.id, "congé parental"));
        expect(deactivated.state).toMatchObject({ status: "deactivated", deactivatedOn: today });
        const document = { ...(saved.state.document as NonNullable<typeof saved.state.document>), number: "77CC99887" };
        const notFaceToFace = { ...document, check: { ...document.check, faceToFace: false } };
        expect(await refusal(directory.reactivate(saved.state.id, { reason: "retour", document: notFaceToFace }))).toMatchObject({
          _tag: "DocumentNotAcceptable",
        });
        const reactivated = await run(directory.reactivate(saved.state.id, { reason: "retour de congé", document }, deactivated.version));
        expect(reactivated.state).toMatchObject({ status: "active", document: { number: "77CC99887" }, registeredBy: "rc-lyon" });
        expect(reactivated.state.deactivatedOn).toBeUndefined();
        expect(reactivated.version).toBe(deactivated.version + 1);
        const leaks = await harness.runtime.runPromise(
          RawSql.use((sql) => Effect.promise(() => sql.query("SELECT count(*)::int AS n FROM event_log WHERE payload::text ILIKE '%77CC99887%'"))),
        );
        expect(leaks[0]).toEqual({ n: 0 });
      });

      it("lets the prefecture register a commune's first two agents only, and its own", async () => {
        const prefecture = await at("prefecture");
        const first = await run(prefecture.register({ ...person("Perrin", ["Manon"]), site: villeurbanne }));
        await run(prefecture.register({ ...person("Perrin", ["Chloé"]), site: villeurbanne }));
        expect(await refusal(prefecture.register({ ...person("Perrin", ["Zoé"]), site: villeurbanne }))).toMatchObject({ _tag: "Forbidden" });
        await run(prefecture.register({ ...person("Brunet", ["Sarah"]), site: { _tag: "prefecture", departement: "69" as Site.DepartementCode } }));
        expect(
          await refusal(prefecture.register({ ...person("Brunet", ["Sarah"]), site: { _tag: "commune", commune: "75056" as InseeCode.InseeCode } })),
        ).toMatchObject({
          _tag: "Forbidden",
        });
        expect(first.state.site).toEqual(villeurbanne);
      });

      it("pages through a search with a cursor, in name order", async () => {
        const directory = await at("lyon");
        for (const given of ["Alice", "Bérénice", "Camille", "Delphine", "Estelle"]) await run(directory.register(person("Dumas", [given])));
        const seen: Array<string> = [];
        let after: string | undefined;
        do {
          const page = await run(directory.search({ name: "dumas", limit: 2, ...(after === undefined ? {} : { after }) }));
          seen.push(...page.items.map((item) => item.state.identity?.givenNames[0] as string));
          after = page.next;
        } while (after !== undefined);
        expect(seen).toEqual(["Alice", "Bérénice", "Camille", "Delphine", "Estelle"]);
      });

      it("imports agents from CSV: every row or none, with a report per invalid row", async () => {
        const directory = await at("lyon");
        const header =
          "birth_name;given_names;sex;birth_date;birth_commune;document_type;document_number;document_authority;document_expires_on;checked_by;checked_on;face_to_face;email;profile;rights";
        const row = (name: string, given: string, expires = "2033-01-01") =>
          `${name};${given};M;1985-09-30;69123;carte-nationale-identite;ZX1234567;Préfecture du Rhône;${expires};rc-lyon;${today};oui;${given.toLowerCase()}@mairie-lyon.fr;agent;receive-requests`;
        const before = await eventCount();
        const rejected = await refusal(
          directory.importCsv(lyon, [header, row("Mercier", "Paul"), row("Mercier", "Louis", "2021-01-01"), row("Mercier", "Paul"), "Mercier;;X"].join("\n")),
        );
        expect(rejected).toMatchObject({ _tag: "ImportRejected" });
        expect((rejected as unknown as { rows: ReadonlyArray<{ row: number; code: string }> }).rows.map((entry) => [entry.row, entry.code])).toEqual([
          [2, "document-not-acceptable"],
          [3, "duplicate-person"],
          [4, "invalid-row"],
        ]);
        expect(await eventCount()).toBe(before);
        const report = await run(directory.importCsv(lyon, [header, row("Mercier", "Paul"), row("Mercier", "Louis"), row("Mercier", "Jules")].join("\n")));
        expect(report.written).toBe(3);
        expect(await eventCount()).toBe(before + 3);
        expect((await run(directory.search({ name: "mercier", limit: 10 }))).items).toHaveLength(3);
        expect(await refusal((await at("paris")).importCsv(lyon, [header, row("Mercier", "Marc")].join("\n")))).toMatchObject({ _tag: "Forbidden" });
      });
    });
  }
}
