/**
 * The directory's use cases on its ports, for one actor. Every operation checks the actor's
 * permission on the agent's site first (`Access.authorize`), then lets `Agent.decide` apply the
 * rules, then writes through `AgentStore` with the version it read. The registration authority of
 * a site is its commune operators (responsable carte, délégué), its prefecture for its own agents
 * and for a commune's first two agents, and ANTS.
 */
import { type Actor, Change } from "@comedec/actor";
import { Agent, AgentCards, type AgentChange, type AgentQuery, AgentStore, DuplicatePerson, Identity, UnknownPlaceOfBirth } from "@comedec/agent";
import { CalendarDate, CommuneDirectory } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Layer, Result } from "effect";
import { read } from "./Csv.js";
import { AgentDirectory, ImportRejected, type Modification, problems, type RowError } from "./Directory.js";

/** How many agents of a commune its prefecture registers: the holders of the first two cards. */
export const prefectureRegistrationsPerCommune = 2;

/** The permission target of a site. */
export const targetOf = (site: Agent.AgentSite): Access.Target => Access.siteTarget(site);

const today = Effect.map(Clock.currentTimeMillis, (millis) => CalendarDate.ofInstant(new Date(millis)));

const newId = () => globalThis.crypto.randomUUID();

const decided = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

/** Builds the directory for one actor. */
export const make = (actor: Actor.Actor) =>
  Effect.gen(function* () {
    const store = yield* AgentStore;
    const cards = yield* AgentCards;
    const communes = yield* CommuneDirectory;

    const checkPlacesOfBirth = (identities: ReadonlyArray<Identity.Identity>) =>
      Effect.gen(function* () {
        const codes = identities.flatMap((identity) => (identity.placeOfBirth._tag === "commune" ? [identity.placeOfBirth.commune] : []));
        const known = yield* communes.known(codes);
        return codes.filter((code) => !known.has(code));
      });

    const checkPrefectureQuota = (site: Agent.AgentSite, adding: number) =>
      Effect.gen(function* () {
        if (actor.role !== "prefecture-operator" || site._tag !== "commune") return;
        const existing = yield* store.countAt(site);
        if (existing + adding > prefectureRegistrationsPerCommune) {
          return yield* new Access.Forbidden({
            permission: "agent.register",
            role: actor.role,
            site: Agent.siteKey(site),
            reason: `a prefecture registers only a commune's first ${prefectureRegistrationsPerCommune} agents; the commune's registration authority registers the others`,
          });
        }
      });

    const register = (registration: Agent.Registration) =>
      Effect.gen(function* () {
        yield* Access.authorize(actor, "agent.register", targetOf(registration.site));
        yield* checkPrefectureQuota(registration.site, 1);
        const [unknown] = yield* checkPlacesOfBirth([registration.identity]);
        if (unknown !== undefined) return yield* new UnknownPlaceOfBirth({ commune: unknown });
        const events = yield* decided(Agent.decide(undefined, { _tag: "Register", id: newId(), registration }, { actor, today: yield* today }));
        const state = events.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
        const existing = (yield* store.activeAmong(registration.site, [Identity.personKey(registration.identity)])).values().next().value;
        if (existing !== undefined) return yield* new DuplicatePerson({ existing, site: Agent.siteKey(registration.site) });
        return yield* store.append({ expectedVersion: 0, state, events, actor });
      });

    /** Loads a record the actor may act on with `permission`. */
    const loadFor = (id: string, permission: "agent.read" | "agent.manage", expectedVersion?: number) =>
      Effect.gen(function* () {
        const snapshot = yield* store.load(id);
        yield* Access.authorize(actor, permission, targetOf(snapshot.state.site));
        if (expectedVersion !== undefined && expectedVersion !== snapshot.version) {
          return yield* new Change.ConcurrentModification({ stream: `agent:${id}`, expectedVersion });
        }
        return snapshot;
      });

    const run = (id: string, command: Agent.Command, expectedVersion?: number) =>
      Effect.gen(function* () {
        const snapshot = yield* loadFor(id, "agent.manage", expectedVersion);
        const events = yield* decided(Agent.decide(snapshot.state, command, { actor, today: yield* today }));
        const state = events.reduce<Agent.State | undefined>(Agent.evolve, snapshot.state) as Agent.State;
        return yield* store.append({ expectedVersion: snapshot.version, state, events, actor });
      });

    const modify = (id: string, changes: Modification, expectedVersion?: number) =>
      Effect.gen(function* () {
        if (changes.identity !== undefined) {
          const [unknown] = yield* checkPlacesOfBirth([changes.identity]);
          if (unknown !== undefined) return yield* new UnknownPlaceOfBirth({ commune: unknown });
        }
        return yield* run(id, { _tag: "Modify", ...changes }, expectedVersion);
      });

    const deactivate = (id: string, reason: string, expectedVersion?: number) =>
      Effect.gen(function* () {
        const saved = yield* run(id, { _tag: "Deactivate", reason }, expectedVersion);
        yield* cards.suspendAll(id, reason, actor);
        return saved;
      });

    const search = (query: AgentQuery) =>
      Effect.gen(function* () {
        if (query.site !== undefined) {
          yield* Access.authorize(actor, "agent.read", targetOf(query.site));
          return yield* store.search(query);
        }
        if (query.departement !== undefined) {
          yield* Access.authorize(actor, "agent.read", { _tag: "departement", departement: query.departement });
          return yield* store.search(query);
        }
        const grant = yield* Access.authorize(actor, "agent.read", Access.nation);
        if (grant.reach === "everywhere") return yield* store.search(query);
        // Own-site holders listing without a filter see their own site only.
        switch (actor.site._tag) {
          case "commune":
            return yield* store.search({ ...query, site: { _tag: "commune", commune: actor.site.commune as never } });
          case "prefecture":
            return yield* store.search({ ...query, departement: actor.site.departement });
          default:
            return { items: [], next: undefined };
        }
      });

    const importCsv = (site: Agent.AgentSite, csv: string) =>
      Effect.gen(function* () {
        yield* Access.authorize(actor, "agent.register", targetOf(site));
        const parsed = read(csv, site);
        if (Result.isFailure(parsed)) return yield* new ImportRejected({ rows: [parsed.failure] });
        yield* checkPrefectureQuota(site, parsed.success.length);
        const on = yield* today;
        const errors: Array<RowError> = [];
        const changes: Array<AgentChange> = [];
        const valid = parsed.success.flatMap((row) => (Result.isSuccess(row) ? [row.success] : []));
        const unknownPlaces = new Set(yield* checkPlacesOfBirth(valid.map((registration) => registration.identity)));
        const keys = valid.map((registration) => Identity.personKey(registration.identity));
        const active = yield* store.activeAmong(site, keys);
        const seen = new Map<string, number>();
        // One row: its error, or the change that registers it.
        const check = (registration: Agent.Registration, row: number): RowError | AgentChange => {
          const place = registration.identity.placeOfBirth;
          if (place._tag === "commune" && unknownPlaces.has(place.commune)) {
            return { row, code: problems.UnknownPlaceOfBirth.code, detail: `no commune ${place.commune} in the reference list` };
          }
          const key = Identity.personKey(registration.identity);
          const twin = seen.get(key);
          if (twin !== undefined) return { row, code: problems.DuplicatePerson.code, detail: `the same person as row ${twin}` };
          seen.set(key, row);
          const existing = active.get(key);
          if (existing !== undefined) return { row, code: problems.DuplicatePerson.code, detail: `already registered at this site as ${existing}` };
          const decision = Agent.decide(undefined, { _tag: "Register", id: newId(), registration }, { actor, today: on });
          if (Result.isFailure(decision)) return { row, code: problems[decision.failure._tag].code, detail: detailOf(decision.failure) };
          const state = decision.success.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
          return { expectedVersion: 0, state, events: decision.success, actor };
        };
        for (const [index, row] of parsed.success.entries()) {
          const outcome = Result.isFailure(row) ? row.failure : check(row.success, index + 1);
          if ("code" in outcome) errors.push(outcome);
          else changes.push(outcome);
        }
        if (errors.length > 0) return yield* new ImportRejected({ rows: errors });
        const written = yield* store.appendAll(changes);
        return { written, ids: changes.map((change) => change.state.id) };
      });

    return AgentDirectory.of({
      register,
      find: (id) => loadFor(id, "agent.read"),
      search,
      changeContact: (id, contact, expectedVersion) => run(id, { _tag: "ChangeContact", contact }, expectedVersion),
      modify,
      deactivate,
      remove: (id, reason, expectedVersion) => Effect.tap(run(id, { _tag: "Delete", reason }, expectedVersion), () => cards.revokeAll(id, reason, actor)),
      importCsv,
    });
  });

const detailOf = (error: Agent.AgentError): string =>
  "reason" in error ? error.reason : "field" in error ? `${error.field} differs from the identity document` : problems[error._tag].title;

/** The directory for one actor, on the ports of `@comedec/agent` and the commune directory. */
export const layer = (actor: Actor.Actor): Layer.Layer<AgentDirectory, never, AgentStore | AgentCards | CommuneDirectory> =>
  Layer.effect(AgentDirectory, make(actor));

/** Runs one use case of the directory for an actor (what the API does per request). */
export const forActor = <A, E>(actor: Actor.Actor, use: (directory: typeof AgentDirectory.Service) => Effect.Effect<A, E>) => Effect.flatMap(make(actor), use);
