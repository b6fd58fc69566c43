/**
 * Automatic renewal requests: some days before a card's certificates end, the platform files a
 * certificate-renewal request for it, which an operator of the site validates in PGCA (the
 * "demandes automatiques"). One request per card: a card with a renewal request still pending is
 * left alone, so the job can run as often as wanted.
 */
import { Actor, type Change } from "@comedec/actor";
import { CardNotifications, CardStore, Request } from "@comedec/card";
import { CalendarDate } from "@comedec/commune";
import { Clock, Effect, Result } from "effect";

/** How long before the end of a card's certificates its renewal is requested. */
export const daysBefore = 60;

/** The platform, filing the automatic requests. */
export const platform = Actor.Actor.make({ id: "system", name: "Plateforme COMEDEC", role: "national-administrator", site: { _tag: "national" } });

/** Files the renewal requests due; the ids of the cards a request was filed for. */
export const requestDue = (days: number = daysBefore): Effect.Effect<ReadonlyArray<string>, Change.ConcurrentModification, CardStore | CardNotifications> =>
  Effect.gen(function* () {
    const store = yield* CardStore;
    const now = new Date(yield* Clock.currentTimeMillis);
    const today = CalendarDate.ofInstant(now);
    const before = new Date(now.getTime() + days * 86_400_000).toISOString();
    const due = yield* store.expiring({}, before, 5_000);
    const filed: Array<string> = [];
    for (const card of due) {
      const open = yield* store.requests({ holder: card.state.holder }, { status: "pending-validation", limit: 50 });
      if (open.some((request) => request.state.card === card.state.id && request.state.kind === "certificate-renewal")) continue;
      const notAfter = card.state.certificates?.authentication.notAfter.slice(0, 10) ?? "?";
      const decided = Request.decide(
        undefined,
        {
          _tag: "Submit",
          id: globalThis.crypto.randomUUID(),
          kind: "certificate-renewal",
          origin: "automatic",
          holder: card.state.holder,
          site: card.state.site,
          card: card.state.id,
          reason: `Renouvellement automatique : les certificats expirent le ${notAfter}`,
        },
        { actor: platform, today },
      );
      if (Result.isFailure(decided)) continue;
      const events = decided.success;
      const state = events.reduce<Request.State | undefined>(Request.evolve, undefined) as Request.State;
      yield* store.commit({ cards: [], requests: [{ expectedVersion: 0, state, events }], actor: platform });
      yield* CardNotifications.use((notifications) =>
        notifications.send({
          site: card.state.site,
          kind: "request-waiting",
          subject: "COMEDEC — un renouvellement de certificats attend votre validation",
          body: `Demande automatique ${state.id} : les certificats de la carte ${card.state.serial ?? card.state.id} expirent le ${notAfter}.`,
          source: `renewal:${card.state.id}:${notAfter}`,
        }),
      );
      filed.push(card.state.id);
    }
    return filed;
  });
