/**
 * The retention purge: nothing is deleted before its period has run out, everything after it —
 * the event log up to a signed checkpoint (and the chain still verifies from it), a deleted
 * agent's registration file 10 years after their last certificate, certificates and CRLs 5 years
 * after expiry, login challenges and sessions once over.
 */
import { Actor } from "@comedec/actor";
import { CertificateRegistry } from "@comedec/card";
import { RawSql } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Audit, Retention, Sessions } from "@comedec/rgs";
import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, fixture, type Side } from "./Routes.js";
import * as Services from "./Services.js";

const year = 365.25 * 86_400_000;
const inYears = (years: number) => new Date(Date.now() + years * year);

const ants = Actor.Actor.make({ id: "ants-retention", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });

for (const adapter of adapters) {
  describe(`the retention purge on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { ok } = client(app);
    let sides: Record<"own" | "other", Side>;
    let antsToken: string;
    const purge = (on: Date) => runtime.runPromise(Retention.Retention.use((retention) => retention.purge(on, ants)));
    const count = (table: string) =>
      runtime
        .runPromise(RawSql.use((sql) => Effect.promise(() => sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`))))
        .then((rows) => Number(rows[0]?.n));

    beforeAll(async () => {
      const made = await fixture(runtime, app);
      sides = made.sides;
      antsToken = made.antsToken;
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("keeps everything while its period runs, and deletes it after", async () => {
      // A deleted agent's registration file is archived, not erased with the directory's record.
      await ok(antsToken, "POST", `/agents/${sides.other.agent}/deletion`, { reason: "départ" });
      expect(await count("registration_file")).toBe(1);
      // A certificate that expired long ago, a CRL, a challenge.
      await runtime.runPromise(
        CertificateRegistry.use((registry) =>
          registry.record({
            serial: "0badc0de",
            card: sides.own.card,
            holder: sides.own.agent,
            usage: "authentication",
            notAfter: new Date(),
            der: new Uint8Array([1]),
          }),
        ),
      );
      expect((await app.request("/pki/crl")).status).toBe(200);
      await runtime.runPromise(Sessions.CardSessions.use((sessions) => sessions.challenge));
      const signed = await runtime.runPromise(Audit.checkpoint);
      expect(signed).toBeDefined();
      await ok(antsToken, "POST", "/cards", { holder: sides.own.agent, reason: "après le point de contrôle" });
      const before = await runtime.runPromise(Audit.verifyTrail);
      expect(before).toMatchObject({ valid: true, checkpoints: 1 });

      expect(await purge(inYears(4))).toEqual({ eventLog: 0, registrationFiles: 0, certificates: 0, crls: 0, loginChallenges: 1, sessions: 0 });
      expect(await purge(inYears(6.5))).toMatchObject({ eventLog: 0, registrationFiles: 0, certificates: 1, crls: 0 });
      expect(await purge(inYears(7.5))).toMatchObject({ eventLog: signed?.position, registrationFiles: 0 });
      expect(await purge(inYears(10.5))).toMatchObject({ eventLog: 0, registrationFiles: 1 });

      // The log now starts after the checkpoint, and still verifies from it.
      const after = await runtime.runPromise(Audit.verifyTrail);
      // Each of the four purges recorded itself in the trail.
      expect(after).toMatchObject({ valid: true, checkpoints: 1, events: before.events - (signed?.position ?? 0) + 4 });
      expect(await count("registration_file")).toBe(0);
      // The latest CRL stays whatever its age.
      expect(await count("crl")).toBe(1);
    });

    it("refuses any other deletion of the log", async () => {
      await expect(runtime.runPromise(RawSql.use((sql) => Effect.promise(() => sql.query("DELETE FROM event_log"))))).rejects.toThrow(/append-only/);
      await expect(runtime.runPromise(RawSql.use((sql) => Effect.promise(() => sql.query("DELETE FROM audit_checkpoint"))))).rejects.toThrow(/append-only/);
    });
  });
}
