import type { Highs } from "highs";
import { describe, expect, it } from "vitest";
import { Planning } from "../src/index.js";

/** Mairies scattered over a département-sized square (about 120 km a side), reproducibly. */
const scattered = (count: number, seed: number): ReadonlyArray<Planning.Mairie> => {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: count }, (_, index) => ({
    code: String(69_000 + index).padStart(5, "0"),
    latitude: 45.2 + next() * 1.1,
    longitude: 4.2 + next() * 1.5,
  }));
};

const problem = (count: number, capacity: number, seed = 7): Planning.Problem => ({
  mairies: scattered(count, seed),
  prefecture: { latitude: 45.76, longitude: 4.84 },
  capacity,
  startOn: "2026-12-01",
});

describe("hand-over appointment planning", () => {
  it("serves every mairie once, fills no session past its capacity, and dates sessions on working days", () => {
    const asked = problem(95, 12);
    const planned = Planning.plan(asked);
    expect(planned.sessions).toHaveLength(Planning.sessionsNeeded(95, 12));
    const served = planned.sessions.flatMap((session) => session.mairies);
    expect(new Set(served).size).toBe(95);
    expect(served).toHaveLength(95);
    for (const session of planned.sessions) {
      expect(session.mairies.length).toBeLessThanOrEqual(12);
      expect([0, 6]).not.toContain(new Date(`${session.date}T12:00:00Z`).getUTCDay());
    }
    expect(new Set(planned.sessions.map((session) => session.venue)).size).toBe(planned.sessions.length);
    expect(Planning.plan(asked)).toEqual(planned);
  });

  it("plans 2,000 mairies within 10% of the lower bound (its time is the benchmark's)", () => {
    const asked = problem(2_000, 20, 11);
    const planned = Planning.plan(asked);
    const bound = Planning.lowerBound(asked, planned.totalKm, 150);
    expect(bound).toBeGreaterThan(0);
    expect(bound).toBeLessThanOrEqual(planned.totalKm + 1e-6);
    expect(planned.totalKm / bound).toBeLessThan(1.1);
  }, 60_000);

  it("comes within 3% of the exact optimum (HiGHS) on instances of 50 mairies", async () => {
    // highs is CommonJS with an ES module build: its loader is the default export of the latter.
    const highs = await ((await import("highs")).default as unknown as () => Promise<Highs>)();
    for (const seed of [3, 17, 29, 41, 53]) {
      const asked = problem(50, 8, seed);
      const planned = Planning.plan(asked);
      const optimum = highs.solve(exactModel(asked), { time_limit: 60, mip_rel_gap: 0 });
      expect(optimum.Status).toBe("Optimal");
      // The model rounds distances to the metre: the plan cannot beat the optimum by more.
      expect(planned.totalKm).toBeGreaterThanOrEqual(optimum.ObjectiveValue - 1e-3 * 50);
      expect(planned.totalKm / optimum.ObjectiveValue).toBeLessThan(1.03);
    }
  }, 120_000);
});

/**
 * The capacitated p-median as a mixed-integer program, in CPLEX LP format: x_i_j = mairie i in
 * the session at venue j (venue n is the prefecture), y_j = venue j holds a session.
 */
const exactModel = (asked: Planning.Problem): string => {
  const n = asked.mairies.length;
  const p = Planning.sessionsNeeded(n, asked.capacity);
  const venue = (j: number) => (j === n ? asked.prefecture : (asked.mairies[j] as Planning.Mairie));
  const lines: Array<string> = ["Minimize", " obj:"];
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= n; j++) lines.push(` + ${Planning.distanceKm(asked.mairies[i] as Planning.Mairie, venue(j)).toFixed(6)} x_${i}_${j}`);
  lines.push("Subject To");
  for (let i = 0; i < n; i++) lines.push(` a_${i}: ${Array.from({ length: n + 1 }, (_, j) => `x_${i}_${j}`).join(" + ")} = 1`);
  for (let j = 0; j <= n; j++) lines.push(` c_${j}: ${Array.from({ length: n }, (_, i) => `x_${i}_${j}`).join(" + ")} - ${asked.capacity} y_${j} <= 0`);
  for (let i = 0; i < n; i++) for (let j = 0; j <= n; j++) lines.push(` l_${i}_${j}: x_${i}_${j} - y_${j} <= 0`);
  lines.push(` p: ${Array.from({ length: n + 1 }, (_, j) => `y_${j}`).join(" + ")} = ${p}`);
  lines.push("Binary");
  for (let j = 0; j <= n; j++) lines.push(` y_${j}`);
  for (let i = 0; i < n; i++) for (let j = 0; j <= n; j++) lines.push(` x_${i}_${j}`);
  lines.push("End");
  return lines.join("\n");
};
