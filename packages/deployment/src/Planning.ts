/**
 * Hand-over appointment planning (DOMAIN.md §3, step 5): the mairies of a département or region
 * waiting for their first cards are grouped into sessions, each held at a venue (the prefecture or
 * one of the mairies) for at most `capacity` mairies, as few sessions as the capacity allows, so
 * that the mairies' total travel distance is as small as can be found.
 *
 * This is the capacitated p-median problem (p = the number of sessions, each venue hosting one):
 * - `plan` finds a good solution fast: seeding spread over the territory, then alternating a
 *   capacitated assignment (mairies in order of regret, each to its nearest session with room)
 *   and the move of each session to the venue that serves its mairies best, until nothing improves;
 * - `lowerBound` proves how far from the optimum any solution can be: the Lagrangian relaxation of
 *   "each mairie in exactly one session", maximised by subgradient steps. A plan within a few
 *   percent of it is within a few percent of the optimum.
 * Distances are great-circle kilometres between the communes' coordinates.
 */
import { CommuneDirectory, type CommuneSummary, HandOver, type InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

// Each use case checks its grant first: one the policy did not make, for another permission, or
// that does not cover the département planned, is refused with `Forbidden` (a 403), never a silent pass.

/** A place, in degrees. */
export interface Point {
  readonly latitude: number;
  readonly longitude: number;
}

/** A mairie to be served. */
export interface Mairie extends Point {
  readonly code: string;
}

/** One session: its venue (a mairie's code, or `prefecture`), the mairies it serves, and its date. */
export interface Session {
  readonly venue: string;
  readonly mairies: ReadonlyArray<string>;
  readonly date: string;
  /** The mairies' total distance to the venue, km. */
  readonly distanceKm: number;
}

/** A plan: its sessions, their dates from the start date (working days), its total distance. */
export interface Plan {
  readonly sessions: ReadonlyArray<Session>;
  readonly totalKm: number;
}

/** What the planning is asked. */
export interface Problem {
  readonly mairies: ReadonlyArray<Mairie>;
  readonly prefecture: Point;
  readonly capacity: number;
  /** The first day a session may be held (YYYY-MM-DD). */
  readonly startOn: string;
  /** Sessions held on one working day (several rooms or teams); 1 by default. */
  readonly sessionsPerDay?: number;
}

const earthKm = 6371.0088;
const radians = Math.PI / 180;

/** Great-circle distance, km. */
export const distanceKm = (a: Point, b: Point): number => {
  const dLat = (b.latitude - a.latitude) * radians;
  const dLon = (b.longitude - a.longitude) * radians;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * radians) * Math.cos(b.latitude * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * earthKm * Math.asin(Math.min(1, Math.sqrt(h)));
};

/** Candidate venues: every mairie, then the prefecture (index n). Distances mairie × venue, row by mairie. */
const distanceMatrix = (problem: Problem): Float64Array => {
  const n = problem.mairies.length;
  const venues = n + 1;
  const matrix = new Float64Array(n * venues);
  for (let i = 0; i < n; i++) {
    const from = problem.mairies[i] as Mairie;
    for (let j = 0; j < n; j++) matrix[i * venues + j] = j === i ? 0 : distanceKm(from, problem.mairies[j] as Mairie);
    matrix[i * venues + n] = distanceKm(from, problem.prefecture);
  }
  return matrix;
};

/** How many sessions the capacity calls for. */
export const sessionsNeeded = (mairies: number, capacity: number): number => Math.max(1, Math.ceil(mairies / capacity));

/** Seeds spread over the territory (farthest-point), starting from a venue. */
const seed = (distances: Float64Array, n: number, p: number, first: number): Array<number> => {
  const venues = n + 1;
  const chosen = [first];
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  while (chosen.length < p) {
    const last = chosen[chosen.length - 1] as number;
    let farthest = -1;
    let farthestDistance = -1;
    for (let i = 0; i < n; i++) {
      const d = distances[i * venues + last] as number;
      if (d < (nearest[i] as number)) nearest[i] = d;
      if ((nearest[i] as number) > farthestDistance && !chosen.includes(i)) {
        farthestDistance = nearest[i] as number;
        farthest = i;
      }
    }
    chosen.push(farthest);
  }
  return chosen;
};

/** Assigns each mairie to a session with room: the mairies with most to lose first, each to its nearest open session. */
const assign = (distances: Float64Array, n: number, venuesOfSessions: ReadonlyArray<number>, capacity: number): Int32Array => {
  const venues = n + 1;
  const p = venuesOfSessions.length;
  const regret = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let s = 0; s < p; s++) {
      const d = distances[i * venues + (venuesOfSessions[s] as number)] as number;
      if (d < best) {
        second = best;
        best = d;
      } else if (d < second) second = d;
    }
    regret[i] = second - best;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (regret[b] as number) - (regret[a] as number));
  const load = new Int32Array(p);
  const sessionOf = new Int32Array(n);
  for (const i of order) {
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let s = 0; s < p; s++) {
      if ((load[s] as number) >= capacity) continue;
      const d = distances[i * venues + (venuesOfSessions[s] as number)] as number;
      if (d < bestDistance) {
        bestDistance = d;
        best = s;
      }
    }
    sessionOf[i] = best;
    load[best] = (load[best] as number) + 1;
  }
  return sessionOf;
};

