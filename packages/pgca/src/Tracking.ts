/**
 * Reading the platform: a card, a request, and listings of a site's holders and cards, requests
 * and cards about to expire. A listing covers the site its filter names, which the grant must
 * cover; without a filter, the grant's own target, narrowed to the actor's site for an own-site
 * holder and to their own cards for a holder.
 */
import type { Site } from "@comedec/actor";
import type { Agent } from "@comedec/agent";
import { CardStore, type Request } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import type { CardView, SiteFilter } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Writes from "./Writes.js";

/** The target a listing's filter names: what the façade authorises on. */
export const targetOf = (filter: SiteFilter): Access.Target =>
  "commune" in filter
    ? Access.communeTarget(filter.commune)
    : "prefecture" in filter
      ? Access.departementTarget(filter.prefecture)
      : "departement" in filter
        ? Access.departementTarget(filter.departement)
        : Access.nation;

/** What a listing reads in the store. */
export interface Scope {
  readonly site?: Agent.AgentSite;
  readonly departement?: string;
  readonly holder?: string;
}

const commune = (code: string): Agent.AgentSite => ({ _tag: "commune", commune: code as InseeCode.InseeCode });

/** The scope a listing reads: the filter's site, which the grant must cover, or the grant's own. */
export const scopeOf = Effect.fnUntraced(function* (grant: Access.Grant<"card.read">, filter: SiteFilter) {
  yield* Access.covers(grant, targetOf(filter));
  const actor = grant.actor;
  const holder = actor.role === "agent" ? { holder: actor.id } : {};
  if ("commune" in filter) return { site: commune(filter.commune), ...holder } satisfies Scope;
  if ("prefecture" in filter) return { site: { _tag: "prefecture", departement: filter.prefecture as Site.DepartementCode }, ...holder } satisfies Scope;
  if ("departement" in filter) return { departement: filter.departement, ...holder } satisfies Scope;
  const target = grant.target;
  if (target._tag === "commune") return { site: commune(target.commune), ...holder } satisfies Scope;
  if (target._tag === "departement") return { departement: target.departement, ...holder } satisfies Scope;
  if (grant.reach === "everywhere") return holder satisfies Scope;
  switch (actor.site._tag) {
    case "commune":
      return { site: commune(actor.site.commune), ...holder } satisfies Scope;
    case "prefecture":
      return { departement: actor.site.departement } satisfies Scope;
    default:
      return { holder: actor.id } satisfies Scope;
  }
});

/** A card the grant reaches. */
export const card = Effect.fn("Tracking.card")(function* (grant: Access.Grant<"card.read">, id: string) {
  yield* Access.require(grant, "card.read");
  return yield* Reach.loadCard(grant, id);
});

/** A request the grant reaches. */
export const request = Effect.fn("Tracking.request")(function* (grant: Access.Grant<"card.read">, id: string) {
  yield* Access.require(grant, "card.read");
  return yield* Reach.loadRequest(grant, id);
});

/** The holders of a site and their cards. */
export const holders = Effect.fn("Tracking.holders")(function* (grant: Access.Grant<"card.read">, filter: SiteFilter) {
  yield* Access.require(grant, "card.read");
  const views = yield* (yield* CardStore).cards(yield* scopeOf(grant, filter), { limit: 5_000 });
  const byHolder = new Map<string, Array<CardView>>();
  for (const view of views) byHolder.set(view.state.holder, [...(byHolder.get(view.state.holder) ?? []), view]);
  return [...byHolder].map(([holder, held]) => ({ holder, cards: held }));
});

/** A site's requests, of a status when given. */
export const requests = Effect.fn("Tracking.requests")(function* (grant: Access.Grant<"card.read">, filter: SiteFilter, status?: Request.Status) {
  yield* Access.require(grant, "card.read");
  const scope = yield* scopeOf(grant, filter);
  return yield* (yield* CardStore).requests(scope, { ...(status === undefined ? {} : { status }), limit: 5_000 });
});

/** A site's cards in force whose certificates end within `days` days. */
export const expiring = Effect.fn("Tracking.expiring")(function* (grant: Access.Grant<"card.read">, filter: SiteFilter, days: number) {
  yield* Access.require(grant, "card.read");
  const scope = yield* scopeOf(grant, filter);
  const before = new Date((yield* Writes.now).getTime() + days * 86_400_000).toISOString();
  return yield* (yield* CardStore).expiring(scope, before, 5_000);
});
