/**
 * CA private keys at rest: PKCS#8 encrypted with AES-256-GCM under a key derived from the
 * operator's passphrase by scrypt. A wrong passphrase or a modified file fails the GCM tag check.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, type KeyObject, randomBytes, scryptSync } from "node:crypto";

/** A sealed private key, as stored. */
export interface SealedKey {
  readonly salt: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

// scrypt with N = 2^15, r = 8: about 100 ms and 32 MiB, once per start.
const derive = (passphrase: string, salt: Buffer) => scryptSync(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

/** Encrypts a private key under a passphrase. */
export const seal = (key: KeyObject, passphrase: string): SealedKey => {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derive(passphrase, salt), iv);
  const ciphertext = Buffer.concat([cipher.update(key.export({ format: "der", type: "pkcs8" })), cipher.final()]);
  return { salt: salt.toString("base64"), iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), ciphertext: ciphertext.toString("base64") };
};

/** Decrypts a sealed key; throws when the passphrase is wrong or the file was altered. */
export const unseal = (sealed: SealedKey, passphrase: string): KeyObject => {
  const decipher = createDecipheriv("aes-256-gcm", derive(passphrase, Buffer.from(sealed.salt, "base64")), Buffer.from(sealed.iv, "base64"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  const der = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
};
