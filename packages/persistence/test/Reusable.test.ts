/**
 * A reusable read sends the statement Kysely compiled once, with each call's values in the
 * places of its arguments and the builder's own constants left where they were.
 */
import { type CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { reusable } from "../src/internal/Reusable.js";

interface Tables {
  readonly commune: { readonly code: string; readonly name: string; readonly population: number; readonly removed_at: Date | null };
}

const builder = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A database that records what it is sent and answers one row. */
const recording = () => {
  const sent: Array<CompiledQuery> = [];
  return {
    sent,
    db: {
      executeQuery: async <R>(query: CompiledQuery<R>) => {
        sent.push(query);
        return { rows: [{ code: "x" } as R] };
      },
    },
  };
};

describe("a read compiled once", () => {
  it("sends each call's values in its arguments' places, the constants unchanged, the text compiled once", async () => {
    const { db, sent } = recording();
    let builds = 0;
    const read = reusable(db, (code: string, name: string) => {
      builds += 1;
      return builder
        .selectFrom("commune")
        .select(["code"])
        .where("population", ">", 1000)
        .where("code", "=", code)
        .where("name", "=", name)
        .where("removed_at", "is", null);
    });
    await read("75056", "Paris");
    await read("69123", "Lyon");
    expect(builds).toBe(1);
    const direct = builder
      .selectFrom("commune")
      .select(["code"])
      .where("population", ">", 1000)
      .where("code", "=", "69123")
      .where("name", "=", "Lyon")
      .where("removed_at", "is", null)
      .compile();
    expect(sent.map((query) => query.sql)).toEqual([direct.sql, direct.sql]);
    expect(sent[0]?.parameters).toEqual([1000, "75056", "Paris"]);
    expect(sent[1]?.parameters).toEqual(direct.parameters);
  });

  it("refuses a statement that would splice an argument into its text, or leave one out", async () => {
    const { db } = recording();
    const spliced = reusable(db, (code: string) =>
      builder
        .selectFrom("commune")
        .select(["code"])
        .where(sql.raw(`code = '${code}'`) as never),
    );
    await expect(spliced("75056")).rejects.toThrow(/each argument as a parameter/);
    const ignored = reusable(db, (_code: string) => builder.selectFrom("commune").select(["code"]));
    await expect(ignored("75056")).rejects.toThrow(/each argument as a parameter/);
  });
});
