/**
 * Batching of concurrent calls (`internal/GroupCommit.ts`), on which responses, their reads and
 * card logins rely: calls that arrive while a batch runs share the next one, each gets its own
 * result, and one bad item fails alone.
 */
import { describe, expect, it } from "vitest";
import { batching, groupCommit } from "../src/internal/GroupCommit.js";

describe("batching", () => {
  it("runs the first call alone and the calls arriving meanwhile together, each with its own result", async () => {
    const batches: Array<ReadonlyArray<number>> = [];
    const double = batching(async (batch: ReadonlyArray<number>) => {
      batches.push(batch);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return batch.map((item) => item * 2);
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(double));
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    // The first batch starts with the first call; the others waited, at most 3 to a batch.
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("fails only the bad item of a batch that fails, the others still get their results", async () => {
    let first = true;
    const check = batching(async (batch: ReadonlyArray<string>) => {
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (batch.includes("bad")) throw new Error("bad item");
      return batch.map((item) => item.toUpperCase());
    }, 10);
    const results = await Promise.allSettled(["first", "a", "bad", "b"].map(check));
    expect(results).toEqual([
      { status: "fulfilled", value: "FIRST" },
      { status: "fulfilled", value: "A" },
      { status: "rejected", reason: new Error("bad item") },
      { status: "fulfilled", value: "B" },
    ]);
  });
});

describe("groupCommit", () => {
  it("settles true for the items written and false for the others", async () => {
    const write = groupCommit(
      async (batch: ReadonlyArray<string>) => new Set(batch.flatMap((item, position) => (item.startsWith("new") ? [position] : []))),
      10,
    );
    expect(await Promise.all(["new-1", "used", "new-2"].map(write))).toEqual([true, false, true]);
  });
});
