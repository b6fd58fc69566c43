/**
 * The RGS deadlines monitor: a revocation request left waiting more than 24 hours and a CRL older
 * than 24 hours are reported with their rule and source, over HTTP to the national operator; a
 * request validated in time, or a fresh CRL, is not.
 */
import { Actor } from "@comedec/actor";
import { adapters } from "@comedec/persistence/testing";
import { Monitoring } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Clock, Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, fixture, type Side } from "./Routes.js";
import * as Services from "./Services.js";

const ants = Actor.Actor.make({ id: "ants-monitor", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });

/** The monitor as it would run `hours` from now. */
const later = (hours: number) =>
  Effect.flatMap(Access.authorize(ants, "monitoring.read", Access.nation), (grant) => {
    const at = Date.now() + hours * 3_600_000;
    return Effect.provideService(Monitoring.breaches(grant), Clock.Clock, Services.clockAt(at));
  });

for (const adapter of adapters) {
  describe(`the RGS deadlines monitor on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Services.on(adapter.layer()));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { call, ok } = client(app);
    let sides: Record<"own" | "other", Side>;
    let antsToken: string;

    beforeAll(async () => {
      const made = await fixture(runtime, app);
      sides = made.sides;
      antsToken = made.antsToken;
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("reports a CRL never published, then nothing once it is, until it is 24 hours old", async () => {
      const before = await ok(antsToken, "GET", "/monitoring/deadlines");
      expect(before.breaches).toEqual([expect.objectContaining({ rule: "crl.24-hours", detail: "no CRL was ever published", site: "national" })]);
      expect(before.crl).toBeNull();
      expect((await app.request("/pki/crl")).status).toBe(200);
      const published = await ok(antsToken, "GET", "/monitoring/deadlines");
      expect(published.breaches).toEqual([]);
      // Where the deadline stands even when it is met: the CRL now current, for its age.
      expect(published.crl).toMatchObject({ number: expect.stringMatching(/^\d+$/), thisUpdate: expect.any(String), nextUpdate: expect.any(String) });
      expect(Date.parse(published.checkedAt) - Date.parse(published.crl.thisUpdate)).toBeLessThan(60_000);
      const tomorrow = await runtime.runPromise(later(25));
      expect(tomorrow.breaches.filter((breach) => breach.rule === "crl.24-hours")).toEqual([
        expect.objectContaining({ source: expect.stringMatching(/^RGS v2\.0 annexe A2, §4\.9\.7/), subject: expect.stringMatching(/^crl:\d+$/) }),
      ]);
    });

    it("reports the revocation requests left waiting more than 24 hours, and not those validated", async () => {
      const inTime = await runtime.runPromise(later(23));
      expect(inTime.breaches.filter((breach) => breach.rule === "revocation.24-hours")).toEqual([]);
      // Both requests wait, neither late yet: counted all the same.
      expect(inTime.revocationsWaiting).toBe(2);
      // One of the two waiting requests is validated in time (by ANTS, who neither made it nor is concerned).
      await ok(antsToken, "POST", `/card-requests/${sides.other.request}/validation`, { reason: "révocation traitée" });
      const after = await runtime.runPromise(later(25));
      expect(after.revocationsWaiting).toBe(1);
      const late = after.breaches.filter((breach) => breach.rule === "revocation.24-hours");
      expect(late).toEqual([
        expect.objectContaining({
          subject: `card-request:${sides.own.request}`,
          site: `commune:${sides.own.commune}`,
          source: expect.stringMatching(/^RGS v2\.0 annexe A2, §4\.9\.5/),
        }),
      ]);
      // Only ANTS and its auditor read the monitor.
      const operator = Actor.Actor.make({ id: "rc", name: "rc", role: "commune-operator", site: { _tag: "commune", commune: sides.own.commune } });
      expect(JSON.stringify(await runtime.runPromiseExit(Access.authorize(operator, "monitoring.read", Access.nation)))).toContain("Forbidden");
      expect((await call(antsToken, "GET", "/monitoring/deadlines")).status).toBe(200);
    });
  });
}
