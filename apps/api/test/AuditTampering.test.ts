/**
 * The audit trail against its database administrator: with superuser SQL (triggers switched off),
 * each tampering — an edited, deleted, reordered or inserted row, the checkpointed tail deleted
 * with its checkpoints and the head rewound, the whole chain rewritten and rehashed, a certificate
 * un-revoked — is found by the verification against the checkpoints published outside the
 * database, at the first position that does not match. A site's export verifies alone, with a
 * verifier written here from RFC 9162's definitions, and fails when one entry is changed.
 */
import { Actor } from "@comedec/actor";
import { CertificateRegistry } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Audit, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime, Stream } from "effect";
import { createHash, randomUUID, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants-tamper", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const lyon = Actor.Actor.make({ id: "rc-lyon-tamper", name: "RC Lyon", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const auditor = Actor.Actor.make({ id: "auditor-tamper", name: "Auditeur", role: "auditor", site: { _tag: "national" } });
const paris = Actor.Actor.make({ id: "rc-paris-tamper", name: "RC Paris", role: "commune-operator", site: { _tag: "commune", commune: "75056" } });

// ---- An RFC 9162 verifier, written from the RFC (§2.1.1, §2.1.3.2), not from the platform's code.
const sha256 = (...parts: ReadonlyArray<Uint8Array>) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const rfcLeafHash = (entry: Uint8Array) => sha256(Buffer.from([0x00]), entry);
const rfcNodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.from([0x01]), left, right);
/** RFC 9162 §2.1.3.2: verifying an inclusion proof. */
const rfcVerifyInclusion = (leafIndex: number, treeSize: number, leaf: Buffer, path: ReadonlyArray<Buffer>, root: Buffer): boolean => {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = rfcNodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = rfcNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
};
/** The checkpoint text as ADR 0001 documents it. */
const signedText = (checkpoint: Audit.Checkpoint) =>
  `COMEDEC audit checkpoint v2\n${checkpoint.position}\n${checkpoint.rootHash}\n${checkpoint.hash}\n${checkpoint.previous}\n${checkpoint.signedAt}`;
