/**
 * The console offers a card's hand-over only where the platform takes it (ADR 0018): a site's
 * operators hand over their site's cards; ANTS hands over at its own desk only — a card of the
 * national site, by an administrator signed in with their card or by the bootstrap session — and
 * never a commune's or a prefecture's card from afar.
 */
import { Actor } from "@comedec/actor";
import type { Card } from "@comedec/card";
import { describe, expect, it } from "vitest";
import { offers } from "../src/screens/CardAtDesk.js";

const received = (site: Card.State["site"]) => ({ id: "card-1", holder: "agent-1", site, status: "received" }) as unknown as Card.State;
const commune = received({ _tag: "commune", commune: "69123" } as Card.State["site"]);
const national = received({ _tag: "national" } as Card.State["site"]);

const administrator = Actor.Actor.make({ id: "agent-ants-1", name: "Camille Roux", role: "national-administrator", site: { _tag: "national" } });
const bootstrap = Actor.Actor.make({
  id: Actor.bootstrapAdministratorId,
  name: "Administrateur",
  role: "national-administrator",
  site: { _tag: "national" },
  credential: "bootstrap-token",
});
const mairie = Actor.Actor.make({ id: "agent-lyon-1", name: "Claire Martin", role: "commune-operator", site: { _tag: "commune", commune: "69123" as never } });

describe("where a hand-over is offered", () => {
  it("offers a commune's card to its mairie, never to ANTS, with a card or a token", () => {
    expect(offers.handOverHere({ kind: "card", actor: mairie }, commune)).toBe(true);
    expect(offers.handOverHere({ kind: "card", actor: administrator }, commune)).toBe(false);
    expect(offers.handOverHere({ kind: "bootstrap", actor: bootstrap }, commune)).toBe(false);
  });

  it("offers a national card to an administrator signed in with a card, or to the bootstrap session, not to another token", () => {
    expect(offers.handOverHere({ kind: "card", actor: administrator }, national)).toBe(true);
    expect(offers.handOverHere({ kind: "bootstrap", actor: bootstrap }, national)).toBe(true);
    expect(offers.handOverHere({ kind: "bootstrap", actor: administrator }, national)).toBe(false);
  });
});
