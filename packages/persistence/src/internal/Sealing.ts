/**
 * Encryption at rest of the few secrets the platform must be able to read back (PUKs, the bodies
 * of notifications that carry activation codes): AES-256-GCM under the platform's secret key,
 * which lives outside the database (environment or a file only its owner reads).
 */
import { Context } from "effect";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** The platform's 32-byte secret key. */
export class SealingKey extends Context.Service<SealingKey, { readonly key: Uint8Array }>()("@comedec/persistence/SealingKey") {}

/** iv (12) ‖ tag (16) ‖ ciphertext. */
export const seal = (key: Uint8Array, plaintext: string): Buffer => {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
};

/** Decrypts what `seal` wrote; throws when the key is wrong or the bytes were altered. */
export const unseal = (key: Uint8Array, sealed: Uint8Array): string => {
  const bytes = Buffer.from(sealed);
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
};
