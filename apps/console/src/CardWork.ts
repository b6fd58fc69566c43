/**
 * The card operations the platform drives through the card agent on this workstation (ADR 0016,
 * the contract's `AgentOperations`): the hand-over of a received card (the holder sets their
 * first PIN at the agent with the PUK sealed for it, the card makes both key pairs, the platform
 * certifies the CSRs the card signed, the agent writes the certificates back and the card proves
 * it holds their keys), the renewal of an active card's certificates, and the unblock of a
 * PIN-blocked card. The page relays the platform's tickets to the agent; the PINs go to the agent
 * only. Each step reports its progress; a step refused leaves the operation where the platform's
 * recovery (a resumption) takes it up again.
 */
import { Contract } from "@comedec/http-contract";
import * as CardAgent from "./CardAgent.js";
import type { Refusal } from "./Messages.js";
import type { Call } from "./Session.js";

/** Where an operation stands, for the person at the desk. */
export type Progress = (step: string) => void;

/** Done, or refused at a step. */
export type Result = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

/** Pairs the agent with the session and gives its sealing key (the platform seals the PUK for it). */
const paired = async (call: Call, agentUrl: string): Promise<{ readonly ok: true; readonly pairing: string; readonly agentKey: string } | Result> => {
  const pairing = await call(Contract.CardAgent.pairing, { body: { origin: window.location.origin } });
  if (!pairing.ok) return pairing;
  const info = await CardAgent.pairingInfo(agentUrl, pairing.value.pairing);
  if (!info.ok) return info;
  return { ok: true, pairing: pairing.value.pairing, agentKey: info.value.sealingKey.publicKey };
};

/** The key pairs made on the card, certified, written back and proved: the end shared by a hand-over and a renewal. */
const certifyAndConfirm = async (
  call: Call,
  agentUrl: string,
  pairing: string,
  card: string,
  prepareKeys: string,
  pin: string,
  endpoints: {
    readonly certify: typeof Contract.AgentOperations.handOverCertificates | typeof Contract.AgentOperations.renewalCertificates;
    readonly confirm: typeof Contract.AgentOperations.confirmHandOver | typeof Contract.AgentOperations.confirmRenewal;
  },
  progress: Progress,
): Promise<Result> => {
  progress("La carte génère ses deux paires de clés…");
  const keys = await CardAgent.prepareKeys(agentUrl, pairing, prepareKeys, pin);
  if (!keys.ok) return keys;
  progress("La plateforme certifie les clés de la carte…");
  const certified = await call(endpoints.certify as typeof Contract.AgentOperations.handOverCertificates, {
    params: { id: card },
    body: { csrs: { authentication: keys.value.authentication.csr, signature: keys.value.signature.csr } },
  });
  if (!certified.ok) return certified;
  progress("Les certificats sont écrits sur la carte…");
  const written = await CardAgent.writeCertificates(agentUrl, pairing, certified.value.tickets.writeCertificates, pin);
  if (!written.ok) return written;
  progress("La carte prouve qu'elle détient les clés certifiées…");
  const proof = await CardAgent.login(agentUrl, pairing, certified.value.tickets.proof, pin);
  if (!proof.ok) return proof;
  const confirmed = await call(endpoints.confirm as typeof Contract.AgentOperations.confirmHandOver, {
    params: { id: card },
    body: { proof: proof.value.signature, certificate: proof.value.certificate },
  });
  return confirmed.ok ? { ok: true } : confirmed;
};

/** What the hand-over desk checked and the holder typed. */
export interface HandOver {
  readonly card: string;
  readonly activationCode: string;
  readonly document: { readonly type: "carte-nationale-identite" | "passeport" | "titre-de-sejour"; readonly number: string };
  readonly place: "mairie" | "prefecture" | "ants";
  readonly reason: string;
  /** The first PIN, typed by the holder: it goes to the agent only. */
  readonly newPin: string;
  /** A hand-over whose code was used already: taken up again without it. */
  readonly resume: boolean;
}

