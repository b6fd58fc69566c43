/**
 * Deadline monitoring of the deployment: the communes that are late on their onboarding (under the
 * obligation and not connected by its date, or a step overdue), grouped by département for the
 * prefectures' weekly digest. Each late commune comes with the next milestone it lacks, in the
 * order of the prerequisite graph.
 */
import { type CalendarDate, CommuneDirectory, type CommuneSummary, Onboarding } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

// Each use case checks its grant first: one the policy did not make, or for another permission, is
// refused with `Forbidden` (which the API answers as a 403), never a silent pass.

/** One late commune, as a prefecture reads it. */
export interface LateCommune {
  readonly code: string;
  readonly name: string;
  readonly lateFrom: string;
  /** The first milestone not reached, in the onboarding's order. */
  readonly next: Onboarding.Milestone | undefined;
}

/** A département's late communes. */
export interface Digest {
  readonly departement: string;
  readonly late: ReadonlyArray<LateCommune>;
}

const lateOf = (summary: CommuneSummary): LateCommune => ({
  code: summary.commune.code,
  name: summary.commune.name,
  lateFrom: summary.lateFrom ?? "",
  next: Onboarding.Milestone.literals.find((milestone) => !summary.reached.includes(milestone)),
});

/** The late communes on a day, by département (every département with at least one), within the grant's reach. */
export const digests = (grant: Access.Grant<"dashboard.read">, today: CalendarDate.CalendarDate) =>
  Effect.gen(function* () {
    yield* Access.require(grant, "dashboard.read");
    const directory = yield* CommuneDirectory;
    const site = grant.actor.site;
    const scope = grant.reach === "own-site" && site._tag === "prefecture" ? { departement: site.departement } : {};
    const byDepartement = new Map<string, Array<LateCommune>>();
    let after: string | undefined;
    for (;;) {
      const page = yield* directory.search({ ...scope, late: { on: today, value: true }, limit: 1_000, ...(after === undefined ? {} : { after }) });
      for (const summary of page) {
        const list = byDepartement.get(summary.commune.departement) ?? [];
        list.push(lateOf(summary));
        byDepartement.set(summary.commune.departement, list);
      }
      if (page.length < 1_000) break;
      after = page.at(-1)?.commune.code;
    }
    return [...byDepartement.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([departement, late]): Digest => ({ departement, late }));
  });