/** The venue (among the session's mairies and the prefecture) that serves the session's mairies best. */
const bestVenue = (distances: Float64Array, n: number, members: ReadonlyArray<number>, taken: ReadonlySet<number>, current: number): number => {
  const venues = n + 1;
  let best = current;
  let bestCost = members.reduce((sum, i) => sum + (distances[i * venues + current] as number), 0);
  for (const candidate of [...members, n]) {
    if (candidate !== current && taken.has(candidate)) continue;
    let cost = 0;
    for (const i of members) cost += distances[i * venues + candidate] as number;
    if (cost < bestCost - 1e-9) {
      bestCost = cost;
      best = candidate;
    }
  }
  return best;
};

/** Moves a mairie to another session, or swaps two mairies of two sessions, while the total falls. */
const improve = (distances: Float64Array, n: number, venuesOfSessions: ReadonlyArray<number>, sessionOf: Int32Array, capacity: number) => {
  const venues = n + 1;
  const p = venuesOfSessions.length;
  const load = new Int32Array(p);
  for (let i = 0; i < n; i++) load[sessionOf[i] as number] = (load[sessionOf[i] as number] as number) + 1;
  const cost = (i: number, s: number) => distances[i * venues + (venuesOfSessions[s] as number)] as number;
  let improved = true;
  for (let round = 0; improved && round < 20; round++) {
    improved = false;
    for (let i = 0; i < n; i++) {
      const from = sessionOf[i] as number;
      const here = cost(i, from);
      for (let s = 0; s < p; s++) {
        if (s === from) continue;
        const gain = here - cost(i, s);
        if (gain <= 1e-9) continue;
        if ((load[s] as number) < capacity) {
          sessionOf[i] = s;
          load[from] = (load[from] as number) - 1;
          load[s] = (load[s] as number) + 1;
          improved = true;
          break;
        }
        // Full: swap with the member of s that gains most from coming to i's session.
        for (let k = 0; k < n; k++) {
          if (sessionOf[k] !== s) continue;
          if (gain + cost(k, s) - cost(k, from) > 1e-9) {
            sessionOf[i] = s;
            sessionOf[k] = from;
            improved = true;
            break;
          }
        }
        if (sessionOf[i] !== from) break;
      }
    }
  }
};

const totalOf = (distances: Float64Array, n: number, venuesOfSessions: ReadonlyArray<number>, sessionOf: Int32Array): number => {
  let total = 0;
  for (let i = 0; i < n; i++) total += distances[i * (n + 1) + (venuesOfSessions[sessionOf[i] as number] as number)] as number;
  return total;
};

