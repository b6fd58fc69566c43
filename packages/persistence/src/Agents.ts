/**
 * The agents directory on SQL. One row per agent: its state (with the personal data), the columns
 * searches filter on, and a per-agent salt. The event log never holds personal data: each event
 * keeps what the retention rules need (who did what, when, on which site, how the identity was
 * checked) and an HMAC of the personal data under the agent's salt — evidence of what was recorded
 * while the record lives, and nothing recoverable once deletion has erased row data and salt.
 */
import { type Actor, Change } from "@comedec/actor";
import { Agent, type AgentChange, type AgentQuery, AgentNotFound, AgentStore, DuplicatePerson, Identity } from "@comedec/agent";
import { Commune } from "@comedec/commune";
import { Effect, Layer, Schema } from "effect";
import { sql } from "kysely";
import { createHmac, randomBytes } from "node:crypto";
import { Database } from "./internal/Database.js";
import { reusable } from "./internal/Reusable.js";
import { appendArgument, appendGuarded, canonicalJson, type PendingEvent } from "./internal/EventLog.js";
import { revokeHolder } from "./internal/Revocations.js";
import { closeHolderSessions } from "./Sessions.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decodeState = Schema.decodeUnknownSync(Agent.State);
const encodeEvent = Schema.encodeSync(Agent.Event);

