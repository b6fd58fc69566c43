/**
 * The agents directory on SQL. One row per agent: its state (with the personal data), the columns
 * searches filter on, and a per-agent salt. The event log never holds personal data: each event
 * keeps what the retention rules need (who did what, when, on which site, how the identity was
 * checked) and an HMAC of the personal data under the agent's salt — evidence of what was recorded
 * while the record lives, and nothing recoverable once deletion has erased row data and salt.
 */
import type { Actor } from "@comedec/actor";
import { Agent, type AgentChange, type AgentQuery, AgentNotFound, AgentStore, DuplicatePerson, Identity } from "@comedec/agent";
import { Commune } from "@comedec/commune";
import { Effect, Layer, Schema } from "effect";
import { sql } from "kysely";
import { createHmac, randomBytes } from "node:crypto";
import { Database } from "./internal/Database.js";
import { appendArgument, appendGuarded, canonicalJson, type PendingEvent } from "./internal/EventLog.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decodeState = Schema.decodeUnknownSync(Agent.State);
const encodeEvent = Schema.encodeSync(Agent.Event);

/** The columns derived from a state. */
const columns = (state: Agent.State) => ({
  site_key: Agent.siteKey(state.site),
  departement: Agent.departementOf(state.site),
  status: state.status,
  profile: state.profile?._tag ?? null,
  person_key: state.identity === undefined ? null : Identity.personKey(state.identity),
  // Sorted by used name, then birth name and given names, as a registrar reads a list.
  sort_name: state.identity === undefined ? "" : Identity.searchText(state.identity),
  search_name: state.identity === undefined ? "" : Identity.searchText(state.identity),
});

/** What the log keeps of an event: no personal data, an HMAC of it under the agent's salt. */
const forLog = (event: Agent.Event, salt: Buffer | null): PendingEvent => {
  const encoded = encodeEvent(event) as Record<string, unknown>;
  const seal = (personal: unknown) => (salt === null ? undefined : createHmac("sha256", salt).update(canonicalJson(personal)).digest("hex"));
  switch (event._tag) {
    case "AgentRegistered": {
      const { identity, document, contact, site, profile, rights } = event.registration;
      return {
        type: event._tag,
        payload: {
          id: event.id,
          site,
          profile,
          rights,
          document: { type: document.type, expiresOn: document.expiresOn, check: document.check },
          personalDigest: seal({ identity, document, contact }),
        },
      };
    }
    case "AgentModified": {
      const { identity, document, profile, rights } = event;
      return {
        type: event._tag,
        payload: {
          changed: Object.keys(encoded).filter((key) => key !== "_tag"),
          ...(profile === undefined ? {} : { profile }),
          ...(rights === undefined ? {} : { rights }),
          ...(document === undefined ? {} : { document: { type: document.type, expiresOn: document.expiresOn, check: document.check } }),
          ...(identity === undefined && document === undefined ? {} : { personalDigest: seal({ identity, document }) }),
        },
      };
    }
    case "AgentContactChanged":
      return { type: event._tag, payload: { personalDigest: seal(event.contact) } };
    default:
      return { type: event._tag, payload: encoded };
  }
};

const isUniqueViolation = (defect: unknown) =>
  typeof defect === "object" &&
  defect !== null &&
  (defect as { code?: unknown }).code === "23505" &&
  String((defect as { message?: unknown }).message).includes("agent_active_person");