/** Hands a received card over through the agent, to its publication. */
export const handOver = async (call: Call, agentUrl: string, input: HandOver, progress: Progress): Promise<Result> => {
  progress("Appairage avec l'agent de carte…");
  const agent = await paired(call, agentUrl);
  if (!("pairing" in agent)) return agent;
  progress(input.resume ? "Reprise de la remise…" : "Contrôle du code d'activation et de la pièce d'identité…");
  const started = input.resume
    ? await call(Contract.AgentOperations.resumeHandOver, { params: { id: input.card }, body: { agentKey: agent.agentKey, reason: input.reason } })
    : await call(Contract.AgentOperations.handOver, {
        params: { id: input.card },
        body: {
          activationCode: input.activationCode.trim(),
          handOver: { document: { type: input.document.type, number: input.document.number.trim().toUpperCase() }, place: input.place },
          agentKey: agent.agentKey,
          reason: input.reason,
        },
      });
  if (!started.ok) return started;
  const unblock = started.value.tickets.unblock;
  if (unblock !== undefined) {
    progress("Le titulaire définit son code PIN sur la carte…");
    const set = await CardAgent.unblock(agentUrl, agent.pairing, unblock, input.newPin);
    if (!set.ok) return set;
  }
  return certifyAndConfirm(
    call,
    agentUrl,
    agent.pairing,
    input.card,
    started.value.tickets.prepareKeys,
    input.newPin,
    { certify: Contract.AgentOperations.handOverCertificates, confirm: Contract.AgentOperations.confirmHandOver },
    progress,
  );
};

/** New key pairs and certificates on an active card, the holder typing their PIN. */
export const renewCertificates = async (
  call: Call,
  agentUrl: string,
  input: { readonly card: string; readonly reason: string; readonly pin: string },
  progress: Progress,
): Promise<Result> => {
  progress("Appairage avec l'agent de carte…");
  const agent = await paired(call, agentUrl);
  if (!("pairing" in agent)) return agent;
  const started = await call(Contract.AgentOperations.renewCertificates, { params: { id: input.card }, body: { reason: input.reason } });
  if (!started.ok) return started;
  return certifyAndConfirm(
    call,
    agentUrl,
    agent.pairing,
    input.card,
    started.value.tickets.prepareKeys,
    input.pin,
    { certify: Contract.AgentOperations.renewalCertificates, confirm: Contract.AgentOperations.confirmRenewal },
    progress,
  );
};

/** What an unblock takes: how the holder was authenticated, and the new PIN they type. */
export interface Unblock {
  readonly card: string;
  /** The card's serial, to read its PIN's state at the agent. */
  readonly serial: string | undefined;
  readonly status: string;
  readonly holderAuthentication: "face-to-face" | "secret-answers";
  readonly answers?: ReadonlyArray<{ readonly question: number; readonly answer: string }>;
  readonly reason: string;
  readonly newPin: string;
}

/**
 * Unblocks a card whose PIN is locked: the agent says so first (the platform records the block
 * it saw), then the platform records the unblock and seals the PUK for the agent, which sets the
 * new PIN the holder typed.
 */
export const unblock = async (call: Call, agentUrl: string, input: Unblock, progress: Progress): Promise<Result> => {
  progress("Appairage avec l'agent de carte…");
  const agent = await paired(call, agentUrl);
  if (!("pairing" in agent)) return agent;
  if (input.status === "active") {
    progress("Lecture de l'état du code PIN sur la carte…");
    const ticket = await call(Contract.CardAgent.ticket, { body: { operation: "list-cards" } });
    if (!ticket.ok) return ticket;
    const listed = await CardAgent.listCards(agentUrl, agent.pairing, ticket.value.ticket);
    if (!listed.ok) return listed;
    const present = listed.value.cards.find((card) => card.serial === input.serial);
    if (present === undefined) return { ok: false, refusal: { code: "card-absent", message: "Cette carte n'est pas dans un lecteur de ce poste." } };
    if (!present.pin.locked) return { ok: false, refusal: { code: "card-illegal-transition", message: "Le code PIN de cette carte n'est pas bloqué." } };
    const recorded = await call(Contract.AgentOperations.pinBlocked, {
      params: { id: input.card },
      body: { reason: "code PIN bloqué, constaté à l'agent de carte" },
    });
    if (!recorded.ok) return recorded;
  }
  progress("Déblocage autorisé par la plateforme…");
  const issued = await call(Contract.AgentOperations.unblockTicket, {
    params: { id: input.card },
    body: {
      holderAuthentication: input.holderAuthentication,
      ...(input.answers === undefined ? {} : { answers: input.answers }),
      agentKey: agent.agentKey,
      reason: input.reason,
    },
  });
  if (!issued.ok) return issued;
  progress("Le titulaire définit son nouveau code PIN sur la carte…");
  const done = await CardAgent.unblock(agentUrl, agent.pairing, issued.value.ticket, input.newPin);
  return done.ok ? { ok: true } : done;
};
