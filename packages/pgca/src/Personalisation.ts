/**
 * What is done on the card itself: a new PIN checked against the PIN rules, both key pairs
 * generated on the card and certified by the CA (the card signs its own requests), and the
 * certificates revoked when a card is revoked or superseded — in the card's own commit, the CRL
 * published after it.
 */
import { AgentStore } from "@comedec/agent";
import {
  type Card,
  CertificateAuthority,
  type CertificateRevocation,
  type KeyAlgorithm,
  pinProblem,
  PinRejected,
  SmartCards,
  type Subject,
} from "@comedec/card";
import { Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as CrashPoints from "./CrashPoints.js";
import { now } from "./Writes.js";

const keyUsages: ReadonlyArray<Card.KeyUsage> = ["authentication", "signature"];

/** The placeholder certificates a command is decided with before the card makes the real ones. */
export const placeholder = { serial: "00", notBefore: "", notAfter: "", algorithm: "" };

/** Checks a new PIN against the PIN rules, so the refusal names the rule. */
export const checkNewPin = (serial: string, pin: string): Effect.Effect<void, PinRejected> => {
  const problem = pinProblem(pin);
  return problem === undefined ? Effect.void : Effect.fail(new PinRejected({ serial, reason: problem }));
};

/** Who a card's certificates are for: its holder's identity in the directory, and the card's site. */
export const subjectOf = Effect.fnUntraced(function* (card: Card.State) {
  const holder = yield* (yield* AgentStore).load(card.holder);
  const identity = holder.state.identity;
  const subject: Subject = {
    holder: card.holder,
    givenName: identity?.givenNames.join(" ") ?? "",
    surname: identity?.usedName ?? identity?.birthName ?? "",
    site: card.site,
    card: card.id,
  };
  return subject;
});

/** Generates both key pairs on the card and has them certified; the card holds the certificates after. */
export const personalise = Effect.fnUntraced(function* (card: Card.State, pin: string, algorithm: KeyAlgorithm) {
  const cards = yield* SmartCards;
  const authority = yield* CertificateAuthority;
  const serial = card.serial as string;
  const subject = yield* subjectOf(card);
  yield* cards.login(serial, pin);
  const issued = yield* Effect.gen(function* () {
    const keys = yield* Effect.forEach(keyUsages, (usage) => cards.generateKeyPair(serial, usage, algorithm));
    // RGS: one key pair per usage. A card or middleware that answers one key for both is refused before anything is certified.
    yield* Rules.enforce(Rules.rules.separateKeys, {
      authentication: Buffer.from(keys[0]?.publicKey ?? []).toString("hex"),
      signature: Buffer.from(keys[1]?.publicKey ?? []).toString("hex"),
    });
    return yield* Effect.forEach(keyUsages, (usage, index) =>
      Effect.gen(function* () {
        const certificate = yield* authority.issueForCard({
          subject,
          usage,
          algorithm,
          publicKey: (keys[index] as { readonly publicKey: Uint8Array }).publicKey,
          signWithCardKey: (data) => cards.sign(serial, usage, data, usage === "signature" ? pin : undefined),
        });
        yield* cards.writeCertificate(serial, usage, certificate.der);
        return certificate.ref;
      }),
    );
  }).pipe(Effect.ensuring(Effect.ignore(cards.logout(serial))));
  return { authentication: issued[0], signature: issued[1] } as Card.Certificates;
});

const serialsOf = (card: Card.State) => (card.certificates === undefined ? [] : [card.certificates.authentication.serial, card.certificates.signature.serial]);

/** The revocation of a card's certificates, for the commit that revokes or retires the card. */
export const revocationOf = Effect.fnUntraced(function* (card: Card.State, reason: Card.RevocationReason) {
  const revocation: CertificateRevocation = { serials: serialsOf(card), reason, at: yield* now };
  return revocation;
});

/**
 * Publishes the revocations a commit recorded: the authority finds them already in its register
 * (the first revocation wins) and signs the next CRL. A process stopped before this leaves the
 * certificates revoked all the same; the next CRL read, or the reconciliation job, publishes them.
 */
export const publishRevocations = Effect.fnUntraced(function* (revocations: ReadonlyArray<CertificateRevocation>) {
  yield* CrashPoints.reach("after-card-commit");
  const authority = yield* CertificateAuthority;
  for (const revocation of revocations) yield* authority.revoke(revocation.serials, revocation.reason, revocation.at);
});
