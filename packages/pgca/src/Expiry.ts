/**
 * The end of a card: once its first certificate has ended, a card in use (active, PIN-blocked or
 * suspended) can do nothing any more, and the daily job records it `expired` — the state the table
 * promised and nothing fired before. Its pending requests (a certificate renewal, an unblock, a
 * revocation) have nothing left to act on and are cancelled with it, in the same commit. The
 * platform acts on its own (`Access.platform`): nobody decides an end of validity. A card renewed
 * meanwhile has new certificates and is not ended; one another writer changed is left to the
 * next run, which finds it again.
 */
import { CardStore, type Request } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect, Result } from "effect";
import * as Writes from "./Writes.js";

/** The most cards one run expires; the next run takes the rest. */
export const batch = 1_000;

/** What a run did: the cards it expired and the requests it cancelled with them. */
export interface ExpiryReport {
  readonly expired: ReadonlyArray<string>;
  readonly cancelledRequests: ReadonlyArray<string>;
}

/** Expires the cards whose certificates ended before now, and cancels their pending requests. */
export const expireEnded = (limit: number = batch): Effect.Effect<ExpiryReport, never, CardStore> =>
  Effect.gen(function* () {
    const store = yield* CardStore;
    const now = yield* Writes.now;
    const actor = Access.platform;
    const ended = yield* store.ended(now.toISOString(), limit);
    const expired: Array<string> = [];
    const cancelledRequests: Array<string> = [];
    for (const view of ended) {
      const notAfter = view.state.certificates?.authentication.notAfter.slice(0, 10) ?? "?";
      const card = yield* Effect.result(Writes.card(view, { _tag: "Expire", reason: `certificats arrivés à échéance le ${notAfter}` }, actor));
      if (Result.isFailure(card)) continue;
      const pending = yield* store.requests({ holder: view.state.holder }, { status: "pending-validation", limit: 100 });
      const requests: Array<Writes.RequestWrite> = [];
      for (const request of pending.filter((entry) => entry.state.card === view.state.id)) {
        const cancel: Request.Command = { _tag: "Cancel", reason: "la carte a expiré : la demande n'a plus d'objet" };
        const write = yield* Effect.result(Writes.request(request, cancel, actor));
        if (Result.isSuccess(write)) requests.push(write.success);
      }
      const committed = yield* Effect.result(Writes.commit(actor, [card.success], requests));
      if (Result.isFailure(committed)) {
        yield* Effect.logWarning("a card changed while it expired: left to the next run", { card: view.state.id });
        continue;
      }
      expired.push(view.state.id);
      for (const request of requests) cancelledRequests.push(request.state.id);
    }
    return { expired, cancelledRequests } satisfies ExpiryReport;
  });
