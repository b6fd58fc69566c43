/**
 * The card's way to its site, ANTS's side: the manufacturer produces it (its serial and PUK known
 * from then on), it ships (with its activation code, except a commune's first two, whose codes go
 * when the connection is triggered), the site receives it. Triggering a commune's connection sends
 * the first two cards' codes and records the milestone.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import { Agent } from "@comedec/agent";
import { Card, CardManufacturer, CardSecrets, CardStore } from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import { CalendarDate, type InseeCode, type Onboarding } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as ActivationCodes from "./ActivationCodes.js";
import * as Hashing from "./Hashing.js";
import * as Milestones from "./Milestones.js";
import { FirstCardsMissing } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Writes from "./Writes.js";

/** Runs a plain transition (no secret, no card) on a card the grant reaches, and commits it. */
const transition = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, id: string, command: Card.Command) {
  const view = yield* Reach.loadCard(grant, id);
  const write = yield* Writes.card(view, command, grant.actor);
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});

/** ANTS: the manufacturer produces the card; its PUK is kept sealed. */
export const startProduction = Effect.fn("Production.startProduction")(function* (grant: Access.Grant<"card.produce">, id: string, reason: string) {
  yield* Access.require(grant, "card.produce");
  const view = yield* Reach.loadCard(grant, id);
  // Refuse an illegal transition before the manufacturer makes anything.
  yield* Writes.card(view, { _tag: "StartProduction", serial: "PENDING", reason }, grant.actor);
  const puk = Hashing.newPuk();
  const { serial } = yield* (yield* CardManufacturer).manufacture({ card: id, puk, label: `COMEDEC ${Agent.siteKey(view.state.site)}` });
  yield* (yield* CardSecrets).putPuk(id, puk);
  const write = yield* Writes.card(view, { _tag: "StartProduction", serial, reason }, grant.actor);
  yield* Writes.commit(grant.actor, [write]);
  return Writes.viewOf(write);
});

/** ANTS: the card leaves for its site, with its activation code unless it is one of a commune's first two. */
export const ship = Effect.fn("Production.ship")(function* (grant: Access.Grant<"card.produce">, id: string, reason: string) {
  yield* Access.require(grant, "card.produce");
  const view = yield* transition(grant, id, { _tag: "Ship", reason });
  if (view.state.firstCard === undefined) yield* ActivationCodes.issue(view.state, grant.actor);
  return view;
});

/** The site receives the card, with the serial read from it. */
export const receive = Effect.fn("Production.receive")(function* (grant: Access.Grant<"card.operate">, id: string, serial: string, reason: string) {
  yield* Access.require(grant, "card.operate");
  return yield* transition(grant, id, { _tag: "Receive", serial, reason });
});

/** ANTS, on the granted commune: card readers shipped, then the first two cards' activation codes sent; records the milestone. */
export const triggerConnection = Effect.fn("Production.triggerConnection")(function* (grant: Access.Grant<"card.produce", "commune">, reason: string) {
  const granted = yield* Access.require(grant, "card.produce", "commune");
  const commune = granted.target.commune;
  const site: Agent.AgentSite = { _tag: "commune", commune: commune as InseeCode.InseeCode };
  const firsts = (yield* (yield* CardStore).cards({ site }, { status: ["ordered", "in-production", "shipped", "received"], limit: 10 })).filter(
    (view) => view.state.firstCard !== undefined,
  );
  const missing = Card.FirstCard.literals.filter((kind) => !firsts.some((view) => view.state.firstCard === kind));
  if (missing.length > 0) return yield* new FirstCardsMissing({ commune, missing });
  const record = yield* Milestones.prepare(
    commune,
    {
      milestone: "connectionTriggered",
      reference: `PGCA ${CalendarDate.ofInstant(yield* Writes.now)}`,
      note: `Lecteurs de cartes expédiés, puis codes d'activation envoyés à la mairie. ${reason}`,
    },
    granted.actor,
  );
  yield* Effect.forEach(firsts, (view) => ActivationCodes.issue(view.state, granted.actor));
  yield* record;
  return { codesSent: firsts.length };
});
