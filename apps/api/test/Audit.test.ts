/**
 * The audit trail over HTTP: one site's entries exported with their chain links, other sites'
 * refused; and a row edited in SQL behind the platform's back is found by the verification.
 */
import { Actor } from "@comedec/actor";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Audit, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const auditor = Actor.Actor.make({ id: "auditeur-ants", name: "Auditeur ANTS", role: "auditor", site: { _tag: "national" } });
const lyon = Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const paris = Actor.Actor.make({ id: "rc-paris", name: "RC Paris", role: "commune-operator", site: { _tag: "commune", commune: "75056" } });

for (const adapter of adapters) {
  describe(`the audit trail over HTTP on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime);
    const tokens: Record<string, string> = {};
    const get = async (who: string, path: string) => {
      const response = await app.request(path, { headers: { authorization: `Bearer ${tokens[who]}` } });
      return { status: response.status, body: (await response.json()) as any };
    };

    beforeAll(async () => {
      const reference = [
        Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
        Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 1 }),
      ];
      await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
      for (const [name, actor] of Object.entries({ ants, auditor, lyon, paris })) {
        tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
      }
      const response = await app.request("/communes/69123/onboarding/milestones", {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.lyon}`, "content-type": "application/json" },
        body: JSON.stringify({ evidence: { milestone: "adhesion", reference: "formulaire" } }),
      });
      expect(response.status).toBe(201);
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("exports a site's entries with links an auditor can recompute, and keeps other sites' to themselves", async () => {
      const exported = await get("lyon", "/audit/trail?site=commune:69123");
      expect(exported.status).toBe(200);
      const entries = exported.body.items as ReadonlyArray<{ type: string; actorId: string; hash: string; previousHash: string; position: number }>;
      expect(entries.map((entry) => entry.type)).toContain("MilestoneRecorded");
      expect(entries.every((entry) => entry.actorId === "rc-lyon")).toBe(true);
      expect(entries[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect((await get("paris", "/audit/trail?site=commune:69123")).status).toBe(403);
      expect((await get("lyon", "/audit/trail?site=national")).status).toBe(403);
      expect((await get("lyon", "/audit/verification")).status).toBe(403);
      expect((await get("auditor", "/audit/trail?site=commune:69123")).body.items).toHaveLength(entries.length);
      // Role separation: ANTS's administrators administer, its auditor audits.
      expect((await get("ants", "/audit/trail?site=commune:69123")).status).toBe(403);
    });

    it("signs checkpoints, and finds a forged signature and a tail cut off behind one", async () => {
      const sql = (statements: ReadonlyArray<readonly [string, ReadonlyArray<unknown>?]>) =>
        runtime.runPromise(
          RawSql.use((raw) =>
            Effect.promise(() =>
              raw.transaction(async (query) => {
                for (const [text, values] of statements) await query(text, values as Array<unknown>);
              }),
            ),
          ),
        );
      await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(paris, 1, ants, "machine")));
      // The auditor changes nothing, not even by signing a checkpoint: ANTS's administrators do.
      expect((await app.request("/audit/checkpoints", { method: "POST", headers: { authorization: `Bearer ${tokens.auditor}` } })).status).toBe(403);
      const post = await app.request("/audit/checkpoints", { method: "POST", headers: { authorization: `Bearer ${tokens.ants}` } });
      const { checkpoint } = (await post.json()) as { checkpoint: Audit.Checkpoint };
      expect(post.status).toBe(201);
      expect((await app.request("/audit/checkpoints", { method: "POST", headers: { authorization: `Bearer ${tokens.lyon}` } })).status).toBe(403);
      // Nothing happened since: nothing to sign.
      const again = await app.request("/audit/checkpoints", { method: "POST", headers: { authorization: `Bearer ${tokens.ants}` } });
      expect(await again.json()).toEqual({ checkpoint: null });
      expect((await get("auditor", "/audit/verification")).body).toMatchObject({ valid: true, checkpoints: 1 });

      // An auditor checks the signature offline with the published key.
      const published = (await get("auditor", "/audit/checkpoints")).body as { publicKey: string; items: ReadonlyArray<Audit.Checkpoint> };
      expect(published.items).toEqual([checkpoint]);
      expect(verify("sha256", Audit.checkpointText(checkpoint), published.publicKey, Buffer.from(checkpoint.signature, "base64"))).toBe(true);

      // A checkpoint whose signature was altered is found…
      const flipped = Buffer.from(checkpoint.signature, "base64");
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
      const setSignature = (signature: Buffer) =>
        [
          ["ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"],
          ["UPDATE audit_checkpoint SET signature = $1 WHERE position = $2", [signature, checkpoint.position]],
          ["ALTER TABLE audit_checkpoint ENABLE TRIGGER USER"],
        ] as const;
      await sql(setSignature(flipped));
      expect((await get("auditor", "/audit/verification")).body).toMatchObject({
        valid: false,
        firstBreak: { position: checkpoint.position, reason: "checkpoint signature does not verify" },
      });
      await sql(setSignature(Buffer.from(checkpoint.signature, "base64")));

      // …and so is the last event erased with the head moved back onto a consistent chain, which
      // the links alone could not tell: the signed checkpoint lies beyond the new end.
      await sql([
        ["CREATE TABLE cut_tail AS SELECT * FROM event_log WHERE position = $1", [checkpoint.position]],
        ["ALTER TABLE event_log DISABLE TRIGGER USER"],
        ["DELETE FROM event_log WHERE position = $1", [checkpoint.position]],
        ["UPDATE event_log_head SET position = position - 1, hash = (SELECT hash FROM event_log WHERE position = $1)", [checkpoint.position - 1]],
        ["ALTER TABLE event_log ENABLE TRIGGER USER"],
      ]);
      expect((await get("auditor", "/audit/verification")).body).toMatchObject({
        valid: false,
        firstBreak: { reason: "a signed checkpoint lies beyond the log" },
      });
      // Put the tail back for the next test.
      await sql([
        ["ALTER TABLE event_log DISABLE TRIGGER USER"],
        ["INSERT INTO event_log SELECT * FROM cut_tail"],
        ["UPDATE event_log_head SET position = $1, hash = (SELECT hash FROM event_log WHERE position = $1)", [checkpoint.position]],
        ["ALTER TABLE event_log ENABLE TRIGGER USER"],
        ["DROP TABLE cut_tail"],
      ]);
      expect((await get("auditor", "/audit/verification")).body).toMatchObject({ valid: true, checkpoints: 1 });
    });

    it("refuses an edit of the log in SQL, and finds one made with its guard switched off", async () => {
      await expect(
        runtime.runPromise(RawSql.use((sql) => Effect.promise(() => sql.query("UPDATE event_log SET event_type = 'Forged' WHERE position = 1")))),
      ).rejects.toThrow(/append-only/);
      expect((await get("auditor", "/audit/verification")).body).toMatchObject({ valid: true });
      const [target] = (await get("auditor", "/audit/trail?site=commune:69123")).body.items as ReadonlyArray<{ position: number }>;
      // The table refuses updates: the forger, owner of the database, switches its triggers off first.
      await runtime.runPromise(
        RawSql.use((sql) =>
          Effect.promise(() =>
            sql.transaction(async (query) => {
              await query("ALTER TABLE event_log DISABLE TRIGGER USER");
              await query(`UPDATE event_log SET payload = jsonb_set(payload, '{forged}', 'true') WHERE position = $1`, [target?.position]);
              await query("ALTER TABLE event_log ENABLE TRIGGER USER");
            }),
          ),
        ),
      );
      const report = (await get("auditor", "/audit/verification")).body;
      expect(report).toMatchObject({ valid: false, firstBreak: { position: target?.position, reason: "content does not match its hash" } });
    });
  });
}
