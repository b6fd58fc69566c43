/**
 * Login with the agent's card (RGS 3*): the platform gives a single-use challenge; the agent's
 * software signs it with the card's authentication key (through the smart-card port); the platform
 * checks the certificate (issued by its CA, valid, registered, not revoked, an authentication
 * certificate), the signature over the challenge, and that the holder is active in the directory,
 * then opens a short-lived session bound to that certificate. The session's role comes from the
 * agent's rights at their site.
 */
import { Actor } from "@comedec/actor";
import { type Agent, AgentStore } from "@comedec/agent";
import { CertificateAuthority } from "@comedec/card";
import { Sessions } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import { createPublicKey, type KeyObject, verify } from "node:crypto";

/** What the agent's software sends back. */
export interface Answer {
  readonly challenge: string;
  /** The card's authentication certificate (DER). */
  readonly certificate: Uint8Array;
  /** The card's signature of `Sessions.signedText(challenge)`. */
  readonly signature: Uint8Array;
}

/**
 * The role an agent plays on the platform, from their rights at their site; undefined when none
 * lets them log in. An operator of the national site (ANTS) is a national administrator, as the
 * platform's first card is; its auditor (`audit-trail`) is the auditor, who administers nothing —
 * a holder with both (which the directory refuses) opens no session rather than the wider one.
 */
export const roleOf = (agent: Agent.State): Actor.Role | undefined => {
  const operates = agent.rights.includes("operate-cards") || agent.rights.includes("register-agents");
  const audits = agent.rights.includes("audit-trail");
  switch (agent.site._tag) {
    case "national":
      return operates ? (audits ? undefined : "national-administrator") : audits ? "auditor" : undefined;
    case "prefecture":
      return operates && !audits ? "prefecture-operator" : undefined;
    case "commune":
      return audits ? undefined : operates ? "commune-operator" : "agent";
  }
};

// A key object per certificate, not per login: building one from its DER costs more than the verification.
const keys = new Map<string, KeyObject>();
const publicKeyOf = (serial: string, spki: Uint8Array): KeyObject => {
  const known = keys.get(serial);
  if (known !== undefined) return known;
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  if (keys.size >= 10_000) keys.clear();
  keys.set(serial, key);
  return key;
};

/** A new challenge to sign. */
export const challenge = Sessions.CardSessions.use((sessions) => sessions.challenge);

/** Checks an answer and opens a session; every refusal is a `LoginRefused` saying why. */
export const open = (answer: Answer) =>
  Effect.gen(function* () {
    const sessions = yield* Sessions.CardSessions;
    const refuse = (reason: string) => Effect.fail(new Sessions.LoginRefused({ reason }));
    const nonce = yield* sessions.pending(answer.challenge);
    if (nonce === undefined) return yield* refuse("unknown, expired or already used challenge");
    const at = new Date(yield* Clock.currentTimeMillis);
    const certificate = yield* CertificateAuthority.use((authority) => authority.check(answer.certificate, at)).pipe(
      Effect.mapError((refused) => new Sessions.LoginRefused({ reason: `certificate ${refused.reason}` })),
    );
    if (certificate.usage !== "authentication") return yield* refuse("not an authentication certificate");
    const key = publicKeyOf(certificate.serial, certificate.publicKey);
    const signed = Sessions.signedText({ id: answer.challenge, nonce: nonce.nonce });
    if (!verify("sha256", signed, key, answer.signature)) return yield* refuse("the signature does not answer the challenge with this certificate's key");
    const holder = yield* AgentStore.use((agents) => agents.load(certificate.holder)).pipe(
      Effect.mapError(() => new Sessions.LoginRefused({ reason: "the holder is not in the directory" })),
    );
    if (holder.state.status !== "active") return yield* refuse(`the holder is ${holder.state.status} in the directory`);
    const role = roleOf(holder.state);
    if (role === undefined) return yield* refuse("the holder has no right that opens a session at their site");
    const actor = Actor.Actor.make({
      id: holder.state.id,
      name:
        [holder.state.identity?.givenNames[0], holder.state.identity?.usedName ?? holder.state.identity?.birthName].filter(Boolean).join(" ") ||
        holder.state.id,
      role,
      // An agent's site is an actor's site as it is (`Agent.AgentSite`).
      site: holder.state.site,
      credential: "card",
    });
    // The challenge is used up with the session's opening: a replay of an accepted answer finds it used.
    const session = yield* sessions.open(answer.challenge, actor, certificate.serial);
    if (session === undefined) return yield* refuse("unknown, expired or already used challenge");
    return { ...session, actor };
  });
