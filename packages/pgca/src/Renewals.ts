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
export const platform: Actor.Actor = Actor.platform;

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

/** How many days before its certificates end a card's site is warned, again nearer the end. */
export const warningDays: ReadonlyArray<number> = [30, 7];

/**
 * Warns each card's site that its certificates end soon: once per card and threshold, at 30 days
 * and again at 7 (a card renewed meanwhile is no longer expiring, and is left alone). Returns how
 * many cards are due a warning (one already made is not made again).
 */
export const warnExpiring = (thresholds: ReadonlyArray<number> = warningDays): Effect.Effect<number, never, CardStore | CardNotifications> =>
  Effect.gen(function* () {
    const store = yield* CardStore;
    const now = new Date(yield* Clock.currentTimeMillis);
    const due = new Set<string>();
    // Nearest threshold first: a card 5 days from its end is warned "7 days", not "30" as well.
    for (const days of [...thresholds].sort((a, b) => a - b)) {
      const expiring = yield* store.expiring({}, new Date(now.getTime() + days * 86_400_000).toISOString(), 5_000);
      for (const card of expiring) {
        if (due.has(card.state.id)) continue;
        due.add(card.state.id);
        const notAfter = card.state.certificates?.authentication.notAfter.slice(0, 10);
        if (notAfter === undefined) continue;
        const left = Math.max(0, Math.ceil((Date.parse(notAfter) - now.getTime()) / 86_400_000));
        yield* CardNotifications.use((notifications) =>
          notifications.send({
            site: card.state.site,
            // The holder, whose card it is, and the operators, who validate the renewal.
            recipients: { agents: [card.state.holder], operators: true },
            kind: "certificate-expiring",
            subject: `COMEDEC — les certificats de la carte ${card.state.serial ?? card.state.id} expirent le ${notAfter}`,
            body: [
              `Les certificats d'authentification et de signature de la carte ${card.state.serial ?? card.state.id} expirent le ${notAfter} (dans ${left} jour${left > 1 ? "s" : ""}).`,
              "Après cette date, la carte ne permet plus de s'authentifier ni de signer les réponses COMEDEC.",
              "Validez la demande de renouvellement automatique dans PGCA, ou renouvelez les certificats avec le porteur et sa carte.",
            ].join("\n"),
            // One per card, end date and threshold: a nearer threshold warns again, a rerun does not.
            source: `expiry:${card.state.id}:${notAfter}:${days}`,
          }),
        );
      }
    }
    return due.size;
  });
