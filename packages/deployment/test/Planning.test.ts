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
});
