/**
 * The statement hook (`StatementSpans`): given an observer, every statement the adapter's driver
 * sends goes through it — its text with the values bound apart, transactions' BEGIN and COMMIT
 * too, a failure passed on unchanged — on each adapter; without one, nothing is observed.
 */
import { Effect, Layer, ManagedRuntime } from "effect";
import { describe, expect, it } from "vitest";
import { RawSql, type StatementObserver, StatementSpans } from "../src/index.js";
import { adapters } from "../src/Testing.js";

describe.each(adapters)("statements observed on $name", (adapter) => {
  it("go through the observer with their placeholders, transactions included, failures passed on", async () => {
    const seen: Array<{ readonly text: string; readonly outcome: "ok" | "failed" }> = [];
    const observer: StatementObserver = {
      around: async (text, execute) => {
        try {
          const result = await execute();
          seen.push({ text, outcome: "ok" });
          return result;
        } catch (error) {
          seen.push({ text, outcome: "failed" });
          throw error;
        }
      },
    };
    const runtime = ManagedRuntime.make(adapter.layer().pipe(Layer.provide(Layer.succeed(StatementSpans, observer))));
    try {
      const raw = await runtime.runPromise(RawSql.use((sql) => Effect.succeed(sql)));
      seen.length = 0;
      expect(await raw.query<{ readonly greeting: string }>("SELECT $1::text AS greeting", ["Zébulon"])).toEqual([{ greeting: "Zébulon" }]);
      expect(seen).toEqual([{ text: "SELECT $1::text AS greeting", outcome: "ok" }]);
      seen.length = 0;
      await raw.transaction((query) => query("SELECT 1"));
      expect(seen.map((entry) => entry.text.toLowerCase())).toEqual(["begin", "select 1", "commit"]);
      seen.length = 0;
      await expect(raw.query("SELECT $1::int", ["not a number"])).rejects.toThrow();
      expect(seen).toEqual([{ text: "SELECT $1::int", outcome: "failed" }]);
    } finally {
      await runtime.dispose();
    }
  });

  it("without an observer, the reference stays unset and the driver serves as before", async () => {
    const runtime = ManagedRuntime.make(adapter.layer());
    try {
      expect(await runtime.runPromise(Effect.service(StatementSpans))).toBeUndefined();
      const raw = await runtime.runPromise(RawSql.use((sql) => Effect.succeed(sql)));
      expect(await raw.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await runtime.dispose();
    }
  });
});
