/**
 * Conventions on SQL: one row per convention with its state and version; each append writes the
 * row and the events in one statement. ANTS's queue reads them in order of submission (`position`),
 * keyset-paged on it, with the commune's name and département from the directory.
 */
import type { Actor } from "@comedec/actor";
import { Convention, ConventionNotFound, ConventionStore, type QueueQuery } from "@comedec/convention";
import { Effect, Layer, Schema } from "effect";
import { sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendGuarded } from "./internal/EventLog.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decodeState = Schema.decodeUnknownSync(Convention.State);
const encodeEvent = Schema.encodeSync(Convention.Event);

/** The convention store on the database. */
export const conventionStoreLayer = Layer.effect(
  ConventionStore,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const load = (id: string) =>
      uuidPattern.test(id)
        ? Effect.flatMap(
            Effect.promise(() => db.selectFrom("convention").select(["state", "version"]).where("id", "=", id).executeTakeFirst()),
            (row) =>
              row === undefined
                ? Effect.fail(new ConventionNotFound({ convention: id }))
                : Effect.succeed({ state: decodeState(row.state), version: row.version }),
          )
        : Effect.fail(new ConventionNotFound({ convention: id }));

    const listByCommune = (commune: string) =>
      Effect.promise(async () => {
        const rows = await db.selectFrom("convention").select(["state", "version"]).where("commune", "=", commune).orderBy("id").execute();
        return rows.map((row) => ({ state: decodeState(row.state), version: row.version }));
      });

    const queue = (query: QueueQuery) =>
      Effect.promise(async () => {
        let select = db
          .selectFrom("convention")
          .innerJoin("commune", "commune.code", "convention.commune")
          .select(["convention.state", "convention.version", "convention.position", "convention.submitted_at", "commune.name"]);
        if (query.statuses !== undefined) select = select.where("convention.status", "in", [...query.statuses]);
        if (query.departement !== undefined) select = select.where("commune.departement", "=", query.departement);
        if (query.commune !== undefined) select = select.where("convention.commune", "=", query.commune);
        if (query.after !== undefined) select = select.where("convention.position", ">", query.after);
        // One more than asked: whether a next page exists, without counting.
        const rows = await select
          .orderBy("convention.position")
          .limit(query.limit + 1)
          .execute();
        const page = rows.slice(0, query.limit).map((row) => ({
          state: decodeState(row.state),
          version: row.version,
          position: Number(row.position),
          submittedAt: new Date(row.submitted_at).toISOString(),
          communeName: row.name,
        }));
        return { items: page, next: rows.length > query.limit ? page.at(-1)?.position : undefined };
      });

    const append = (change: {
      readonly expectedVersion: number;
      readonly state: Convention.State;
      readonly events: ReadonlyArray<Convention.Event>;
      readonly actor: Actor.Actor;
    }) => {
      const { expectedVersion, state, events, actor } = change;
      const stream = `convention:${state.id}`;
      const version = expectedVersion + events.length;
      const json = JSON.stringify(state);
      const write =
        expectedVersion === 0
          ? sql`INSERT INTO convention (id, commune, kind, status, version, state)
                VALUES (${state.id}::uuid, ${state.terms.commune}, ${state.terms.kind}, ${state.status}, ${version}, ${json}::jsonb)
                ON CONFLICT (id) DO NOTHING RETURNING id`
          : sql`UPDATE convention SET status = ${state.status}, version = ${version}, state = ${json}::jsonb
                WHERE id = ${state.id}::uuid AND version = ${expectedVersion} RETURNING id`;
      const pending = events.map((event) => ({ type: event._tag, payload: encodeEvent(event) }));
      return Effect.as(appendGuarded(db, write, { stream, expectedVersion, events: pending, actor }), { state, version });
    };

    return ConventionStore.of({ load, listByCommune, queue, append });
  }),
);
