/**
 * The commune directory and onboarding store on SQL: one row per commune carries its reference
 * data and its onboarding stream's state, with the columns listings filter on (obligation,
 * milestones reached, first late day) kept in step by every append.
 */
import type { Actor } from "@comedec/actor";
import {
  type CalendarDate,
  Commune,
  CommuneDirectory,
  CommuneNotFound,
  type CommuneQuery,
  type CommuneSummary,
  type DashboardScope,
  type InseeCode,
  Onboarding,
  OnboardingStore,
} from "@comedec/commune";
import { Effect, Layer, Schema } from "effect";
import { type Selectable, sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendGuarded, appendStandalone } from "./internal/EventLog.js";
import { reusable } from "./internal/Reusable.js";
import type { CommuneTable } from "./internal/Tables.js";

type CommuneRow = Pick<
  Selectable<CommuneTable>,
  "code" | "name" | "departement" | "region" | "population" | "latitude" | "longitude" | "under_obligation" | "reached" | "late_from"
>;

// `late_from` is read as text: PGlite returns `date` as a JS Date, pg as a string; text is the
// same calendar day on both, with no time zone to shift it.
const summaryColumns = [
  "code",
  "name",
  "departement",
  "region",
  "population",
  "latitude",
  "longitude",
  "under_obligation",
  "reached",
  sql<string | null>`late_from::text`.as("late_from"),
] as const;

const toSummary = (row: CommuneRow): CommuneSummary => ({
  commune: Commune.Commune.make(
    {
      code: row.code as InseeCode.InseeCode,
      name: row.name,
      departement: row.departement as Commune.Commune["departement"],
      region: row.region,
      population: row.population,
      ...(row.latitude === null || row.longitude === null ? {} : { coordinates: { latitude: row.latitude, longitude: row.longitude } }),
    },
    { disableChecks: true },
  ),
  underObligation: row.under_obligation,
  reached: row.reached as ReadonlyArray<Onboarding.Milestone>,
  lateFrom: row.late_from ?? undefined,
});

const decodeState = Schema.decodeUnknownSync(Onboarding.State);

/** Each milestone's bit in the map's columns: the i-th of the guide's order, bit i. */
const milestoneBits = new Map(Onboarding.Milestone.literals.map((milestone, index) => [milestone as string, 1 << index]));
const encodeEvent = Schema.encodeSync(Onboarding.Event);

