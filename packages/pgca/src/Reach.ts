/**
 * How far a grant reaches among cards and requests, checked on the record a use case loaded: its
 * site lies within the grant's target (`Access.covers`), a holder acts on their own cards and
 * requests only, and a prefecture handles only a commune's first two cards. The API authorises on
 * its route; these checks are what make the record it names one the actor may act on.
 */
import { AgentStore, Agent } from "@comedec/agent";
import { type Card, CardStore, type Request } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import { HolderNotActive } from "./Platform.js";

/** A refusal on a site, for the grant's actor and permission. */
export const forbidden = (grant: Access.Grant<Access.Permission>, site: Agent.AgentSite, reason: string): Access.Forbidden =>
  new Access.Forbidden({ permission: grant.permission, role: grant.actor.role, site: Agent.siteKey(site), reason });

/** Checks that the grant reaches a card (or the draft of one being ordered). */
export const card = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, state: Card.State) {
  yield* Access.covers(grant, Access.siteTarget(state.site));
  const actor = grant.actor;
  if (actor.role === "agent" && state.holder !== actor.id) return yield* forbidden(grant, state.site, "a holder acts on their own cards only");
  if (actor.role === "prefecture-operator" && state.site._tag === "commune" && state.firstCard === undefined) {
    return yield* forbidden(grant, state.site, "a prefecture handles only a commune's first two cards; the commune's operators handle the others");
  }
});

/** Loads a card the grant reaches. */
export const loadCard = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, id: string) {
  const view = yield* (yield* CardStore).load(id);
  yield* card(grant, view.state);
  return view;
});

/** Checks that the grant reaches a request: its site, and a holder's own requests only. */
export const request = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, state: Request.State) {
  yield* Access.covers(grant, Access.siteTarget(state.site));
  if (grant.actor.role === "agent" && state.holder !== grant.actor.id) return yield* forbidden(grant, state.site, "a holder sees their own requests only");
});

/** Loads a request the grant reaches. */
export const loadRequest = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, id: string) {
  const view = yield* (yield* CardStore).loadRequest(id);
  yield* request(grant, view.state);
  return view;
});

/** The holder's record, if they are active in the directory. */
export const activeHolder = Effect.fnUntraced(function* (id: string) {
  const snapshot = yield* (yield* AgentStore).load(id);
  if (snapshot.state.status !== "active") return yield* new HolderNotActive({ holder: id, reason: `the agent is ${snapshot.state.status}` });
  return snapshot.state;
});

/** A card is never reached before its order: the draft an order checks the grant against. */
export const draft = (holder: string, site: Agent.AgentSite, firstCard?: Card.FirstCard): Card.State => ({
  id: "",
  holder,
  site,
  status: "ordered",
  lastReason: "",
  ...(firstCard === undefined ? {} : { firstCard }),
});
