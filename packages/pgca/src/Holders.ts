/**
 * The card platform as the directory needs it (`AgentCards`): when a registration authority
 * deactivates an agent, every card of theirs still in the pipeline or in use is suspended, a
 * published card's certificates put on hold (`certificateHold`); when it reactivates one, their
 * suspended cards resume and their certificates leave the hold; when it deletes one, they are
 * revoked (cessation of operation) and their certificates with them. Each card commits with its
 * certificates' change in the register (the agent store already revoked the certificates with
 * the deletion), and the CRL is published after. A card changed meanwhile is reloaded and decided
 * again rather than skipped. The platform fires these transitions itself, on behalf of the registrar.
 */
import { Actor } from "@comedec/actor";
import { AgentCards, AgentStore } from "@comedec/agent";
import { Card, CardStore, CertificateAuthority, type CertificateRelease, type CertificateRevocation, type Versioned } from "@comedec/card";
import { CalendarDate } from "@comedec/commune";
import { Clock, Effect, Layer, Result } from "effect";
import * as CrashPoints from "./CrashPoints.js";
import * as OperatorCards from "./OperatorCards.js";

const live: ReadonlyArray<Card.Status> = ["ordered", "in-production", "shipped", "received", "active", "pin-blocked", "suspended"];

/** `AgentCards` on the card store and the PKI. */
export const layer = Layer.effect(
  AgentCards,
  Effect.gen(function* () {
    const store = yield* CardStore;
    const authority = yield* CertificateAuthority;
    const agents = yield* AgentStore;

    /**
     * What a command does to a card's certificates in the register: a revocation revokes them, a
     * suspension of a card in force holds them, a resumption back into force releases them.
     */
    const registerChange = (card: Card.State, resumed: Card.State, command: Card.Command, now: Date) => {
      const certificates = card.certificates;
      if (certificates === undefined) return {};
      const serials = [certificates.authentication.serial, certificates.signature.serial];
      if (command._tag === "Revoke") return { revocation: { serials, reason: command.revocationReason, at: now } satisfies CertificateRevocation };
      if (command._tag === "Suspend" && Card.inForce(card))
        return { revocation: { serials, reason: "certificateHold", at: now } satisfies CertificateRevocation };
      if (command._tag === "Resume" && Card.inForce(resumed)) return { release: { serials, at: now } satisfies CertificateRelease };
      return {};
    };

    /**
     * Fires a command on one card, reloaded and decided again when another writer changed it in
     * between (a few times: a card that keeps moving is left to the registrar's next try). The
     * card's certificates change in the register in the same commit. Gives that change, if any.
     */
    const fireOn = (view: Versioned<Card.State>, command: Card.Command, actor: Actor.Actor, now: Date) =>
      Effect.gen(function* () {
        const unchanged = { changed: false, revocation: undefined, release: undefined };
        let current = view;
        for (let attempt = 0; ; attempt++) {
          const decision = Card.decide(current.state, command, { actor, today: CalendarDate.ofInstant(now) });
          if (Result.isFailure(decision)) return unchanged;
          const state = decision.success.reduce<Card.State | undefined>(Card.evolve, current.state) as Card.State;
          const { revocation, release } = registerChange(current.state, state, command, now);
          const written = yield* Effect.result(
            store.commit({
              cards: [{ expectedVersion: current.version, state, events: decision.success }],
              requests: [],
              actor,
              ...(revocation === undefined ? {} : { revocations: [revocation] }),
              ...(release === undefined ? {} : { releases: [release] }),
            }),
          );
          if (Result.isSuccess(written)) return { changed: true, revocation, release };
          if (attempt >= 2) {
            yield* Effect.logWarning("a card of the agent kept changing: left as it is", { card: current.state.id, command: command._tag });
            return unchanged;
          }
          const reloaded = yield* Effect.option(store.load(current.state.id));
          if (reloaded._tag === "None") return unchanged;
          current = reloaded.value;
        }
      });

    /** Fires a command on every live card of an agent; cards it does not apply to are left as they are. */
    const fireOnAll = (agent: string, command: Card.Command, by: Actor.Actor) =>
      Effect.gen(function* () {
        // The platform acts, filed in the log under the registrar's site.
        const actor = Actor.platformAt(by.site);
        const now = new Date(yield* Clock.currentTimeMillis);
        const views = yield* store.cards({ holder: agent }, { status: live, limit: 100 });
        let changed = 0;
        const revocations: Array<CertificateRevocation> = [];
        const releases: Array<CertificateRelease> = [];
        for (const view of views) {
          const fired = yield* fireOn(view, command, actor, now);
          if (fired.changed) changed += 1;
          if (fired.revocation !== undefined) revocations.push(fired.revocation);
          if (fired.release !== undefined) releases.push(fired.release);
        }
        // Recorded with each card (and, for a deleted agent, with the deletion itself): published now, in one CRL.
        if (revocations.length > 0 || releases.length > 0) yield* CrashPoints.reach("after-card-commit");
        const [first] = revocations;
        if (first !== undefined)
          yield* authority.revoke(
            revocations.flatMap((revocation) => revocation.serials),
            first.reason,
            now,
          );
        if (releases.length > 0)
          yield* authority.release(
            releases.flatMap((release) => release.serials),
            now,
          );
        return changed;
      });

    return AgentCards.of({
      suspendAll: (agent, reason, by) => Effect.map(fireOnAll(agent, { _tag: "Suspend", reason }, by), (suspended) => ({ suspended })),
      resumeAll: (agent, reason, by) => Effect.map(fireOnAll(agent, { _tag: "Resume", reason }, by), (resumed) => ({ resumed })),
      revokeAll: (agent, reason, by) =>
        Effect.map(fireOnAll(agent, { _tag: "Revoke", revocationReason: "cessationOfOperation", reason }, by), (revoked) => ({ revoked })),
      operatorCards: (agent) =>
        Effect.gen(function* () {
          const holder = yield* Effect.option(agents.load(agent));
          const views = yield* store.cards({ holder: agent }, { status: live, limit: 100 });
          const rights = holder._tag === "Some" ? holder.value.state : undefined;
          return views.filter((view) => OperatorCards.isOperatorCard(view.state, rights)).map((view) => view.state.id);
        }),
    });
  }),
);
