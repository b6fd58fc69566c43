/**
 * A holder unblocks their own PIN-blocked card at a distance (ADR 0018): they cannot sign in (the
 * card is locked), so the platform takes the card the agent read in the workstation's reader —
 * its serial — and authenticates the holder by the answers to secret questions **they set
 * themselves**: questions an operator set could be answered by that operator, who would then
 * unblock a card without its holder. The answers go through the holder's try counter (a wrong set
 * counted and audited, the questions locked after `Secrets.answerAttempts`); a match records the
 * unblock as the holder's, and gives the PUK to seal for the agent, where the holder types the
 * new PIN.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import { Actor, type Change } from "@comedec/actor";
import { type Agent, AgentStore } from "@comedec/agent";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import { type Card, CardSecrets, CardStore, KeyOperations, Secrets } from "@comedec/card";
import { Effect } from "effect";
import * as Fulfilment from "./Fulfilment.js";
import { roleOf } from "./Login.js";
import type { CardView } from "./Platform.js";
import * as SecretAnswers from "./SecretAnswers.js";
import * as Writes from "./Writes.js";

const refuse = (reason: string) => new KeyOperations.SelfUnblockRefused({ reason });

/** What the audit trail records as the reason of a holder's own unblock. */
export const unblockReason = "déblocage à distance par le titulaire, authentifié par les réponses à ses propres questions secrètes";

/** The holder, acting for themselves: the actor the log files their unblock under. */
const holderActor = (holder: Agent.State): Actor.Actor =>
  Actor.Actor.make({
    id: holder.id,
    name: [holder.identity?.givenNames[0], holder.identity?.usedName ?? holder.identity?.birthName].filter(Boolean).join(" ") || holder.id,
    role: roleOf(holder) ?? "agent",
    site: holder.site,
  });

/** The card in force bearing `serial`, its holder active, and the secret questions that holder set themselves. */
const eligible = Effect.fnUntraced(function* (serial: string) {
  const view = yield* (yield* CardStore).inForceBySerial(serial);
  if (view === undefined) return yield* refuse("no card in force bears this serial");
  const holder = yield* (yield* AgentStore).load(view.state.holder).pipe(Effect.mapError(() => refuse("the card's holder is not in the directory")));
  if (holder.state.status !== "active") return yield* refuse(`the card's holder is ${holder.state.status} in the directory`);
  const stored = yield* (yield* CardSecrets).questions(holder.state.id);
  if (stored === undefined) return yield* refuse("the holder has no secret questions: the card is unblocked at the desk");
  if (stored.setBy !== holder.state.id) {
    return yield* refuse(
      "the holder's secret questions were set by someone else, who could answer them: the holder sets their own from their card session, or the card is unblocked at the desk",
    );
  }
  return { view, holder: holder.state, questions: stored.questions, locked: stored.failures >= Secrets.answerAttempts };
});

/** The questions to ask the holder of the card bearing `serial` (never the answers), when they may unblock it themselves. */
export const questions = Effect.fn("SelfUnblocking.questions")(function* (serial: string) {
  const found = yield* eligible(serial);
  return { questions: found.questions, locked: found.locked };
});

/**
 * Authenticates the holder of the card bearing `serial` by their answers, then records the unblock
 * as theirs (the card's PIN block first, when the platform had not seen it: the agent read it),
 * fulfils their validated unblock request, and gives the PUK to seal for the agent at once.
 */
export const authorise = Effect.fn("SelfUnblocking.authorise")(function* (serial: string, answers: Secrets.GivenAnswers) {
  const { view, holder } = yield* eligible(serial);
  const actor = holderActor(holder);
  yield* SecretAnswers.check(holder.id, answers, actor);
  // The card locked itself at the agent; the platform may not have heard of it yet.
  const blocked =
    view.state.status === "active"
      ? yield* Writes.card(view, { _tag: "BlockPin", reason: "code PIN bloqué, constaté par le titulaire à l'agent de carte" }, actor)
      : undefined;
  const before: CardView = blocked === undefined ? view : Writes.viewOf(blocked);
  const unblocked = yield* Writes.card(before, { _tag: "Unblock", holderAuthentication: "secret-answers", reason: unblockReason }, actor);
  const write: Writes.CardWrite = {
    expectedVersion: view.version,
    state: unblocked.state,
    events: [...(blocked?.events ?? []), ...unblocked.events],
  };
  // A validated unblock request is the platform's to close: the holder does not decide requests.
  const fulfilled = yield* Fulfilment.ofValidated(view.state, "unblock", unblockReason, Actor.platformAt(holder.site));
  yield* Writes.commit(actor, [write], fulfilled);
  const puk = (yield* (yield* CardSecrets).puk(view.state.id)) ?? "";
  return { card: Writes.viewOf(write), serial, puk };
});