/** The working days from a date on (Monday to Friday). */
const workingDays = (startOn: string, count: number): Array<string> => {
  const days: Array<string> = [];
  const day = new Date(`${startOn}T12:00:00Z`);
  while (days.length < count) {
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
};

/** Where each session is held and which session each mairie goes to. */
interface Solution {
  readonly venuesOfSessions: Array<number>;
  readonly sessionOf: Int32Array<ArrayBufferLike>;
  readonly total: number;
}

/** One local optimum from a seeding: alternate venue moves and capacitated reassignment while it pays. */
const descend = (distances: Float64Array, n: number, p: number, capacity: number, seeded: Array<number>): Solution => {
  const venuesOfSessions = [...seeded];
  let sessionOf = assign(distances, n, venuesOfSessions, capacity);
  let total = totalOf(distances, n, venuesOfSessions, sessionOf);
  for (let round = 0; round < 30; round++) {
    const members: Array<Array<number>> = Array.from({ length: p }, () => []);
    for (let i = 0; i < n; i++) members[sessionOf[i] as number]?.push(i);
    const taken = new Set(venuesOfSessions);
    let moved = false;
    for (let s = 0; s < p; s++) {
      const current = venuesOfSessions[s] as number;
      const next = bestVenue(distances, n, members[s] as Array<number>, taken, current);
      if (next !== current) {
        taken.delete(current);
        taken.add(next);
        venuesOfSessions[s] = next;
        moved = true;
      }
    }
    // Each venue now serves its mairies at least as well; a fresh assignment may do better still.
    const reassigned = assign(distances, n, venuesOfSessions, capacity);
    improve(distances, n, venuesOfSessions, reassigned, capacity);
    const fresh = totalOf(distances, n, venuesOfSessions, reassigned);
    if (fresh < total - 1e-6) {
      sessionOf = reassigned;
      total = fresh;
      continue;
    }
    improve(distances, n, venuesOfSessions, sessionOf, capacity);
    const polished = totalOf(distances, n, venuesOfSessions, sessionOf);
    const stuck = !moved || polished >= total - 1e-6;
    total = polished;
    if (stuck) break;
  }
  return { venuesOfSessions, sessionOf, total };
};

/**
 * Replaces one session's venue by another candidate while the total falls (the exchange move of
 * p-median local search), on small problems where trying every pair is cheap.
 */
const exchange = (distances: Float64Array, n: number, p: number, capacity: number, solution: Solution) => {
  let best = solution;
  let improved = true;
  while (improved) {
    improved = false;
    for (let s = 0; s < p && !improved; s++) {
      const taken = new Set(best.venuesOfSessions);
      for (let candidate = 0; candidate <= n && !improved; candidate++) {
        if (taken.has(candidate)) continue;
        const venues = [...best.venuesOfSessions];
        venues[s] = candidate;
        const sessionOf = assign(distances, n, venues, capacity);
        improve(distances, n, venues, sessionOf, capacity);
        const total = totalOf(distances, n, venues, sessionOf);
        if (total < best.total - 1e-6) {
          best = descend(distances, n, p, capacity, venues);
          if (best.total > total) best = { venuesOfSessions: venues, sessionOf, total };
          improved = true;
        }
      }
    }
  }
  return best;
};

/** Plans the sessions. Deterministic: the same problem gives the same plan. */
export const plan = (problem: Problem): Plan => {
  const n = problem.mairies.length;
  if (n === 0) return { sessions: [], totalKm: 0 };
  const capacity = Math.max(1, Math.floor(problem.capacity));
  const p = sessionsNeeded(n, capacity);
  const distances = distanceMatrix(problem);
  // Several spread seedings on problems small enough, from the prefecture and mairies spaced out.
  const starts = n <= 300 ? 12 : n <= 1_000 ? 3 : 1;
  let best: Solution | undefined;
  for (let start = 0; start < starts; start++) {
    const first = start === 0 ? n : Math.floor(((start - 1) * n) / Math.max(1, starts - 1));
    const found = descend(distances, n, p, capacity, seed(distances, n, p, first));
    if (best === undefined || found.total < best.total) best = found;
  }
  const { venuesOfSessions, sessionOf } = n <= 300 ? exchange(distances, n, p, capacity, best as Solution) : (best as Solution);
  const perDay = Math.max(1, problem.sessionsPerDay ?? 1);
  const days = workingDays(problem.startOn, Math.ceil(p / perDay));
  const sessions = venuesOfSessions
    .map((venue, s) => {
      const served: Array<number> = [];
      for (let i = 0; i < n; i++) if (sessionOf[i] === s) served.push(i);
      return { venue, served };
    })
    .filter((session) => session.served.length > 0)
    .map(({ venue, served }, index) => ({
      venue: venue === n ? "prefecture" : (problem.mairies[venue] as Mairie).code,
      mairies: served.map((i) => (problem.mairies[i] as Mairie).code),
      date: days[Math.floor(index / perDay)] as string,
      distanceKm: served.reduce((sum, i) => sum + (distances[i * (n + 1) + venue] as number), 0),
    }));
  return { sessions, totalKm: sessions.reduce((sum, session) => sum + session.distanceKm, 0) };
};

/**
 * A lower bound on the total distance of any plan (Lagrangian relaxation of the assignment
 * constraints, subgradient ascent): for multipliers λ, each venue's best session gathers the up
 * to `capacity` mairies with the most negative d − λ, and the p best venues are opened. `upper`
 * is a known plan's total, which sizes the steps.
 */
export const lowerBound = (problem: Problem, upper: number, iterations = 300): number => {
  const n = problem.mairies.length;
  if (n === 0) return 0;
  const capacity = Math.max(1, Math.floor(problem.capacity));
  const p = sessionsNeeded(n, capacity);
  const distances = distanceMatrix(problem);
  const venues = n + 1;
  // Each venue's mairies, nearest first: only those nearer than their multiplier count.
  const byDistance = Array.from({ length: venues }, (_, j) =>
    Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (distances[a * venues + j] as number) - (distances[b * venues + j] as number)),
  );
  // Start from each mairie's distance to its nearest other venue.
  const lambda = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let j = 0; j < venues; j++) if (j !== i) nearest = Math.min(nearest, distances[i * venues + j] as number);
    lambda[i] = nearest;
  }
  let best = 0;
  let step = 2;
  const rho = new Float64Array(venues);
  const picked = new Int32Array(venues * capacity);
  const pickedCount = new Int32Array(venues);
  const values = new Float64Array(capacity);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let largest = 0;
    for (let i = 0; i < n; i++) largest = Math.max(largest, lambda[i] as number);
    for (let j = 0; j < venues; j++) {
      // The `capacity` most negative reduced costs, kept sorted in a small buffer.
      let size = 0;
      const order = byDistance[j] as Int32Array;
      for (let k = 0; k < n; k++) {
        const i = order[k] as number;
        const d = distances[i * venues + j] as number;
        if (d >= largest) break;
        const value = d - (lambda[i] as number);
        if (value >= 0 || (size === capacity && value >= (values[size - 1] as number))) continue;
        let at = size < capacity ? size++ : size - 1;
        while (at > 0 && (values[at - 1] as number) > value) {
          values[at] = values[at - 1] as number;
          picked[j * capacity + at] = picked[j * capacity + at - 1] as number;
          at--;
        }
        values[at] = value;
        picked[j * capacity + at] = i;
      }
      let sum = 0;
      for (let k = 0; k < size; k++) sum += values[k] as number;
      rho[j] = sum;
      pickedCount[j] = size;
    }
    const open = Array.from({ length: venues }, (_, j) => j)
      .sort((a, b) => (rho[a] as number) - (rho[b] as number))
      .slice(0, p);
    let bound = 0;
    for (let i = 0; i < n; i++) bound += lambda[i] as number;
    for (const j of open) bound += rho[j] as number;
    best = Math.max(best, bound);
    // Subgradient: 1 − how many open sessions take each mairie.
    const covered = new Int32Array(n);
    for (const j of open) {
      for (let k = 0; k < (pickedCount[j] as number); k++) {
        const i = picked[j * capacity + k] as number;
        covered[i] = (covered[i] as number) + 1;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (1 - (covered[i] as number)) ** 2;
    if (norm === 0) break;
    const length = (step * Math.max(upper - bound, 1e-6)) / norm;
    for (let i = 0; i < n; i++) lambda[i] = Math.max(0, (lambda[i] as number) + length * (1 - (covered[i] as number)));
    if (iteration % 30 === 29) step /= 2;
  }
  return best;
};

