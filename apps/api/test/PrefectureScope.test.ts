/**
 * What a prefecture operator and an auditor reach, through the real app: the hand-over
 * appointments of the prefecture's own département only (another département's refused, ANTS any);
 * the commune listing narrowed to its département whatever the query names; the trail of its own
 * site only; and the RGS deadlines report, read by the auditor with where each deadline stands
 * (revocations waiting, the CRL's age) — the auditor changing nothing. On PGlite, and on PostgreSQL
 * with DATABASE_URL.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Audit, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, triggerConnection } from "./Routes.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants-scope", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const prefecture = Actor.Actor.make({
  id: "pref-69-scope",
  name: "Préfecture du Rhône",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});
const auditor = Actor.Actor.make({ id: "auditor-scope", name: "Auditeur", role: "auditor", site: { _tag: "national" } });

const commune = (code: string, name: string, departement: string) =>
  Commune.Commune.make({ code: code as InseeCode.InseeCode, name, departement: departement as never, region: "84", population: 1 });

describe.each(adapters)("a prefecture's and an auditor's scope over HTTP on $name", (adapter) => {
  const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
  const app = App.make(runtime, Services.suiteRateLimits);
  const { call, ok } = client(app);
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    await runtime.runPromise(
      Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) =>
        Directory.importReference(grant, [
          commune("69123", "Lyon", "69"),
          commune("69266", "Villeurbanne", "69"),
          commune("69029", "Bron", "69"),
          commune("13055", "Marseille", "13"),
          commune("13001", "Aix-en-Provence", "13"),
        ]),
      ),
    );
    for (const [name, actor] of Object.entries({ ants, prefecture, auditor })) {
      tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
    }
    // Appointments in both départements: Bron and Villeurbanne in the Rhône, Marseille in the Bouches-du-Rhône.
    for (const code of ["69029", "69266", "13055"]) await triggerConnection(ok, tokens.ants as string, code);
    const appoint = (code: string, appointmentOn: string, venue: string) =>
      ok(tokens.ants as string, "POST", `/communes/${code}/onboarding/milestones`, {
        evidence: { milestone: "handOverAppointment", reference: `rdv ${code}`, appointmentOn, venue },
      });
    await appoint("69266", "2026-12-10", "Préfecture du Rhône");
    await appoint("69029", "2026-12-08", "Mairie de Bron");
    await appoint("13055", "2026-12-09", "Préfecture des Bouches-du-Rhône");
  }, 120_000);
  afterAll(() => runtime.dispose());

  it("lists the appointments of the prefecture's own département, by date, and refuses another's", async () => {
    const own = await ok(tokens.prefecture as string, "GET", "/planning/appointments?departement=69");
    expect(own.items).toEqual([
      { commune: "69029", name: "Bron", appointmentOn: "2026-12-08", venue: "Mairie de Bron", reference: "rdv 69029", handedOver: false },
      { commune: "69266", name: "Villeurbanne", appointmentOn: "2026-12-10", venue: "Préfecture du Rhône", reference: "rdv 69266", handedOver: false },
    ]);
    const other = await call(tokens.prefecture as string, "GET", "/planning/appointments?departement=13");
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 403, code: "forbidden" });
    // ANTS reads any département's; the auditor plans nothing and reads none.
    expect((await ok(tokens.ants as string, "GET", "/planning/appointments?departement=13")).items.map((item: { commune: string }) => item.commune)).toEqual([
      "13055",
    ]);
    expect((await call(tokens.auditor as string, "GET", "/planning/appointments?departement=69")).status).toBe(403);
    expect((await call(tokens.prefecture as string, "GET", "/planning/appointments?departement=6")).body.code).toBe("invalid-request");
  });

  it("narrows the commune listing to the prefecture's département, whatever the query names", async () => {
    const asked = await ok(tokens.prefecture as string, "GET", "/communes?departement=13&limit=50");
    expect(asked.items.map((item: { code: string }) => item.code).sort()).toEqual(["69029", "69123", "69266"]);
    const searched = await ok(tokens.prefecture as string, "GET", "/communes?name=marseille");
    expect(searched.items).toEqual([]);
    expect((await call(tokens.prefecture as string, "GET", "/communes/13055")).status).toBe(403);
    expect((await call(tokens.prefecture as string, "GET", "/communes/13055/onboarding")).status).toBe(403);
  });

  it("exports the trail of the prefecture's own site only", async () => {
    expect((await call(tokens.prefecture as string, "GET", "/audit/trail?site=prefecture:69")).status).toBe(200);
    for (const site of ["prefecture:13", "commune:13055", "national"]) {
      const refused = await call(tokens.prefecture as string, "GET", `/audit/trail?site=${site}`);
      expect({ site, status: refused.status }).toEqual({ site, status: 403 });
    }
    // Nor does it verify the whole chain or read the deadlines: the auditor's and ANTS's.
    expect((await call(tokens.prefecture as string, "GET", "/audit/verification")).status).toBe(403);
    expect((await call(tokens.prefecture as string, "GET", "/monitoring/deadlines")).status).toBe(403);
  });

  it("gives the auditor the deadlines with where each stands, the trail of any site (what its actors recorded), and no change", async () => {
    const report = await ok(tokens.auditor as string, "GET", "/monitoring/deadlines");
    expect(report).toMatchObject({ revocationsWaiting: 0, breaches: expect.any(Array) });
    // No CRL was published on this platform: none to age, and the breach says so.
    expect(report.crl).toBeNull();
    expect(report.breaches).toContainEqual(expect.objectContaining({ rule: "crl.24-hours", detail: "no CRL was ever published" }));
    const verified = await ok(tokens.auditor as string, "GET", "/audit/verification");
    expect(verified).toMatchObject({ valid: true });
    expect(verified.events).toBeGreaterThan(0);
    expect((await ok(tokens.auditor as string, "GET", "/audit/trail?site=national")).items.length).toBeGreaterThan(0);
    expect((await ok(tokens.auditor as string, "GET", "/audit/trail?site=commune:13055")).items).toEqual([]);
    // With its proofs: nothing proven before a checkpoint is published, then each entry of the site against it.
    expect(await ok(tokens.auditor as string, "GET", "/audit/trail/proven?site=national")).toMatchObject({ checkpoint: null, entries: [] });
    await runtime.runPromise(Audit.checkpoint);
    const proven = await ok(tokens.auditor as string, "GET", "/audit/trail/proven?site=national");
    expect(proven.publicKey).toContain("BEGIN PUBLIC KEY");
    expect(proven.entries.length).toBeGreaterThan(0);
    expect(proven.entries[0]).toMatchObject({ site: "national", leafInput: expect.any(String), proof: { treeSize: proven.checkpoint.position } });
    expect((await call(tokens.prefecture as string, "GET", "/audit/trail/proven?site=prefecture:13")).status).toBe(403);
    expect((await ok(tokens.prefecture as string, "GET", "/audit/trail/proven?site=prefecture:69")).checkpoint.position).toBe(proven.checkpoint.position);
    // The auditor records no milestone, registers no agent, orders no card, purges nothing.
    const refusals = [
      await call(tokens.auditor as string, "POST", "/communes/69123/onboarding/milestones", { evidence: { milestone: "adhesion", reference: "x" } }),
      await call(tokens.auditor as string, "POST", "/cards", { holder: "someone", reason: "commande" }),
      await call(tokens.auditor as string, "POST", "/retention/purge", {}),
    ];
    expect(refusals.map((refused) => refused.status)).toEqual([403, 403, 403]);
  });
});
