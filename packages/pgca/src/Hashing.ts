/**
 * Slow hashes for the holder's secrets: activation codes and secret answers are stored only as
 * scrypt digests under a random salt, and compared in constant time. scrypt runs on libuv's pool,
 * so a hash never blocks the event loop.
 */
import { Secrets } from "@comedec/card";
import { Effect } from "effect";
import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";

// N = 2^14, r = 8: about 30 ms and 16 MiB per hash on this hardware — slow for a guesser, fine for a counter.
const cost = { N: 1 << 14, r: 8, p: 1 } as const;

/** scrypt of a secret under a salt. */
export const hash = (secret: string, salt: Uint8Array): Effect.Effect<Uint8Array> =>
  Effect.callback<Uint8Array>((resume) => {
    scrypt(secret, salt, 32, cost, (error, derived) => resume(error === null ? Effect.succeed(new Uint8Array(derived)) : Effect.die(error)));
  });

/** Whether two digests (or salts) are the same bytes, compared in constant time. */
export const same = (left: Uint8Array, right: Uint8Array): boolean => left.length === right.length && timingSafeEqual(left, right);

/** Whether a secret matches a stored digest. */
export const matches = (secret: string, salt: Uint8Array, digest: Uint8Array): Effect.Effect<boolean> =>
  Effect.map(hash(secret, salt), (computed) => same(computed, digest));

/**
 * Whether a secret matches a stored digest, from a digest made before under `early.salt`: the
 * slow hash runs before a try takes its row lock, and again under the lock only when the secret
 * was replaced in between (another salt).
 */
export const matchesPrepared = (
  early: { readonly salt: Uint8Array; readonly digest: Uint8Array } | undefined,
  secret: string,
  salt: Uint8Array,
  digest: Uint8Array,
): Effect.Effect<boolean> => (early !== undefined && same(early.salt, salt) ? Effect.succeed(same(early.digest, digest)) : matches(secret, salt, digest));

/** A fresh salt. */
export const newSalt = (): Uint8Array => new Uint8Array(randomBytes(16));

/** A new activation code: 16 characters of Crockford's base32 drawn uniformly (80 bits). */
export const newActivationCode = (): string =>
  Array.from({ length: Secrets.codeLength }, () => Secrets.codeAlphabet[randomInt(Secrets.codeAlphabet.length)]).join("");

/** A new PUK: ten digits. */
export const newPuk = (): string => Array.from({ length: 10 }, () => String(randomInt(10))).join("");

/** The salt of one answer: the holder's salt and the question's index, so equal answers hash apart. */
export const answerSalt = (salt: Uint8Array, index: number): Uint8Array => new Uint8Array([...salt, index]);
