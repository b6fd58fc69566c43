/**
 * The platform's audit key: an ECDSA P-256 key that signs the audit trail's checkpoints. It lives
 * beside the CA's keys, sealed under the same passphrase, but is a key of its own: a CA key signs
 * certificates and CRLs only.
 */
import { Audit } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Sealed from "./Sealed.js";

/** Where the key is kept: the CA's directory and passphrase (in memory, new at each start, when no directory). */
export interface Options {
  readonly directory?: string;
  readonly passphrase: string;
}

const loadOrCreate = async (options: Options): Promise<KeyObject> => {
  const created = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  if (options.directory === undefined) return created();
  const file = join(options.directory, "audit-key.json");
  const stored = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as Sealed.SealedKey,
    () => undefined,
  );
  if (stored !== undefined) return Sealed.unseal(stored, options.passphrase);
  const key = created();
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  // `wx`: when two processes start together, one writes and the other reads what it wrote.
  const written = await writeFile(file, JSON.stringify(Sealed.seal(key, options.passphrase)), { flag: "wx", mode: 0o600 }).then(
    () => true,
    () => false,
  );
  return written ? key : loadOrCreate(options);
};

/** The signer of a private key. */
export const signerOf = (privateKey: KeyObject): Audit.CheckpointSigner["Service"] => {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: "der", type: "spki" });
  return {
    keyId: createHash("sha256").update(spki).digest("hex"),
    publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (data) => Effect.sync(() => sign("sha256", data, privateKey).toString("base64")),
    verify: (data, signature) => verify("sha256", data, publicKey, Buffer.from(signature, "base64")),
  };
};

/** The `CheckpointSigner` on the key of the options, loaded (or created) once. */
export const layer = (options: Options): Layer.Layer<Audit.CheckpointSigner> =>
  Layer.effect(
    Audit.CheckpointSigner,
    Effect.map(
      Effect.promise(() => loadOrCreate(options)),
      signerOf,
    ),
  );
