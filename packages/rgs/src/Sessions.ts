/**
 * Sessions opened by logging in with the agent's card (RGS 3*: strong authentication with the
 * card's authentication key). The platform gives a single-use challenge; the agent's software
 * signs it with the card; a session is opened for the holder, short-lived, stored server-side,
 * revocable, and bound to the certificate that signed — revoking the certificate, or putting it on
 * hold, ends it. Deactivating or deleting the holder in the directory closes their sessions at once
 * (the agent store does it in the deactivation's own transaction): a session never outlives its
 * holder's record, even for the `sessionMinutes` it had left, nor comes back when a hold is lifted.
 */
import type { Actor } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import { Problem } from "@comedec/actor";

/** How long a challenge may be answered. */
export const challengeSeconds = 120;

/** How long a session lasts (an agent logs in again with the card after). */
export const sessionMinutes = 30;

/** A session token starts with this, so the API tells it from a machine account's bearer token. */
export const tokenPrefix = "cmdcs_";

/** A challenge to sign. */
export interface Challenge {
  readonly id: string;
  readonly nonce: string;
  readonly expiresAt: Date;
}

/** The bytes a card signs to answer a challenge: they name the platform and the purpose, so a signature made for anything else never opens a session. */
export const signedText = (challenge: { readonly id: string; readonly nonce: string }): Uint8Array =>
  new TextEncoder().encode(`COMEDEC login\n${challenge.id}\n${challenge.nonce}`);

/** The login was refused: unknown, expired or replayed challenge, bad signature, certificate not ours, revoked or expired, holder not active. */
export class LoginRefused extends Schema.TaggedError<LoginRefused>()(
  "LoginRefused",
  { reason: Schema.String },
  Problem.annotation(401, "login-refused", "The card login was refused"),
) {}

/** Challenges and sessions. */
export class CardSessions extends Context.Service<
  CardSessions,
  {
    readonly challenge: Effect.Effect<Challenge>;
    /** A challenge still open to an answer; undefined when unknown, expired or already used. */
    readonly pending: (id: string) => Effect.Effect<{ readonly nonce: string } | undefined>;
    /**
     * Uses the challenge up and opens a session for an actor, bound to the certificate it logged in
     * with, in one commit; undefined when another answer used the challenge first. The token is
     * returned once.
     */
    readonly open: (
      challenge: string,
      actor: Actor.Actor,
      certificateSerial: string,
    ) => Effect.Effect<{ readonly token: string; readonly expiresAt: Date } | undefined>;
    /** The actor of a live session whose certificate is not revoked. */
    readonly authenticate: (token: string) => Effect.Effect<Actor.Actor | undefined>;
    /** Ends a session (logout). */
    readonly close: (token: string) => Effect.Effect<boolean>;
  }
>()("@comedec/rgs/CardSessions") {}