/** The columns derived from a state. */
const columns = (state: Agent.State) => ({
  site_key: Agent.siteKey(state.site),
  // None for the national site, which lies in no département.
  departement: Agent.departementOf(state.site) ?? null,
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
          ...(event.registeredBy === undefined ? {} : { registeredBy: event.registeredBy }),
        },
      };
    }
    case "AgentModified": {
      const { identity, document, profile, rights } = event;
      return {
        type: event._tag,
        payload: {
          changed: Object.keys(encoded).filter((key) => key !== "_tag" && key !== "checkedBy"),
          ...(profile === undefined ? {} : { profile }),
          ...(rights === undefined ? {} : { rights }),
          ...(document === undefined ? {} : { document: { type: document.type, expiresOn: document.expiresOn, check: document.check } }),
          ...(identity === undefined && document === undefined ? {} : { personalDigest: seal({ identity, document }) }),
          ...(event.checkedBy === undefined ? {} : { checkedBy: event.checkedBy }),
        },
      };
    }
    case "AgentContactChanged":
      return { type: event._tag, payload: { personalDigest: seal(event.contact) } };
    case "AgentReactivated": {
      const { document } = event;
      return {
        type: event._tag,
        payload: {
          reason: event.reason,
          on: event.on,
          ...(document === undefined
            ? {}
            : { document: { type: document.type, expiresOn: document.expiresOn, check: document.check }, personalDigest: seal({ document }) }),
          ...(event.checkedBy === undefined ? {} : { checkedBy: event.checkedBy }),
        },
      };
    }
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

    const rowOf = reusable(db, (id: string) => db.selectFrom("agent").select(["state", "version"]).where("id", "=", id));
    const load = (id: string) =>
      uuidPattern.test(id)
        ? Effect.flatMap(
            Effect.promise(() => rowOf(id)),
            ([row]) =>
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
      // A holder leaving (deactivated or deleted) loses their sessions in the same commit.
      const leaving = events.some((event) => event._tag === "AgentDeactivated" || event._tag === "AgentDeleted");
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
        const stream = `agent:${state.id}`;
        if (!leaving || expectedVersion === 0) {
          yield* appendGuarded(db, write, { stream, expectedVersion, events: pending, actor });
          return { state, version };
        }
        // A deletion and the revocation of the agent's certificates commit together (cessation of
        // operation); a deactivation or a deletion and the end of the agent's sessions too.
        const now = new Date();
        const argument = appendArgument(stream, expectedVersion + 1, pending, actor, now);
        const applied = yield* Effect.promise(() =>
          db.transaction().execute(async (trx) => {
            const result =
              await sql`WITH changed AS (${write}) SELECT append_events(${stream}, ${expectedVersion + 1}, ${argument}::jsonb) FROM changed`.execute(trx);
            if (result.rows.length === 0) return false;
            if (deleting) await revokeHolder(trx, state.id, "cessationOfOperation", now);
            await closeHolderSessions(trx, state.id, deleting ? "holder-deleted" : "holder-deactivated", actor, now);
            return true;
          }),
        );
        if (!applied) return yield* new Change.ConcurrentModification({ stream, expectedVersion });
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
            const payload = JSON.stringify(rows.map(({ stream: _, argument: __, ...row }) => row));
            const batch = `[${rows.map((row) => `{"stream":${JSON.stringify(row.stream)},"firstVersion":1,"events":${row.argument}}`).join(",")}]`;
            await sql`
              INSERT INTO agent (id, site_key, departement, status, profile, person_key, sort_name, search_name, version, state, salt)
              SELECT id::uuid, site_key, departement, status, profile, person_key, sort_name, search_name, version, state::jsonb, decode(salt, 'hex')
              FROM jsonb_to_recordset(${payload}::jsonb) AS r(id text, site_key text, departement text, status text, profile text, person_key text,
                                                             sort_name text, search_name text, version int, state text, salt text)`.execute(trx);
            await sql`SELECT append_event_batch(${batch}::jsonb)`.execute(trx);
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

    const afterCursor = (cursor: string | undefined) =>
      cursor === undefined ? undefined : (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string]);
    const cursorOf = (sortName: string, id: string) => Buffer.from(JSON.stringify([sortName, id])).toString("base64url");
    const statusFilter = (status: Agent.Status | undefined, column = "status") =>
      status === undefined ? sql<boolean>`${sql.ref(column)} <> 'deleted'` : sql<boolean>`${sql.ref(column)} = ${status}`;

    // Without a name: the agent table's own (site | département | name) indexes give the order.
    const searchByFilters = async (query: AgentQuery) => {
      let builder = db.selectFrom("agent").select(["id", "state", "version", "sort_name"]).where(statusFilter(query.status));
      if (query.site !== undefined) builder = builder.where("site_key", "=", Agent.siteKey(query.site));
      if (query.departement !== undefined) builder = builder.where("departement", "=", query.departement);
      if (query.profile !== undefined) builder = builder.where("profile", "=", query.profile);
      const after = afterCursor(query.after);
      if (after !== undefined) builder = builder.where(sql<boolean>`(sort_name, id) > (${after[0]}, ${after[1]}::uuid)`);
      return builder
        .orderBy("sort_name")
        .orderBy("id")
        .limit(query.limit + 1)
        .execute();
    };

    // With a name: the first word's prefix range on agent_name picks and orders the page (an
    // index-only scan); each other word must begin a word of the agent's folded names.
    const searchByName = async (query: AgentQuery, words: ReadonlyArray<string>) => {
      const [first, ...others] = words as [string, ...Array<string>];
      const conditions = [sql`n.word >= ${first}`, sql`n.word < ${`${first}\uffff`}`, statusFilter(query.status, "n.status")];
      if (query.site !== undefined) conditions.push(sql`n.site_key = ${Agent.siteKey(query.site)}`);
      if (query.departement !== undefined) conditions.push(sql`n.departement = ${query.departement}`);
      if (query.profile !== undefined) conditions.push(sql`n.profile = ${query.profile}`);
      const after = afterCursor(query.after);
      if (after !== undefined) conditions.push(sql`(n.sort_name, n.agent_id) > (${after[0]}, ${after[1]}::uuid)`);
      for (const word of others) {
        // Folded names hold only [a-z0-9 ], so a word needs no LIKE escaping.
        conditions.push(sql`(' ' || n.search_name) LIKE ${`% ${word}%`}`);
      }
      const result = await sql<{ id: string; state: unknown; version: number; sort_name: string }>`
        SELECT a.id, a.state, a.version, page.sort_name
        FROM (SELECT DISTINCT n.sort_name, n.agent_id FROM agent_name n WHERE ${sql.join(conditions, sql` AND `)}
              ORDER BY n.sort_name, n.agent_id LIMIT ${query.limit + 1}) AS page
        JOIN agent a ON a.id = page.agent_id
        ORDER BY page.sort_name, page.agent_id`.execute(db);
      return result.rows;
    };

    const search = (query: AgentQuery) =>
      Effect.promise(async () => {
        const words =
          query.name === undefined
            ? []
            : Commune.foldName(query.name)
                .split(" ")
                .filter((word) => word.length > 0);
        const rows = words.length === 0 ? await searchByFilters(query) : await searchByName(query, words);
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return {
          // Rows are written only by this adapter, from states `decide` produced: a listing reads
          // them as they are, where a write (`load`) decodes them again.
          items: page.map((row) => ({ state: row.state as Agent.State, version: row.version })),
          next: rows.length > query.limit && last !== undefined ? cursorOf(last.sort_name, last.id) : undefined,
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
