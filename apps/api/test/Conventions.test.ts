/**
 * ANTS's queue of conventions over HTTP, through the real app on every persistence adapter: the
 * conventions of several communes listed oldest submission first, paged by the cursor with none
 * lost or repeated, filtered by status (`pending`: what ANTS must still act on), département and
 * commune, each with its commune's name and submission time; the same listing narrowed for a
 * prefecture to its département and for a mairie to itself, and refused to a role that reads no
 * convention.
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

const commune = (code: string, name: string, departement: string, region: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name, departement: departement as never, region, population: 1000 });
const reference = [commune("69123", "Lyon", "69", "84"), commune("69266", "Villeurbanne", "69", "84"), commune("75056", "Paris", "75", "11")];
const actor = (id: string, role: Actor.Role, site: Actor.Actor["site"]) => Actor.Actor.make({ id, name: id, role, site });
const today = new Date().toISOString().slice(0, 10);

interface Queued {
  readonly id: string;
  readonly status: string;
  readonly version: number;
  readonly communeName: string;
  readonly submittedAt: string;
  readonly terms: { readonly commune: string; readonly kind: string };
}

for (const adapter of adapters) {
  describe(`ANTS's queue of conventions on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime);
    const tokens: Record<string, string> = {};
    // The conventions in the order they were submitted: commune and kind.
    const submitted: Array<{ readonly id: string; readonly commune: string; readonly kind: string }> = [];

    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const page = async (who: string, query: string) => {
      const answered = await call(who, "GET", `/conventions${query}`);
      expect(answered.status).toBe(200);
      return answered.body as { readonly items: ReadonlyArray<Queued>; readonly nextCursor: string | null };
    };
    const codesOf = (items: ReadonlyArray<Queued>) => items.map((item) => `${item.terms.commune}/${item.terms.kind}`);

    beforeAll(async () => {
      const system = Actor.platform;
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(system, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)),
      );
      const issue = async (name: string, who: Actor.Actor) => {
        tokens[name] = (
          await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, system, who.role === "editor" ? "machine" : "bootstrap")))
        ).token;
      };
      await issue("ants", actor("ants", "national-administrator", { _tag: "national" }));
      await issue("auditor", actor("audit", "auditor", { _tag: "national" }));
      await issue("prefecture69", actor("pref-69", "prefecture-operator", { _tag: "prefecture", departement: "69" as never }));
      await issue("lyon", actor("rc-lyon", "commune-operator", { _tag: "commune", commune: "69123" }));
      await issue("villeurbanne", actor("rc-villeurbanne", "commune-operator", { _tag: "commune", commune: "69266" }));
      await issue("paris", actor("rc-paris", "commune-operator", { _tag: "commune", commune: "75056" }));
      await issue("editor", actor("dev-logiciel", "editor", { _tag: "editor", editor: "logiciel-etat-civil" }));
      // Submitted interleaved across communes, so the order of submission is not the order of the codes.
      for (const [who, code, kind] of [
        ["villeurbanne", "69266", "CARTES"],
        ["paris", "75056", "COMEDEC"],
        ["lyon", "69123", "CARTES"],
        ["villeurbanne", "69266", "COMEDEC"],
        ["lyon", "69123", "COMEDEC"],
      ] as const) {
        const answered = await call(who, "POST", `/communes/${code}/conventions`, {
          kind,
          signatory: { name: "Le maire", quality: "maire" },
          signedOn: today,
          responsableCarte: { name: "Alice Roux", email: `alice@mairie-${code}.fr` },
          delegue: { name: "Bruno Faure", email: `bruno@mairie-${code}.fr` },
        });
        expect(answered.status).toBe(201);
        submitted.push({ id: answered.body.id, commune: code, kind });
      }
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("lists every convention oldest submission first, with its commune's name and submission time", async () => {
      const all = await page("ants", "");
      expect(all.items.map((item) => item.id)).toEqual(submitted.map((entry) => entry.id));
      expect(all.nextCursor).toBeNull();
      expect(all.items[0]).toMatchObject({ communeName: "Villeurbanne", status: "incomplete", version: 1, terms: { commune: "69266", kind: "CARTES" } });
      expect(all.items.map((item) => item.communeName)).toEqual(["Villeurbanne", "Paris", "Lyon", "Villeurbanne", "Lyon"]);
      const times = all.items.map((item) => Date.parse(item.submittedAt));
      expect(times.every((time) => Number.isFinite(time) && Math.abs(time - Date.now()) < 600_000)).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it("pages by the cursor, none lost or repeated, the last page's cursor null", async () => {
      const seen: Array<string> = [];
      let cursor: string | null = "";
      let pages = 0;
      while (cursor !== null) {
        const answered = await page("ants", `?limit=2${cursor === "" ? "" : `&cursor=${cursor}`}`);
        expect(answered.items.length).toBeLessThanOrEqual(2);
        seen.push(...answered.items.map((item) => item.id));
        cursor = answered.nextCursor;
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(submitted.map((entry) => entry.id));
      // Exactly a page's worth left: no empty page after it.
      const lastTwo = await page("ants", `?limit=2&cursor=${(await page("ants", "?limit=3")).nextCursor}`);
      expect(lastTwo.items.map((item) => item.id)).toEqual(submitted.slice(3).map((entry) => entry.id));
      expect(lastTwo.nextCursor).toBeNull();
    });

    it("filters by status as ANTS processes them: pending, received, validated, rejected", async () => {
      const [first, second, third] = submitted as unknown as [{ id: string }, { id: string }, { id: string }];
      // One copy by post leaves it incomplete (still pending); two copies make it received.
      expect((await call("ants", "POST", `/conventions/${first.id}/receipt`, { receipt: { channel: "post", copies: 1, receivedOn: today } })).body.status).toBe(
        "incomplete",
      );
      expect((await call("ants", "POST", `/conventions/${first.id}/receipt`, { receipt: { channel: "post", copies: 2, receivedOn: today } })).body.status).toBe(
        "received",
      );
      expect((await call("ants", "POST", `/conventions/${second.id}/receipt`, { receipt: { channel: "email", copies: 1, receivedOn: today } })).status).toBe(
        200,
      );
      expect((await call("ants", "POST", `/conventions/${second.id}/validation`, {})).body.status).toBe("validated");
      expect((await call("ants", "POST", `/conventions/${third.id}/rejection`, { reasons: ["signature illisible"] })).body.status).toBe("rejected");

      expect((await page("ants", "?status=received")).items.map((item) => item.id)).toEqual([first.id]);
      expect((await page("ants", "?status=validated")).items.map((item) => item.id)).toEqual([second.id]);
      const rejected = (await page("ants", "?status=rejected")).items;
      expect(rejected.map((item) => item.id)).toEqual([third.id]);
      expect(rejected[0]).toMatchObject({ reasons: ["signature illisible"], version: 2 });
      expect((await page("ants", "?status=incomplete")).items.map((item) => item.id)).toEqual(submitted.slice(3).map((entry) => entry.id));
      expect((await page("ants", "?status=pending")).items.map((item) => item.id)).toEqual([first.id, ...submitted.slice(3).map((entry) => entry.id)]);
    });

    it("filters by département and by commune", async () => {
      expect(codesOf((await page("ants", "?departement=75")).items)).toEqual(["75056/COMEDEC"]);
      expect(codesOf((await page("ants", "?departement=69&status=pending")).items)).toEqual(["69266/CARTES", "69266/COMEDEC", "69123/COMEDEC"]);
      expect(codesOf((await page("ants", "?commune=69123")).items)).toEqual(["69123/CARTES", "69123/COMEDEC"]);
      expect((await page("ants", "?departement=13")).items).toEqual([]);
    });

    it("narrows the queue to the actor's site: a prefecture its département, a mairie itself; the auditor as far as the matrix says", async () => {
      expect(codesOf((await page("prefecture69", "")).items)).toEqual(["69266/CARTES", "69123/CARTES", "69266/COMEDEC", "69123/COMEDEC"]);
      expect((await page("prefecture69", "?departement=75")).items).toEqual([]);
      expect((await page("prefecture69", "?commune=75056")).items).toEqual([]);
      expect(codesOf((await page("lyon", "")).items)).toEqual(["69123/CARTES", "69123/COMEDEC"]);
      expect(codesOf((await page("lyon", "?departement=69")).items)).toEqual(["69123/CARTES", "69123/COMEDEC"]);
      expect((await page("lyon", "?commune=69266")).items).toEqual([]);
      expect(codesOf((await page("paris", "")).items)).toEqual(["75056/COMEDEC"]);
      expect((await page("paris", "?status=pending")).items).toEqual([]);
      // The auditor reads the queue as far as the policy's matrix lets it, no further.
      const audited = await call("auditor", "GET", "/conventions");
      if (Access.matrix["convention.read"].auditor === "everywhere") expect(audited.body.items).toHaveLength(5);
      else expect({ status: audited.status, code: audited.body.code }).toEqual({ status: 403, code: "forbidden" });
    });

    it("refuses a role that reads no convention, and a malformed query", async () => {
      const editor = await call("editor", "GET", "/conventions");
      expect({ status: editor.status, code: editor.body.code }).toEqual({ status: 403, code: "forbidden" });
      for (const query of ["?cursor=abc", "?limit=0", "?limit=201", "?status=lost", "?commune=6912"]) {
        const refused = await call("ants", "GET", `/conventions${query}`);
        expect({ query, status: refused.status, code: refused.body.code }).toEqual({ query, status: 400, code: "invalid-request" });
      }
    });
  });
}
