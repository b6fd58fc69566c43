/**
 * Reading the directory: one record the grant reaches, and searches over a site, a département or,
 * without a filter, the grant's own target — narrowed to the actor's site for an own-site holder.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import { type AgentQuery, AgentStore } from "@comedec/agent";
import type { InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Records from "./Records.js";

/** The target a query names: what the façade authorises on. */
export const targetOf = (query: AgentQuery): Access.Target =>
  query.site !== undefined ? Access.siteTarget(query.site) : query.departement !== undefined ? Access.departementTarget(query.departement) : Access.nation;

/** A record the grant reaches. */
export const find = Effect.fn("Lookup.find")(function* (grant: Access.Grant<"agent.read">, id: string) {
  yield* Access.require(grant, "agent.read");
  return yield* Records.reached(grant, id);
});

/** Agents matching the query, within what the grant reaches. */
export const search = Effect.fn("Lookup.search")(function* (grant: Access.Grant<"agent.read">, query: AgentQuery) {
  yield* Access.require(grant, "agent.read");
  const store = yield* AgentStore;
  yield* Access.covers(grant, targetOf(query));
  if (query.site !== undefined || query.departement !== undefined) return yield* store.search(query);
  const target = grant.target;
  if (target._tag === "commune") return yield* store.search({ ...query, site: { _tag: "commune", commune: target.commune as InseeCode.InseeCode } });
  if (target._tag === "departement") return yield* store.search({ ...query, departement: target.departement });
  if (grant.reach === "everywhere") return yield* store.search(query);
  // Own-site holders listing without a filter see their own site only.
  const site = grant.actor.site;
  switch (site._tag) {
    case "commune":
      return yield* store.search({ ...query, site: { _tag: "commune", commune: site.commune as InseeCode.InseeCode } });
    case "prefecture":
      return yield* store.search({ ...query, departement: site.departement });
    default:
      return { items: [], next: undefined };
  }
});
