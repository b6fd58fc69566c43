/**
 * The card platform as the directory needs it (`AgentCards`): when a registration authority
 * deactivates an agent, every card of theirs still in the pipeline or in use is suspended; when it
 * deletes one, they are revoked (cessation of operation) and their certificates with them. The
 * platform fires these transitions itself, on behalf of the registrar.
 */
import { Actor } from "@comedec/actor";
import { AgentCards } from "@comedec/agent";
import { Card, CardStore, CertificateAuthority } from "@comedec/card";
import { CalendarDate } from "@comedec/commune";
import { Clock, Effect, Layer, Result } from "effect";

const live: ReadonlyArray<Card.Status> = ["ordered", "in-production", "shipped", "received", "active", "pin-blocked", "suspended"];

/** `AgentCards` on the card store and the PKI. */
export const layer = Layer.effect(
  AgentCards,
  Effect.gen(function* () {
    const store = yield* CardStore;
    const authority = yield* CertificateAuthority;

    /** Fires a command on every live card of an agent; cards it does not apply to are left as they are. */
    const fireOnAll = (agent: string, command: Card.Command, by: Actor.Actor) =>
      Effect.gen(function* () {
        // The platform acts, filed in the log under the registrar's site.
        const actor = Actor.platformAt(by.site);
        const now = new Date(yield* Clock.currentTimeMillis);
        const views = yield* store.cards({ holder: agent }, { status: live, limit: 100 });
        let changed = 0;
        for (const view of views) {
          const decision = Card.decide(view.state, command, { actor, today: CalendarDate.ofInstant(now) });
          if (Result.isFailure(decision)) continue;
          const state = decision.success.reduce<Card.State | undefined>(Card.evolve, view.state) as Card.State;
          // A concurrent change to the same card wins; the registrar can run the operation again.
          const written = yield* Effect.result(
            store.commit({ cards: [{ expectedVersion: view.version, state, events: decision.success }], requests: [], actor }),
          );
          if (Result.isFailure(written)) continue;
          changed += 1;
          if (command._tag === "Revoke" && view.state.certificates !== undefined) {
            yield* authority.revoke([view.state.certificates.authentication.serial, view.state.certificates.signature.serial], command.revocationReason, now);
          }
        }
        return changed;
      });

    return AgentCards.of({
      suspendAll: (agent, reason, by) => Effect.map(fireOnAll(agent, { _tag: "Suspend", reason }, by), (suspended) => ({ suspended })),
      revokeAll: (agent, reason, by) =>
        Effect.map(fireOnAll(agent, { _tag: "Revoke", revocationReason: "cessationOfOperation", reason }, by), (revoked) => ({ revoked })),
    });
  }),
);