/** The agent store on the database. */
export const agentStoreLayer = Layer.effect(
  AgentStore,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const load = (id: string) =>
      uuidPattern.test(id)
        ? Effect.flatMap(
            Effect.promise(() => db.selectFrom("agent").select(["state", "version"]).where("id", "=", id).executeTakeFirst()),
            (row) =>
              row === undefined ? Effect.fail(new AgentNotFound({ agent: id })) : Effect.succeed({ state: decodeState(row.state), version: row.version }),
          )
        : Effect.fail(new AgentNotFound({ agent: id }));

    const duplicateOf = (state: Agent.State) =>
      Effect.flatMap(
        Effect.promise(() =>
          db
            .selectFrom("agent")
            .select("id")
            .where("site_key", "=", Agent.siteKey(state.site))
            .where("person_key", "=", state.identity === undefined ? "" : Identity.personKey(state.identity))
            .where("status", "=", "active")
            .executeTakeFirst(),
        ),
        (row) => Effect.fail(new DuplicatePerson({ existing: row?.id ?? "unknown", site: Agent.siteKey(state.site) })),
      );

    const append = (change: AgentChange) => {
      const { expectedVersion, state, events, actor } = change;
      const version = expectedVersion + events.length;
      const derived = columns(state);
      const json = JSON.stringify(state);
      const deleting = state.status === "deleted";
      return Effect.gen(function* () {
        const salt =
          expectedVersion === 0
            ? randomBytes(32)
            : ((yield* Effect.promise(() => db.selectFrom("agent").select("salt").where("id", "=", state.id).executeTakeFirst()))?.salt ?? null);
        const write =
          expectedVersion === 0
            ? sql`INSERT INTO agent (id, site_key, departement, status, profile, person_key, sort_name, search_name, version, state, salt)
                  VALUES (${state.id}::uuid, ${derived.site_key}, ${derived.departement}, ${derived.status}, ${derived.profile}, ${derived.person_key},
                          ${derived.sort_name}, ${derived.search_name}, ${version}, ${json}::jsonb, ${salt})
                  ON CONFLICT (id) DO NOTHING RETURNING id`
            : sql`UPDATE agent SET status = ${derived.status}, profile = ${derived.profile}, person_key = ${derived.person_key},
                         sort_name = ${derived.sort_name}, search_name = ${derived.search_name}, version = ${version}, state = ${json}::jsonb,
                         salt = ${deleting ? null : salt}
                  WHERE id = ${state.id}::uuid AND version = ${expectedVersion} RETURNING id`;
        const pending = events.map((event) => forLog(event, salt));
        yield* appendGuarded(db, write, { stream: `agent:${state.id}`, expectedVersion, events: pending, actor });
        return { state, version };
      }).pipe(Effect.catchDefect((defect) => (isUniqueViolation(defect) ? duplicateOf(state) : Effect.die(defect))));
    };

    const appendAll = (changes: ReadonlyArray<AgentChange>) =>
      Effect.tryPromise({
        try: () =>
          db.transaction().execute(async (trx) => {
            const now = new Date();
            const rows = changes.map(({ state, events }) => {
              const salt = randomBytes(32);
              return {
                id: state.id,
                ...columns(state),
                version: events.length,
                state: JSON.stringify(state),
                salt: salt.toString("hex"),
                stream: `agent:${state.id}`,
                argument: appendArgument(
                  `agent:${state.id}`,
                  1,
                  events.map((event) => forLog(event, salt)),
                  changes[0]?.actor as Actor.Actor,
                  now,
                ),
              };
            });
            const payload = JSON.stringify(rows);
            await sql`
              INSERT INTO agent (id, site_key, departement, status, profile, person_key, sort_name, search_name, version, state, salt)
              SELECT id::uuid, site_key, departement, status, profile, person_key, sort_name, search_name, version, state::jsonb, decode(salt, 'hex')
              FROM jsonb_to_recordset(${payload}::jsonb) AS r(id text, site_key text, departement text, status text, profile text, person_key text,
                                                             sort_name text, search_name text, version int, state text, salt text)`.execute(trx);
            await sql`SELECT append_events(e.value->>'stream', 1, (e.value->>'argument')::jsonb)
                      FROM jsonb_array_elements(${payload}::jsonb) WITH ORDINALITY AS e(value, n) ORDER BY e.n`.execute(trx);
            return changes.length;
          }),
        catch: (error) => error,
      }).pipe(
        Effect.catch((error) =>
          isUniqueViolation(error)
            ? Effect.fail(new DuplicatePerson({ existing: "unknown", site: changes[0] === undefined ? "" : Agent.siteKey(changes[0].state.site) }))
            : Effect.die(error),
        ),
      );

    const search = (query: AgentQuery) =>
      Effect.promise(async () => {
        let builder = db.selectFrom("agent").select(["id", "state", "version", "sort_name"]);
        if (query.site !== undefined) builder = builder.where("site_key", "=", Agent.siteKey(query.site));
        if (query.departement !== undefined) builder = builder.where("departement", "=", query.departement);
        if (query.profile !== undefined) builder = builder.where("profile", "=", query.profile);
        builder = query.status === undefined ? builder.where("status", "<>", "deleted") : builder.where("status", "=", query.status);
        const words =
          query.name === undefined
            ? []
            : Commune.foldName(query.name)
                .split(/[ '-]+/)
                .filter((word) => word.length > 0);
        for (const word of words) {
          builder = builder.where("id", "in", (sub) =>
            sub.selectFrom("agent_name").select("agent_id").where("word", ">=", word).where("word", "<", `${word}\uffff`),
          );
        }
        if (query.after !== undefined) {
          const [name, id] = JSON.parse(Buffer.from(query.after, "base64url").toString("utf8")) as [string, string];
          builder = builder.where((where) => where.or([where("sort_name", ">", name), where.and([where("sort_name", "=", name), where("id", ">", id)])]));
        }
        const rows = await builder
          .orderBy("sort_name")
          .orderBy("id")
          .limit(query.limit + 1)
          .execute();
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return {
          items: page.map((row) => ({ state: decodeState(row.state), version: row.version })),
          next: rows.length > query.limit && last !== undefined ? Buffer.from(JSON.stringify([last.sort_name, last.id])).toString("base64url") : undefined,
        };
      });

    const activeAmong = (site: Agent.AgentSite, personKeys: ReadonlyArray<string>) =>
      Effect.promise(async () => {
        if (personKeys.length === 0) return new Map<string, string>();
        const rows = await db
          .selectFrom("agent")
          .select(["id", "person_key"])
          .where("site_key", "=", Agent.siteKey(site))
          .where("status", "=", "active")
          .where("person_key", "in", [...personKeys])
          .execute();
        return new Map(rows.map((row) => [row.person_key as string, row.id]));
      });

    const countAt = (site: Agent.AgentSite) =>
      Effect.promise(async () => {
        const row = await db
          .selectFrom("agent")
          .select((eb) => eb.fn.countAll<string>().as("count"))
          .where("site_key", "=", Agent.siteKey(site))
          .where("status", "<>", "deleted")
          .executeTakeFirstOrThrow();
        return Number(row.count);
      });

    return AgentStore.of({ load, append, appendAll, search, activeAmong, countAt });
  }),
);
