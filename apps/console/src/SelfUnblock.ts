/**
 * A holder unblocks their own PIN-blocked card at a distance, without a session (ADR 0018): the
 * platform gives a binding for this walk with the agent's pairing and a ticket to read the cards
 * in the readers; the holder picks their locked card, answers their own secret questions, and the
 * platform answers a ticket with the PUK sealed for this agent, which sets the new PIN the holder
 * typed here. The PIN goes to the agent only; the binding lives in this page's memory only.
 */
import { Contract } from "@comedec/http-contract";
import * as Api from "./Api.js";
import * as CardAgent from "./CardAgent.js";
import type { Refusal } from "./Messages.js";

/** Refused at a step. */
type Refused = { readonly ok: false; readonly refusal: Refusal };

/** The walk as the page holds it once the agent read the cards. */
export interface Walk {
  readonly agentUrl: string;
  readonly binding: string;
  readonly pairing: string;
  readonly agentKey: string;
  readonly cards: ReadonlyArray<CardAgent.PresentCard>;
}

/** Starts the walk and reads the cards in this workstation's readers. */
export const start = async (agentUrl: string): Promise<{ readonly ok: true; readonly walk: Walk } | Refused> => {
  const started = await Api.call(Contract.SelfUnblock.start, { body: { origin: window.location.origin } });
  if (!started.ok) return started;
  const info = await CardAgent.pairingInfo(agentUrl, started.value.pairing);
  if (!info.ok) return info;
  const listed = await CardAgent.listCards(agentUrl, started.value.pairing, started.value.ticket);
  if (!listed.ok) return listed;
  return {
    ok: true,
    walk: {
      agentUrl,
      binding: started.value.binding,
      pairing: started.value.pairing,
      agentKey: info.value.sealingKey.publicKey,
      cards: listed.value.cards,
    },
  };
};

/** The holder's questions for the card chosen; the binding comes back narrowed to it. */
export const questionsFor = async (
  walk: Walk,
  serial: string,
): Promise<{ readonly ok: true; readonly walk: Walk; readonly questions: ReadonlyArray<string>; readonly asked: number } | Refused> => {
  const asked = await Api.call(Contract.SelfUnblock.questions, { body: { binding: walk.binding, serial } });
  if (!asked.ok) return asked;
  return { ok: true, walk: { ...walk, binding: asked.value.binding }, questions: asked.value.questions, asked: asked.value.asked };
};

/** The answers checked by the platform, then the new PIN set at the agent with the sealed PUK. */
export const unblock = async (
  walk: Walk,
  answers: ReadonlyArray<{ readonly question: number; readonly answer: string }>,
  newPin: string,
): Promise<{ readonly ok: true } | Refused> => {
  const issued = await Api.call(Contract.SelfUnblock.ticket, { body: { binding: walk.binding, answers, agentKey: walk.agentKey } });
  if (!issued.ok) return issued;
  const done = await CardAgent.unblock(walk.agentUrl, walk.pairing, issued.value.ticket, newPin);
  return done.ok ? { ok: true } : done;
};
