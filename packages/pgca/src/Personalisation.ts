/**
 * What the platform decides of a card's certificates: whom they are for (the subject the card's
 * CSRs must name; the keys themselves are made at the card agent, `AgentKeys`), and their
 * revocation when a card is revoked or superseded — in the card's own commit, the CRL published
 * after it.
 */
import { AgentStore } from "@comedec/agent";
import { type Card, CertificateAuthority, type CertificateRevocation, type Subject } from "@comedec/card";
import { Effect } from "effect";
import * as CrashPoints from "./CrashPoints.js";
import { now } from "./Writes.js";

/** The placeholder certificates a command is decided with before the card makes the real ones. */
export const placeholder = { serial: "00", notBefore: "", notAfter: "", algorithm: "" };

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
