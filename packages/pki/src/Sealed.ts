/**
 * CA private keys at rest: PKCS#8 encrypted with AES-256-GCM under a key derived from the
 * operator's passphrase by scrypt. A wrong passphrase or a modified file fails the GCM tag check.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, scryptSync } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

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

/**
 * A P-256 key of the platform kept sealed in `directory/file` under the passphrase: read, or made
 * and written on first start (in memory only, new at each start, when there is no directory).
 */
export const loadOrCreateP256 = async (options: { readonly directory?: string; readonly passphrase: string }, file: string): Promise<KeyObject> => {
  const created = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  if (options.directory === undefined) return created();
  const path = join(options.directory, file);
  const stored = await readFile(path, "utf8").then(
    (text) => JSON.parse(text) as SealedKey,
    () => undefined,
  );
  if (stored !== undefined) return unseal(stored, options.passphrase);
  const key = created();
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  // `wx`: when two processes start together, one writes and the other reads what it wrote.
  const written = await writeFile(path, JSON.stringify(seal(key, options.passphrase)), { flag: "wx", mode: 0o600 }).then(
    () => true,
    () => false,
  );
  return written ? key : loadOrCreateP256(options, file);
};
