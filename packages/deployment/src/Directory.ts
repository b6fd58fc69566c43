/**
 * Use cases that read and maintain the directory of communes and the editors list. A listing is
 * narrowed to the actor's site when the grant reaches only its own site, so the same query
 * serves ANTS (everything), a prefecture (its département) and a mairie (itself).
 */
import type { Actor } from "@comedec/actor";
import { type CalendarDate, Commune, CommuneDirectory, type CommuneQuery, type DashboardScope, type Editor, EditorRegistry, Forecast } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

// Each use case checks its grant first: one the policy did not make, or for another permission, is
// refused with `Forbidden` (which the API answers as a 403), never a silent pass.

const narrow = (grant: Access.Grant<Access.Permission>, query: CommuneQuery): CommuneQuery => {
  if (grant.reach === "everywhere") return query;
  const site = grant.actor.site;
  if (site._tag === "prefecture") return { ...query, departement: site.departement };
  if (site._tag === "commune") return { ...query, code: site.commune };
  return { ...query, code: "none" };
};

/** Communes matching the query, within the grant's reach. */
export const search = (grant: Access.Grant<"commune.read">, query: CommuneQuery) =>
  Effect.andThen(
    Access.require(grant, "commune.read"),
    CommuneDirectory.use((directory) => directory.search(narrow(grant, query))),
  );

/** Counts per area and the communes under obligation that are late, within the grant's reach. */
export const dashboard = Effect.fnUntraced(function* (grant: Access.Grant<"dashboard.read">, by: "departement" | "region", today: CalendarDate.CalendarDate) {
  yield* Access.require(grant, "dashboard.read");
  const directory = yield* CommuneDirectory;
  const site = grant.actor.site;
  // The counts and the late communes are independent readings: both at once, on two connections.
  const [areas, atRisk] = yield* Effect.all(
    [directory.countsBy(by, today), directory.search(narrow(grant, { underObligation: true, late: { on: today, value: true }, limit: 200 }))],
    { concurrency: "unbounded" },
  );
  const visible =
    grant.reach === "everywhere" || site._tag !== "prefecture" ? areas : by === "departement" ? areas.filter((area) => area.area === site.departement) : [];
  return { by, today, areas: visible, atRisk };
});

/** What a dashboard grant covers: ANTS and the auditors everything, a prefecture its département, a mairie itself. */
const dashboardScope = (grant: Access.Grant<"dashboard.read">): DashboardScope => {
  if (grant.reach === "everywhere") return {};
  const site = grant.actor.site;
  if (site._tag === "prefecture") return { departement: site.departement };
  if (site._tag === "commune") return { code: site.commune };
  return { code: "none" };
};

/** Every commune within the grant's reach, with its place and progress on the day: what the deployment map draws. */
export const mapColumns = (grant: Access.Grant<"dashboard.read">, today: CalendarDate.CalendarDate) =>
  Effect.andThen(
    Access.require(grant, "dashboard.read"),
    CommuneDirectory.use((directory) => directory.mapColumns(dashboardScope(grant), today)),
  );

/** The milestones reached per month and département within the grant's reach: the dashboard's trend. */
export const trend = (grant: Access.Grant<"dashboard.read">) =>
  Effect.andThen(
    Access.require(grant, "dashboard.read"),
    CommuneDirectory.use((directory) => directory.milestonesByMonth(dashboardScope(grant))),
  );

/** Replaces the reference list of communes. */
export const importReference = (grant: Access.Grant<"commune.import">, communes: ReadonlyArray<Commune.Commune>) =>
  Effect.andThen(
    Access.require(grant, "commune.import"),
    CommuneDirectory.use((directory) => directory.importReference(communes, grant.actor)),
  );

/** The editors list. */
export const editors = (grant: Access.Grant<"editor.read">) =>
  Effect.andThen(
    Access.require(grant, "editor.read"),
    EditorRegistry.use((registry) => registry.list),
  );

/** Adds or updates an editor of the list. */
export const saveEditor = (grant: Access.Grant<"editor.manage">, editor: Editor.Editor) =>
  Effect.andThen(
    Access.require(grant, "editor.manage"),
    EditorRegistry.use((registry) => registry.save(editor, grant.actor as Actor.Actor)),
  );

/**
 * The communes under the obligation that cannot make the deadline at their département's pace
 * (the model is `Forecast`'s, in `@comedec/commune`), within the grant's reach: a prefecture sees
 * its département, measured on its own communes.
 */
export const forecast = Effect.fnUntraced(function* (grant: Access.Grant<"dashboard.read">, today: CalendarDate.CalendarDate) {
  yield* Access.require(grant, "dashboard.read");
  const site = grant.actor.site;
  const scope = grant.reach === "own-site" && site._tag === "prefecture" ? { departement: site.departement } : {};
  const directory = yield* CommuneDirectory;
  // Two independent readings: the paces' groups and the communes that may be named.
  const [starts, obliged] = yield* Effect.all([directory.starts(scope), directory.obligedNotConnected(scope)], { concurrency: "unbounded" });
  const paces = Forecast.pacesOfStarts(starts, today);
  return {
    today,
    deadline: Commune.connectionDeadline,
    atRisk: Forecast.atRiskAtPaces(obliged, paces, today),
    paces: [...paces.values()].sort((a, b) => a.departement.localeCompare(b.departement)),
  };
});