/** The mairies left out of a plan: the gazetteer has no coordinates for them. */
export interface Placed {
  readonly plan: Plan;
  readonly names: Readonly<Record<string, string>>;
  /** Where each mairie planned and the prefecture are (`prefecture` for the latter), for the map. */
  readonly places: Readonly<Record<string, Point>>;
  readonly withoutCoordinates: ReadonlyArray<string>;
}

/**
 * Plans the hand-over sessions of a département: the communes whose connection was triggered and
 * whose appointment is not yet recorded, around the prefecture (the commune given, its seat).
 * Run it again after changes: it reads the communes as they stand.
 */
export const forDepartement = (
  grant: Access.Grant<"appointment.plan">,
  input: {
    readonly departement: string;
    readonly prefectureCommune: string;
    readonly capacity: number;
    readonly startOn: string;
    readonly sessionsPerDay?: number;
  },
) =>
  Effect.gen(function* () {
    yield* Access.require(grant, "appointment.plan");
    yield* Access.covers(grant, Access.departementTarget(input.departement));
    const directory = yield* CommuneDirectory;
    const seat = (yield* directory.find(input.prefectureCommune as InseeCode.InseeCode)).commune;
    if (seat.coordinates === undefined) {
      return yield* new HandOver.PlanningRefused({ reason: `the gazetteer has no coordinates for ${seat.name}, the prefecture's seat` });
    }
    const waiting: Array<CommuneSummary> = [];
    let after: string | undefined;
    for (;;) {
      const page = yield* directory.search({
        departement: input.departement,
        reached: "connectionTriggered",
        notReached: "handOverAppointment",
        limit: 1_000,
        ...(after === undefined ? {} : { after }),
      });
      waiting.push(...page);
      if (page.length < 1_000) break;
      after = page.at(-1)?.commune.code;
    }
    const located = waiting.filter((summary) => summary.commune.coordinates !== undefined);
    const plan_ = plan({
      mairies: located.map((summary) => ({ code: summary.commune.code, ...(summary.commune.coordinates as Point) })),
      prefecture: seat.coordinates,
      capacity: input.capacity,
      startOn: input.startOn,
      ...(input.sessionsPerDay === undefined ? {} : { sessionsPerDay: input.sessionsPerDay }),
    });
    return {
      plan: plan_,
      names: Object.fromEntries([...waiting.map((summary) => [summary.commune.code, summary.commune.name]), ["prefecture", `Préfecture (${seat.name})`]]),
      places: Object.fromEntries([
        ...located.map((summary) => [summary.commune.code, summary.commune.coordinates as Point]),
        ["prefecture", { latitude: seat.coordinates.latitude, longitude: seat.coordinates.longitude }],
      ]),
      withoutCoordinates: waiting.filter((summary) => summary.commune.coordinates === undefined).map((summary) => summary.commune.code),
    } satisfies Placed;
  });

/** The plan as CSV (one line per mairie), for the operators' mail merge. */
export const toCsv = (placed: Placed): string => {
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  const lines = ["date;lieu;code_lieu;commune;code_commune"];
  for (const session of placed.plan.sessions) {
    for (const mairie of session.mairies) {
      lines.push([session.date, quote(placed.names[session.venue] ?? session.venue), session.venue, quote(placed.names[mairie] ?? mairie), mairie].join(";"));
    }
  }
  return `${lines.join("\n")}\n`;
};

/** The planning cannot be done as asked (the domain's refusal, kept importable from here). */
export const PlanningRefused = HandOver.PlanningRefused;
/** The planning cannot be done as asked. */
export type PlanningRefused = HandOver.PlanningRefused;