/** The commune directory on the database. */
export const communeDirectoryLayer = Layer.effect(
  CommuneDirectory,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const summaryOf = reusable(db, (code: string) => db.selectFrom("commune").select(summaryColumns).where("code", "=", code).where("removed_at", "is", null));
    const find = (code: InseeCode.InseeCode) =>
      Effect.flatMap(
        Effect.promise(() => summaryOf(code)),
        ([row]) => (row === undefined ? Effect.fail(new CommuneNotFound({ commune: code })) : Effect.succeed(toSummary(row))),
      );

    const search = (query: CommuneQuery) =>
      Effect.promise(async () => {
        let builder = db.selectFrom("commune").select(summaryColumns).where("removed_at", "is", null);
        if (query.name !== undefined && query.name.length > 0) {
          const folded = Commune.foldName(query.name);
          builder = builder.where((where) => where.or([where("search_name", "like", `${folded}%`), where("search_name", "like", `% ${folded}%`)]));
        }
        if (query.code !== undefined) builder = builder.where("code", "=", query.code);
        if (query.departement !== undefined) builder = builder.where("departement", "=", query.departement);
        if (query.region !== undefined) builder = builder.where("region", "=", query.region);
        if (query.reached !== undefined) builder = builder.where(sql<boolean>`reached @> ARRAY[${query.reached}]::text[]`);
        if (query.notReached !== undefined) builder = builder.where(sql<boolean>`NOT (reached @> ARRAY[${query.notReached}]::text[])`);
        if (query.underObligation !== undefined) builder = builder.where("under_obligation", "=", query.underObligation);
        if (query.late !== undefined) {
          const on = query.late.on;
          builder = query.late.value
            ? builder.where(sql<boolean>`late_from <= ${on}::date`)
            : builder.where(sql<boolean>`(late_from IS NULL OR late_from > ${on}::date)`);
        }
        if (query.after !== undefined) builder = builder.where("code", ">", query.after);
        const rows = await builder.orderBy("code").limit(query.limit).execute();
        return rows.map((row) => toSummary(row));
      });

    const importReference = (communes: ReadonlyArray<Commune.Commune>, actor: Actor.Actor) =>
      Effect.promise(() =>
        db.transaction().execute(async (trx) => {
          // Every commune row first, as a milestone write takes its own before the tallies (ADR 0023):
          // the tally rows a moved or removed commune takes are then never waited for crosswise.
          await sql`SELECT count(*) FROM (SELECT 1 FROM commune FOR UPDATE) AS locked`.execute(trx);
          const column = <K extends keyof Commune.Commune>(key: K) => communes.map((commune) => commune[key]);
          const result = await sql<{ added: number; renamed: number; updated: number; removed: number }>`
            WITH incoming AS (
              SELECT * FROM unnest(
                ${column("code")}::text[], ${column("name")}::text[], ${communes.map((commune) => Commune.foldName(commune.name))}::text[],
                ${column("departement")}::text[], ${column("region")}::text[], ${column("population")}::int[],
                ${communes.map((commune) => commune.coordinates?.latitude ?? null)}::float8[],
                ${communes.map((commune) => commune.coordinates?.longitude ?? null)}::float8[]
              ) AS t(code, name, search_name, departement, region, population, latitude, longitude)
            ),
            previous AS (SELECT code, name, removed_at FROM commune),
            upserted AS (
              INSERT INTO commune (code, name, search_name, departement, region, population, latitude, longitude)
              SELECT code, name, search_name, departement, region, population, latitude, longitude FROM incoming
              ON CONFLICT (code) DO UPDATE SET
                name = excluded.name, search_name = excluded.search_name, departement = excluded.departement, region = excluded.region,
                population = excluded.population, latitude = excluded.latitude, longitude = excluded.longitude, removed_at = NULL
              WHERE (commune.name, commune.departement, commune.region, commune.population, commune.latitude, commune.longitude, commune.removed_at)
                IS DISTINCT FROM (excluded.name, excluded.departement, excluded.region, excluded.population, excluded.latitude, excluded.longitude, NULL)
              RETURNING code
            ),
            removed AS (
              UPDATE commune SET removed_at = now()
              WHERE removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM incoming WHERE incoming.code = commune.code)
              RETURNING code
            )
            SELECT
              (SELECT count(*) FROM incoming LEFT JOIN previous USING (code) WHERE previous.code IS NULL OR previous.removed_at IS NOT NULL)::int AS added,
              (SELECT count(*) FROM incoming JOIN previous USING (code) WHERE previous.removed_at IS NULL AND previous.name <> incoming.name)::int AS renamed,
              (SELECT count(*) FROM upserted)::int AS updated,
              (SELECT count(*) FROM removed)::int AS removed
          `.execute(trx);
          const counts = result.rows[0] ?? { added: 0, renamed: 0, updated: 0, removed: 0 };
          const report = {
            total: communes.length,
            added: counts.added,
            renamed: counts.renamed,
            updated: counts.updated - counts.added,
            removed: counts.removed,
          };
          if (report.added + report.updated + report.removed > 0) {
            await appendStandalone(trx, "reference:communes", [{ type: "CommuneReferenceImported", payload: report }], actor, new Date());
          }
          return report;
        }),
      );

    // From the tallies the commune rows' triggers keep in each writer's transaction (migration
    // 0017, ADR 0023): a few hundred rows, not every commune. A group whose communes all moved
    // away keeps a row of zeros, which the sums leave out.
    const countsBy = (area: "departement" | "region", today: CalendarDate.CalendarDate) =>
      Effect.promise(async () => {
        const column = sql.ref(area);
        const [base, reached] = await Promise.all([
          sql<{ area: string; communes: number; under_obligation: number; connected: number; late: number }>`
            SELECT ${column} AS area, sum(communes)::int AS communes, sum(under_obligation)::int AS under_obligation,
                   sum(connected)::int AS connected, coalesce(sum(communes) FILTER (WHERE late_from <= ${today}::date), 0)::int AS late
            FROM commune_tally GROUP BY 1 HAVING sum(communes) > 0 ORDER BY 1`.execute(db),
          sql<{ area: string; milestone: string; count: number }>`
            SELECT ${column} AS area, milestone, sum(communes)::int AS count
            FROM commune_milestone_tally GROUP BY 1, 2 HAVING sum(communes) > 0 ORDER BY 1, 2`.execute(db),
        ]);
        const byArea = new Map<string, Record<string, number>>();
        for (const row of reached.rows) {
          const counts = byArea.get(row.area);
          if (counts === undefined) byArea.set(row.area, { [row.milestone]: row.count });
          else counts[row.milestone] = row.count;
        }
        return base.rows.map((row) => ({
          area: row.area,
          communes: row.communes,
          underObligation: row.under_obligation,
          connected: row.connected,
          late: row.late,
          reached: byArea.get(row.area) ?? {},
        }));
      });

    const known = (codes: ReadonlyArray<string>) =>
      Effect.promise(async () => {
        if (codes.length === 0) return new Set<string>();
        const rows = await sql<{ code: string }>`SELECT code FROM commune WHERE code = ANY (${[...new Set(codes)]}::text[])`.execute(db);
        return new Set(rows.rows.map((row) => row.code));
      });

    const inDepartement = (scope: { readonly departement?: string }) => (scope.departement === undefined ? sql`` : sql`AND departement = ${scope.departement}`);

    // The started communes by the day of their first milestone, from the tally (its trigger reads
    // that day from the stream's state: the first ten characters of its earliest instant, the UTC day).
    const starts = (scope: { readonly departement?: string }) =>
      Effect.promise(async () => {
        const rows = await sql<{ departement: string; started_on: string; communes: number; milestones: number }>`
          SELECT departement, started_on::text AS started_on, sum(communes)::int AS communes, sum(milestones)::int AS milestones
          FROM commune_tally WHERE started_on <> 'infinity' ${inDepartement(scope)}
          GROUP BY 1, 2 HAVING sum(communes) > 0`.execute(db);
        return rows.rows.map((row) => ({ departement: row.departement, startedOn: row.started_on, communes: row.communes, milestones: row.milestones }));
      });

    // Through their partial index: the obligation's communes are about a thousand.
    const obligedNotConnected = (scope: { readonly departement?: string }) =>
      Effect.promise(async () => {
        const rows = await sql<{ code: string; name: string; departement: string; reached: Array<string> }>`
          SELECT code, name, departement, reached FROM commune
          WHERE under_obligation AND removed_at IS NULL AND NOT ('connected' = ANY (reached)) ${inDepartement(scope)}
          ORDER BY code`.execute(db);
        return rows.rows.map((row) => ({
          code: row.code as InseeCode.InseeCode,
          name: row.name,
          departement: row.departement,
          underObligation: true,
          reached: row.reached as ReadonlyArray<Onboarding.Milestone>,
        }));
      });

    const scoped = (scope: DashboardScope) =>
      sql`${scope.departement === undefined ? sql`` : sql`AND departement = ${scope.departement}`} ${scope.code === undefined ? sql`` : sql`AND code = ${scope.code}`}`;

    // One row of a few long strings rather than 35,000 rows: the driver builds no object per
    // commune, and the page's map asks for all of them at once. Coordinates to four decimals
    // (about ten metres) are enough for a map. The milestones' bits are set here rather than in
    // SQL: a subquery per commune costs more on PGlite than the split.
    const mapColumns = (scope: DashboardScope, today: CalendarDate.CalendarDate) =>
      Effect.promise(async () => {
        const rows = await sql<{
          codes: string | null;
          names: string | null;
          departements: string | null;
          regions: string | null;
          latitudes: string | null;
          longitudes: string | null;
          milestones: string | null;
          obliged: string | null;
          late: string | null;
        }>`
          SELECT string_agg(code, ',' ORDER BY code) AS codes,
                 string_agg(name, E'\n' ORDER BY code) AS names,
                 string_agg(departement, ',' ORDER BY code) AS departements,
                 string_agg(region, ',' ORDER BY code) AS regions,
                 string_agg(coalesce(round(latitude::numeric, 4)::text, ''), ',' ORDER BY code) AS latitudes,
                 string_agg(coalesce(round(longitude::numeric, 4)::text, ''), ',' ORDER BY code) AS longitudes,
                 string_agg(array_to_string(reached, ' '), ',' ORDER BY code) AS milestones,
                 string_agg(CASE WHEN under_obligation THEN '1' ELSE '0' END, '' ORDER BY code) AS obliged,
                 string_agg(CASE WHEN late_from <= ${today}::date THEN '1' ELSE '0' END, '' ORDER BY code) AS late
          FROM commune WHERE removed_at IS NULL ${scoped(scope)}`.execute(db);
        const row = rows.rows[0];
        if (row === undefined || row.codes === null) {
          return { codes: [], names: [], departements: [], regions: [], latitudes: [], longitudes: [], milestones: [], underObligation: [], late: [] };
        }
        const degrees = (text: string | null) => (text ?? "").split(",").map((value) => (value === "" ? undefined : Number(value)));
        return {
          codes: row.codes.split(","),
          names: (row.names ?? "").split("\n"),
          departements: (row.departements ?? "").split(","),
          regions: (row.regions ?? "").split(","),
          latitudes: degrees(row.latitudes),
          longitudes: degrees(row.longitudes),
          milestones: (row.milestones ?? "").split(",").map((reached) => {
            let bits = 0;
            if (reached !== "") for (const milestone of reached.split(" ")) bits |= milestoneBits.get(milestone) ?? 0;
            return bits;
          }),
          underObligation: [...(row.obliged ?? "")].map((flag) => flag === "1"),
          late: [...(row.late ?? "")].map((flag) => flag === "1"),
        };
      });

    // The milestones' days are read from the streams' states, where each record keeps its instant.
    const milestonesByMonth = (scope: DashboardScope) =>
      Effect.promise(async () => {
        const rows = await sql<{ month: string; departement: string; milestone: string; count: number }>`
          SELECT left(record.value->>'at', 7) AS month, departement, record.key AS milestone, count(*)::int AS count
          FROM commune, jsonb_each(onboarding_state->'milestones') AS record
          WHERE removed_at IS NULL AND onboarding_state IS NOT NULL ${scoped(scope)}
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(db);
        return rows.rows.map((row) => ({ ...row, milestone: row.milestone as Onboarding.Milestone }));
      });

    return CommuneDirectory.of({ find, search, importReference, countsBy, starts, obligedNotConnected, known, mapColumns, milestonesByMonth });
  }),
);

/** The onboarding streams, stored on the commune rows. */
export const onboardingStoreLayer = Layer.effect(
  OnboardingStore,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const stateOf = reusable(db, (code: string) =>
      db.selectFrom("commune").select(["onboarding_state", "onboarding_version"]).where("code", "=", code).where("removed_at", "is", null),
    );
    const load = (code: InseeCode.InseeCode) =>
      Effect.flatMap(
        Effect.promise(() => stateOf(code)),
        ([row]) =>
          row === undefined
            ? Effect.fail(new CommuneNotFound({ commune: code }))
            : Effect.succeed({
                state: row.onboarding_state === null ? Onboarding.initial(code) : decodeState(row.onboarding_state),
                version: row.onboarding_version,
              }),
      );

    const append = (change: {
      readonly expectedVersion: number;
      readonly state: Onboarding.State;
      readonly events: ReadonlyArray<Onboarding.Event>;
      readonly actor: Actor.Actor;
    }) => {
      const { expectedVersion, state, events, actor } = change;
      const stream = `onboarding:${state.commune}`;
      const write = sql`
        UPDATE commune SET onboarding_state = ${JSON.stringify(state)}::jsonb, onboarding_version = ${expectedVersion + events.length},
               under_obligation = ${state.underObligation}, reached = ${Onboarding.reached(state)}::text[], late_from = ${Onboarding.lateFrom(state) ?? null}::date
        WHERE code = ${state.commune} AND onboarding_version = ${expectedVersion} AND removed_at IS NULL
        RETURNING code`;
      const pending = events.map((event) => ({ type: event._tag, payload: encodeEvent(event) }));
      return Effect.as(appendGuarded(db, write, { stream, expectedVersion, events: pending, actor }), { state, version: expectedVersion + events.length });
    };

    const history = (code: InseeCode.InseeCode) =>
      Effect.promise(async () => {
        const rows = await db
          .selectFrom("event_log")
          .select(["stream_version", "recorded_at", "payload", "actor_id", "actor_role", "site"])
          .where("stream", "=", `onboarding:${code}`)
          .orderBy("stream_version")
          .execute();
        return rows.map((row) => ({
          version: row.stream_version,
          at: new Date(row.recorded_at).toISOString(),
          event: row.payload as Onboarding.Event,
          by: { id: row.actor_id, role: row.actor_role, site: row.site },
        }));
      });

    return OnboardingStore.of({ load, append, history });
  }),
);
