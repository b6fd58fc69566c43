/**
 * Bearer tokens for machine accounts and bootstrap (until login with the agent's card exists):
 * random, stored hashed, expiring, revocable. The port is declared here, with the policy that
 * governs it; the persistence adapter implements it.
 */
import type { Actor } from "@comedec/actor";
import { Context, type Effect, Schema } from "effect";

/** The longest life of a bearer token: bootstrap credentials must not linger. */
export const maximumLifetimeDays = 90;

/** The token is unknown, malformed, expired or revoked (deliberately not told apart). */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", { reason: Schema.String }) {}

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
    /** Issues a token; the secret is returned once and only its hash is kept. */
    readonly issue: (actor: Actor.Actor, lifetimeDays: number, issuedBy: Actor.Actor) => Effect.Effect<{ readonly token: string; readonly info: TokenInfo }>;
    readonly authenticate: (token: string) => Effect.Effect<Actor.Actor, Unauthenticated>;
    readonly revoke: (id: string, revokedBy: Actor.Actor) => Effect.Effect<boolean>;
    readonly list: Effect.Effect<ReadonlyArray<TokenInfo>>;
  }
>()("@comedec/rgs/ActorTokens") {}
