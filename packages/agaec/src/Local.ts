/**
 * The directory's façade for one actor: the `AgentDirectory` port over the use cases. Each
 * operation authorises first (`Access.authorize`: on the site a registration or an import names,
 * on a search's site, and otherwise over the nation, which the actor's reach narrows), then calls
 * the use case with the grant; the use case checks the grant and that the record it loads lies
 * within it. The use cases are modules of their own (`Registration`, `Maintenance`, `Lookup`).
 */
import type { Actor } from "@comedec/actor";
import type { Agent, AgentCards, AgentStore } from "@comedec/agent";
import type { CommuneDirectory } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { AgentDirectory } from "./Directory.js";
import * as Lookup from "./Lookup.js";
import * as Maintenance from "./Maintenance.js";
import * as Registration from "./Registration.js";

/** How many agents of a commune its prefecture registers: the holders of the first two cards. */
export const prefectureRegistrationsPerCommune = Registration.prefectureRegistrationsPerCommune;

/** The permission target of a site. */
export const targetOf = (site: Agent.AgentSite): Access.Target => Access.siteTarget(site);

/** The services the directory runs on. */
export type Requirements = AgentStore | AgentCards | CommuneDirectory;

/** Builds the directory for one actor. */
export const make = (actor: Actor.Actor) =>
  Effect.map(Effect.context<Requirements>(), (context) => {
    // Authorise, then run the use case with the grant, on the services the directory was built on.
    const granted =
      <P extends Access.Permission, T extends Access.Target>(permission: P, target: T) =>
      <A, E>(use: (grant: Access.Grant<P, T["_tag"]>) => Effect.Effect<A, E, Requirements>): Effect.Effect<A, E | Access.Forbidden> =>
        Effect.provideContext(Effect.flatMap(Access.authorize(actor, permission, target), use), context);

    return AgentDirectory.of({
      register: (registration) => granted("agent.register", Access.siteTarget(registration.site))((grant) => Registration.register(grant, registration)),
      find: (id) => granted("agent.read", Access.nation)((grant) => Lookup.find(grant, id)),
      search: (query) => granted("agent.read", Lookup.targetOf(query))((grant) => Lookup.search(grant, query)),
      changeContact: (id, contact, expectedVersion) =>
        granted("agent.manage", Access.nation)((grant) => Maintenance.changeContact(grant, id, contact, expectedVersion)),
      modify: (id, changes, expectedVersion) => granted("agent.manage", Access.nation)((grant) => Maintenance.modify(grant, id, changes, expectedVersion)),
      deactivate: (id, reason, expectedVersion) =>
        granted("agent.manage", Access.nation)((grant) => Maintenance.deactivate(grant, id, reason, expectedVersion)),
      reactivate: (id, input, expectedVersion) => granted("agent.manage", Access.nation)((grant) => Maintenance.reactivate(grant, id, input, expectedVersion)),
      remove: (id, reason, expectedVersion) => granted("agent.manage", Access.nation)((grant) => Maintenance.remove(grant, id, reason, expectedVersion)),
      importCsv: (site, csv) => granted("agent.register", Access.siteTarget(site))((grant) => Registration.importCsv(grant, csv)),
    });
  });

/** The directory for one actor, on the ports of `@comedec/agent` and the commune directory. */
export const layer = (actor: Actor.Actor): Layer.Layer<AgentDirectory, never, Requirements> => Layer.effect(AgentDirectory, make(actor));

/** Runs one use case of the directory for an actor (what the API does per request). */
export const forActor = <A, E>(actor: Actor.Actor, use: (directory: typeof AgentDirectory.Service) => Effect.Effect<A, E>) => Effect.flatMap(make(actor), use);
