/**
 * A card desk in the platform's own process: the steps the console relays between the platform
 * and the card agent at a workstation (ADR 0016), run here in one process — the platform's use
 * cases of `@comedec/pgca` on one side, the agent's card operations of `@comedec/card-agent` on
 * the same smart-card port on the other. The embedded demo seeds its first cards through it, the
 * bench measures it, and the use-case suites publish with it: there is no other way to put keys,
 * a PIN and certificates on a card than the agent's, so no test or demo takes a shortcut the API
 * refuses. The PIN goes to the card only; the PUK goes from the platform's secrets to the card's
 * unblock, never to a person. The HTTP form of the same walk is the console's (`CardWork.ts`).
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Change (TS2742 otherwise)
import type { Actor, Change } from "@comedec/actor";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name KeyOperations (TS2742 otherwise)
import { type Card, type KeyAlgorithm, type KeyOperations, SmartCards } from "@comedec/card";
import { CardOperations, Journal } from "@comedec/card-agent";
import { AgentPublication, AgentRenewal, type Publication, Unblocking } from "@comedec/pgca";
import { Authority } from "@comedec/pki";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Onboarding (TS2742 otherwise)
import type { Onboarding } from "@comedec/commune";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name Rules (TS2742 otherwise)
import { Access, type Rules } from "@comedec/rgs";
import { Effect } from "effect";

/** What the hand-over desk checked, and the first PIN the holder types. */
export interface HandOver {
  readonly activationCode: string;
  readonly handOver: Publication.PresentedHandOver;
  /** The holder's first PIN: it goes to the card only. */
  readonly pin: string;
  readonly reason: string;
  readonly algorithm?: KeyAlgorithm;
}

/** The journal of key pairs this process's desk generated (in memory, as the agent's default). */
const journal = Journal.make();

const operating = (actor: Actor.Actor) => Access.authorize(actor, "card.operate", Access.nation);

/** Both key pairs on the card, certified by the platform, written back and proved: the end of a hand-over and of a renewal. */
const certifyAndProve = <E1, R1, A, E2, R2>(
  started: {
    readonly serial: string;
    readonly operation: { readonly id: string; readonly algorithm: KeyAlgorithm };
    readonly subject: Parameters<typeof Authority.subjectParts>[0];
  },
  pin: string,
  certify: (
    csrs: Readonly<Record<Card.KeyUsage, Uint8Array>>,
  ) => Effect.Effect<{ readonly operation: { readonly certificates?: unknown; readonly toSign?: string } }, E1, R1>,
  confirm: (proof: { readonly signature: Uint8Array; readonly certificate: Uint8Array }) => Effect.Effect<A, E2, R2>,
) =>
  Effect.gen(function* () {
    const { serial } = started;
    const subjects = Authority.subjectNamesDer(started.subject);
    const prepared = yield* CardOperations.prepareKeys(
      { serial, pin, operation: started.operation.id, algorithm: started.operation.algorithm, subjects },
      journal,
    );
    const certified = yield* certify({ authentication: prepared.authentication.csr, signature: prepared.signature.csr });
    const issued = certified.operation.certificates as Readonly<Record<Card.KeyUsage, { readonly der: Uint8Array }>>;
    yield* CardOperations.writeCertificates({ serial, pin, certificates: { authentication: issued.authentication.der, signature: issued.signature.der } });
    const proof = yield* CardOperations.signChallenge({ serial, pin, text: certified.operation.toSign as string });
    return yield* confirm(proof);
  });

/** Hands a received card over: the platform's checks and the code, the first PIN set with the PUK, keys, certificates, proof, publication. */
export const publish = Effect.fn("Desk.publish")(function* (actor: Actor.Actor, card: string, input: HandOver) {
  const grant = yield* operating(actor);
  const started = yield* AgentPublication.handOver(grant, card, {
    activationCode: input.activationCode,
    handOver: input.handOver,
    reason: input.reason,
    ...(input.algorithm === undefined ? {} : { algorithm: input.algorithm }),
  });
  yield* CardOperations.unblock({ serial: started.serial, secret: started.puk, newPin: input.pin });
  return yield* certifyAndProve(
    started,
    input.pin,
    (csrs) => AgentPublication.certificateRequests(grant, card, csrs),
    (proof) => AgentPublication.confirm(grant, card, proof),
  );
});

/** New key pairs and certificates on an active card, the holder typing their PIN. */
export const renewCertificates = Effect.fn("Desk.renewCertificates")(function* (
  actor: Actor.Actor,
  card: string,
  input: { readonly pin: string; readonly reason: string; readonly algorithm?: KeyAlgorithm },
) {
  const grant = yield* operating(actor);
  const started = yield* AgentRenewal.start(grant, card, { reason: input.reason, ...(input.algorithm === undefined ? {} : { algorithm: input.algorithm }) });
  return yield* certifyAndProve(
    started,
    input.pin,
    (csrs) => AgentRenewal.certificateRequests(grant, card, csrs),
    (proof) => AgentRenewal.confirm(grant, card, proof),
  );
});

/** Unblocks a PIN-blocked card: the platform authorises it (face to face, or the holder's secret answers), the card takes the new PIN with the PUK. */
export const unblock = Effect.fn("Desk.unblock")(function* (
  actor: Actor.Actor,
  card: string,
  input: Unblocking.UnblockAuthorisation & { readonly newPin: string },
) {
  const grant = yield* operating(actor);
  const { newPin, ...authorisation } = input;
  const authorised = yield* Unblocking.authoriseAtAgent(grant, card, authorisation);
  yield* CardOperations.unblock({ serial: authorised.serial, secret: authorised.puk, newPin });
  return authorised.card;
});

/**
 * Checks a PIN on the card, as a sign-in at the agent does; the try that locks the card's PIN is
 * recorded on the platform (the card blocked until unblocked), as the console reports it.
 */
export const checkPin = Effect.fn("Desk.checkPin")(function* (actor: Actor.Actor, card: string, serial: string, pin: string) {
  const cards = yield* SmartCards;
  return yield* cards.login(serial, pin, { evenIfFinalTry: true }).pipe(
    Effect.ensuring(Effect.ignore(cards.logout(serial))),
    Effect.tapError((failure) =>
      failure._tag === "PinLocked" && failure.secret === "pin"
        ? Effect.flatMap(operating(actor), (grant) => Unblocking.recordBlock(grant, card, "code PIN bloqué, constaté à l'agent de carte"))
        : Effect.void,
    ),
  );
});
