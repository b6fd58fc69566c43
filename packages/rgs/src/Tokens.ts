/**
 * Bearer tokens for machine accounts and bootstrap (until login with the agent's card exists):
 * random, stored hashed, expiring, revocable. The port is declared here, with the policy that
 * governs it; the persistence adapter implements it.
 */
import type { Actor } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";
import { Problem } from "@comedec/actor";

/**
 * What a token is for. A machine account (an editor's software, the card manufacturer's system, a
 * reporting job) reads and reports, within `Access.machinePermissions`. A bootstrap token holds its
 * role's rights, for the first administrator before any card exists and for demonstrations; people
 * otherwise log in with their card.
 */
export type Purpose = "machine" | "bootstrap";

/** The longest life of a bearer token, by purpose: bootstrap credentials must not linger. */
export const maximumLifetimeDays: Readonly<Record<Purpose, number>> = { machine: 90, bootstrap: 30 };

/** The token is unknown, malformed, expired or revoked (deliberately not told apart). */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()(
  "Unauthenticated",
  { reason: Schema.String },
  Problem.annotation(401, "unauthenticated", "Authentication required"),
) {}

/** A token as listed, never with its secret. */
export interface TokenInfo {
  readonly id: string;
  readonly actor: Actor.Actor;
  readonly expiresAt: Date;
  readonly revokedAt: Date | undefined;
}

/** Issuing, checking and revoking bearer tokens. */
export class ActorTokens extends Context.Service<
  ActorTokens,
  {
    /** Issues a token for a purpose; the secret is returned once and only its hash is kept. */
    readonly issue: (
      actor: Actor.Actor,
      lifetimeDays: number,
      issuedBy: Actor.Actor,
      purpose: Purpose,
    ) => Effect.Effect<{ readonly token: string; readonly info: TokenInfo }>;
    readonly authenticate: (token: string) => Effect.Effect<Actor.Actor, Unauthenticated>;
    readonly revoke: (id: string, revokedBy: Actor.Actor) => Effect.Effect<boolean>;
    readonly list: Effect.Effect<ReadonlyArray<TokenInfo>>;
  }
>()("@comedec/rgs/ActorTokens") {}