/** JSON with sorted keys, as the export's `leafInput` is said to be. */
const sortedJson = (value: unknown): string =>
  value === null || typeof value !== "object"
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? `[${value.map(sortedJson).join(",")}]`
      : `{${Object.keys(value)
          .sort()
          .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
          .map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`)
          .join(",")}}`;
/** A site's export checked alone: the checkpoint's signature, then each entry's bytes and inclusion proof. */
const verifyExport = (exported: { readonly checkpoint: Audit.Checkpoint; readonly publicKey: string; readonly entries: ReadonlyArray<any> }): boolean => {
  const { checkpoint, publicKey, entries } = exported;
  if (!verify("sha256", Buffer.from(signedText(checkpoint)), publicKey, Buffer.from(checkpoint.signature, "base64"))) return false;
  const root = Buffer.from(checkpoint.rootHash as string, "hex");
  return entries.every((entry) => {
    const content = {
      stream: entry.stream,
      streamVersion: entry.streamVersion,
      type: entry.type,
      payload: entry.payload,
      actorId: entry.actorId,
      actorRole: entry.actorRole,
      site: entry.site,
      recordedAt: entry.recordedAt,
    };
    // The leaf's bytes are the entry's own content: an entry changed changes its leaf.
    if (sortedJson(content) !== entry.leafInput) return false;
    return (
      entry.proof.leafIndex === entry.position - 1 &&
      entry.proof.treeSize === checkpoint.position &&
      rfcVerifyInclusion(
        entry.proof.leafIndex,
        entry.proof.treeSize,
        rfcLeafHash(Buffer.from(entry.leafInput)),
        entry.proof.auditPath.map((node: string) => Buffer.from(node, "hex")),
        root,
      )
    );
  });
};

// ---- The forger's tools: superuser SQL with the guards switched off.
type Runtime = ManagedRuntime.ManagedRuntime<any, never>;
const superuser = (runtime: Runtime, work: (query: (text: string, values?: Array<unknown>) => Promise<Array<any>>) => Promise<void>) =>
  runtime.runPromise(
    RawSql.use((raw) =>
      Effect.promise(() =>
        raw.transaction(async (query) => {
          await query("ALTER TABLE event_log DISABLE TRIGGER USER");
          await query("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER");
          await work(query as never);
          await query("ALTER TABLE event_log ENABLE TRIGGER USER");
          await query("ALTER TABLE audit_checkpoint ENABLE TRIGGER USER");
        }),
      ),
    ),
  );
const forgerDigest = (row: any) =>
  sha256(
    Buffer.from(
      sortedJson({
        stream: row.stream,
        streamVersion: row.stream_version,
        type: row.event_type,
        payload: row.payload,
        actorId: row.actor_id,
        actorRole: row.actor_role,
        site: row.site,
        recordedAt: new Date(row.recorded_at).toISOString(),
      }),
    ),
  );
/** Recomputes every link from `from` on, as append_events would, and moves the head: a consistent chain. */
const rehashFrom = async (query: (text: string, values?: Array<unknown>) => Promise<Array<any>>, from: number) => {
  const rows = await query("SELECT * FROM event_log WHERE position >= $1 ORDER BY position", [from - 1]);
  let previous: Buffer = rows[0].position === String(from - 1) || Number(rows[0].position) === from - 1 ? Buffer.from(rows[0].hash) : Buffer.alloc(32);
  for (const row of rows.slice(Number(rows[0].position) === from - 1 ? 1 : 0)) {
    const position = Buffer.alloc(8);
    position.writeBigInt64BE(BigInt(row.position));
    const hash = sha256(previous, position, forgerDigest(row));
    await query("UPDATE event_log SET previous_hash = $1, hash = $2 WHERE position = $3", [previous, hash, row.position]);
    previous = hash;
  }
  await query("UPDATE event_log_head SET position = (SELECT max(position) FROM event_log), hash = $1", [previous]);
};

for (const adapter of adapters) {
  describe(`the audit trail against its database administrator on ${adapter.name}`, () => {
    /** A platform with a trail of a few dozen entries of two sites, a certificate issued and revoked, two published checkpoints and a tail after them. */
    const platform = async () => {
      const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
      const app = App.make(runtime);
      const reference = [
        Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
        Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 1 }),
      ];
      await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
      const tokens: Record<string, string> = {};
      for (const [name, actor] of Object.entries({ lyon, paris })) {
        tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, ants, "bootstrap")))).token;
      }
      const milestone = async (who: "lyon" | "paris", code: string, reference: string) => {
        const response = await app.request(`/communes/${code}/onboarding/milestones`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
          body: JSON.stringify({ evidence: { milestone: "adhesion", reference } }),
        });
        expect(response.status).toBe(201);
      };
      for (let index = 0; index < 6; index++) await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(paris, 1, ants, "machine")));
      await milestone("lyon", "69123", "formulaire-1");
      await milestone("paris", "75056", "formulaire-2");
      const serial = `0a${randomUUID().replaceAll("-", "").slice(0, 30)}`;
      await runtime.runPromise(
        CertificateRegistry.use((registry) =>
          Effect.andThen(
            registry.record({
              serial,
              card: randomUUID(),
              holder: randomUUID(),
              usage: "authentication",
              notAfter: new Date(Date.now() + 86_400_000),
              der: new Uint8Array([1, 2]),
            }),
            registry.revoke([serial], "keyCompromise", new Date()),
          ),
        ),
      );
      const first = (await runtime.runPromise(Audit.checkpoint)) as Audit.Checkpoint;
      for (let index = 0; index < 5; index++) await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(lyon, 1, ants, "machine")));
      const second = (await runtime.runPromise(Audit.checkpoint)) as Audit.Checkpoint;
      for (let index = 0; index < 3; index++) await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(lyon, 1, ants, "machine")));
      expect(await runtime.runPromise(Audit.verifyTrail)).toMatchObject({ valid: true });
      const shipped = await runtime.runPromise(Audit.CheckpointPublication.use((publication) => publication.read));
      const revokedAt = Number(
        (
          await runtime.runPromise(
            RawSql.use((raw) =>
              Effect.promise(() => raw.query<{ position: string }>("SELECT position FROM event_log WHERE event_type = 'CertificateRevoked'")),
            ),
          )
        )[0]?.position,
      );
      return { runtime, app, first, second, shipped, serial, revokedAt };
    };
    /** What `audit verify` says: against the platform's publication, and against a copy shipped before the tampering. */
    const verdicts = async (made: Awaited<ReturnType<typeof platform>>) => [
      await made.runtime.runPromise(Audit.verifyTrail),
      await made.runtime.runPromise(Audit.verifyAgainst(made.shipped)),
    ];

    it("finds an edited, a deleted, a reordered and an inserted row at its position", async () => {
      const cases: ReadonlyArray<readonly [string, (query: (text: string, values?: Array<unknown>) => Promise<Array<any>>) => Promise<void>]> = [
        ["edited", (query) => query("UPDATE event_log SET payload = jsonb_set(payload, '{forged}', 'true') WHERE position = 5").then(() => undefined)],
        ["deleted", (query) => query("DELETE FROM event_log WHERE position = 5").then(() => undefined)],
        [
          "reordered",
          async (query) => {
            await query("UPDATE event_log SET position = -5 WHERE position = 5");
            await query("UPDATE event_log SET position = 5 WHERE position = 6");
            await query("UPDATE event_log SET position = 6 WHERE position = -5");
          },
        ],
        [
          "inserted",
          async (query) => {
            await query("UPDATE event_log SET position = position + 1000000 WHERE position >= 5");
            await query("UPDATE event_log SET position = position - 999999 WHERE position >= 1000000");
            await query(
              `INSERT INTO event_log SELECT 5, 'forged', 1, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash FROM event_log WHERE position = 6`,
            );
            await query("UPDATE event_log_head SET position = position + 1");
          },
        ],
      ];
      const made = await platform();
      try {
        for (const [name, tamper] of cases) {
          await superuser(made.runtime, async (query) => {
            await query("CREATE TEMP TABLE saved_log AS SELECT * FROM event_log");
            await query("CREATE TEMP TABLE saved_head AS SELECT * FROM event_log_head");
            await tamper(query);
          });
          for (const report of await verdicts(made)) expect({ name, ...report }).toMatchObject({ name, valid: false, firstBreak: { position: 5 } });
          // Put the log back for the next case.
          await superuser(made.runtime, async (query) => {
            await query("DELETE FROM event_log");
            await query("INSERT INTO event_log SELECT * FROM saved_log");
            await query("UPDATE event_log_head SET position = (SELECT position FROM saved_head), hash = (SELECT hash FROM saved_head)");
            await query("DROP TABLE saved_log");
            await query("DROP TABLE saved_head");
          });
          expect(await made.runtime.runPromise(Audit.verifyTrail)).toMatchObject({ valid: true });
        }
      } finally {
        await made.runtime.dispose();
      }
    }, 180_000);

    it("finds the checkpointed tail deleted with its checkpoints and the head rewound", async () => {
      const made = await platform();
      try {
        const keep = made.first.position + 2;
        await superuser(made.runtime, async (query) => {
          await query("DELETE FROM event_log WHERE position > $1", [keep]);
          await query("DELETE FROM audit_checkpoint WHERE position > $1", [made.first.position]);
          await query("UPDATE event_log_head SET position = $1, hash = (SELECT hash FROM event_log WHERE position = $1)", [keep]);
        });
        // The database alone holds together…
        expect(await made.runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify))).toMatchObject({ valid: true });
        // …the published checkpoints do not.
        for (const report of await verdicts(made))
          expect(report).toMatchObject({ valid: false, firstBreak: { position: keep + 1, reason: "a signed checkpoint lies beyond the log" } });
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("finds a chain rewritten and rehashed consistently, at the first row changed", async () => {
      const made = await platform();
      try {
        await superuser(made.runtime, async (query) => {
          await query("UPDATE event_log SET payload = jsonb_set(payload, '{forged}', 'true') WHERE position = 7");
          await rehashFrom(query, 7);
          await query("DELETE FROM audit_checkpoint");
        });
        expect(await made.runtime.runPromise(Audit.AuditTrail.use((trail) => trail.verify))).toMatchObject({ valid: true });
        for (const report of await verdicts(made))
          expect(report).toMatchObject({ valid: false, firstBreak: { position: 7, reason: "the row is not the one the published checkpoint signed" } });
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("finds a certificate un-revoked in the register, at its revocation in the trail", async () => {
      const made = await platform();
      try {
        await made.runtime.runPromise(
          RawSql.use((raw) =>
            Effect.promise(() => raw.query("UPDATE certificate SET revoked_at = NULL, revocation_reason = NULL WHERE serial = $1", [made.serial])),
          ),
        );
        for (const report of await verdicts(made))
          expect(report).toMatchObject({
            valid: false,
            firstBreak: { position: made.revokedAt, reason: `certificate ${made.serial} is revoked in the trail but not in the register` },
          });
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("finds a certificate taken off hold in the register without its release in the trail, and takes a recorded release as none", async () => {
      const made = await platform();
      try {
        const [held, released] = [`0b${randomUUID().replaceAll("-", "").slice(0, 30)}`, `0c${randomUUID().replaceAll("-", "").slice(0, 30)}`];
        await made.runtime.runPromise(
          CertificateRegistry.use((registry) =>
            Effect.gen(function* () {
              for (const serial of [held, released]) {
                yield* registry.record({
                  serial,
                  card: randomUUID(),
                  holder: randomUUID(),
                  usage: "signature",
                  notAfter: new Date(Date.now() + 86_400_000),
                  der: new Uint8Array([1, 2]),
                });
              }
              yield* registry.revoke([held, released], "certificateHold", new Date());
              yield* (registry.release as NonNullable<typeof registry.release>)([released], new Date());
            }),
          ),
        );
        for (const report of await verdicts(made)) expect(report).toMatchObject({ valid: true });
        const heldAt = Number(
          (
            await made.runtime.runPromise(
              RawSql.use((raw) =>
                Effect.promise(() =>
                  raw.query<{ position: string }>("SELECT position FROM event_log WHERE event_type = 'CertificateHeld' AND stream = $1", [
                    `certificate:${held}`,
                  ]),
                ),
              ),
            )
          )[0]?.position,
        );
        await made.runtime.runPromise(
          RawSql.use((raw) => Effect.promise(() => raw.query("UPDATE certificate SET revoked_at = NULL, revocation_reason = NULL WHERE serial = $1", [held]))),
        );
        for (const report of await verdicts(made))
          expect(report).toMatchObject({
            valid: false,
            firstBreak: { position: heldAt, reason: `certificate ${held} is on hold in the trail but not in the register` },
          });
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("deletes only through the purge: no session flag, no TRUNCATE; a published checkpoint removed or forged is found", async () => {
      const made = await platform();
      const raw = (text: string) =>
        made.runtime.runPromise(
          RawSql.use((sql) =>
            Effect.promise(() =>
              sql.transaction(async (query) => {
                await query("SELECT set_config('comedec.purge', 'retention', true)");
                await query(text);
              }),
            ),
          ),
        );
      try {
        await expect(raw("DELETE FROM event_log WHERE position = 1")).rejects.toThrow(/append-only/);
        await expect(raw("TRUNCATE event_log")).rejects.toThrow(/append-only/);
        await expect(raw("TRUNCATE audit_checkpoint")).rejects.toThrow(/append-only/);
        await expect(raw("DELETE FROM audit_checkpoint")).rejects.toThrow(/append-only/);
        const [first, second] = made.shipped;
        // A checkpoint left out of a shipped copy breaks the checkpoints' own chain.
        expect(await made.runtime.runPromise(Audit.verifyAgainst([second as Audit.PublishedCheckpoint]))).toMatchObject({
          valid: false,
          firstBreak: { position: made.second.position },
        });
        // A checkpoint re-signed with another key does not pass.
        const forged = { ...(first as Audit.PublishedCheckpoint), signature: (second as Audit.PublishedCheckpoint).signature };
        expect(await made.runtime.runPromise(Audit.verifyAgainst([forged, second as Audit.PublishedCheckpoint]))).toMatchObject({
          valid: false,
          firstBreak: { position: made.first.position },
        });
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("streams a site's export (the national site's, the largest here) over HTTP and as the CLI's lines, each inclusion proof verifying against the signed checkpoint's root", async () => {
      const made = await platform();
      try {
        const token = (await made.runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(auditor, 1, ants, "machine")))).token;
        // The token's issuance is itself an entry after the checkpoint: the export stops at the checkpoint.
        const response = await made.app.request("/audit/trail/proven?site=national", { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toContain("application/json");
        const streamed = (await response.json()) as { checkpoint: Audit.Checkpoint; publicKey: string; entries: Array<any> };
        expect(streamed.checkpoint).toEqual(made.second);
        const held = (await made.runtime.runPromise(Audit.exportProven("national"))) as Audit.ProvenExport;
        // The same entries as the export held whole, every one of the site's up to the checkpoint, each proven.
        expect(streamed.entries).toEqual(JSON.parse(JSON.stringify(held.entries)));
        expect(streamed.entries.length).toBeGreaterThan(3);
        expect(verifyExport(streamed)).toBe(true);
        // A proof that is off by one node, or given for another position, does not verify.
        const wrongNode = structuredClone(streamed);
        wrongNode.entries[1].proof.auditPath[0] = wrongNode.entries[1].proof.auditPath[0].replace(/^./, (digit: string) => (digit === "0" ? "1" : "0"));
        expect(verifyExport(wrongNode)).toBe(false);
        const wrongIndex = structuredClone(streamed);
        wrongIndex.entries[1].proof.auditPath = wrongIndex.entries[0].proof.auditPath;
        expect(verifyExport(wrongIndex)).toBe(false);
        // What `audit export --proofs` writes: the checkpoint, then one line an entry, read as they come.
        const lines: Array<string> = [];
        await made.runtime.runPromise(
          Effect.gen(function* () {
            const proven = yield* Audit.exportProvenStream("national");
            if (proven === undefined) return;
            lines.push(JSON.stringify({ checkpoint: proven.checkpoint }));
            yield* Stream.runForEach(proven.entries, (entry) => Effect.sync(() => lines.push(JSON.stringify(entry))));
          }),
        );
        const [head, ...entries] = lines.map((line) => JSON.parse(line));
        expect(verifyExport({ checkpoint: head.checkpoint, publicKey: streamed.publicKey, entries })).toBe(true);
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);

    it("gives a site an export it verifies alone with RFC 9162 inclusion proofs, which fails when one entry is changed", async () => {
      const made = await platform();
      try {
        const proven = (await made.runtime.runPromise(Audit.exportProven("commune:69123"))) as Audit.ProvenExport;
        const publicKey = (await (await made.app.request("/audit/published-checkpoints")).json()) as {
          publicKey: string;
          items: ReadonlyArray<Audit.Checkpoint>;
        };
        expect(publicKey.items.at(-1)).toEqual(proven.checkpoint);
        // Nothing but the site's own entries, all of them up to the checkpoint.
        expect(proven.entries.length).toBeGreaterThan(0);
        expect(proven.entries.every((entry) => entry.site === "commune:69123")).toBe(true);
        const exported = JSON.parse(JSON.stringify({ checkpoint: proven.checkpoint, publicKey: publicKey.publicKey, entries: proven.entries }));
        expect(verifyExport(exported)).toBe(true);
        const changed = structuredClone(exported);
        changed.entries[0].payload = { ...changed.entries[0].payload, forged: true };
        expect(verifyExport(changed)).toBe(false);
        const relabelled = structuredClone(exported);
        relabelled.entries[0].leafInput = relabelled.entries[0].leafInput.replace("69123", "69124");
        relabelled.entries[0].site = "commune:69124";
        expect(verifyExport(relabelled)).toBe(false);
      } finally {
        await made.runtime.dispose();
      }
    }, 120_000);
  });
}
