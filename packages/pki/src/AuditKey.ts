/**
 * The platform's audit key: an ECDSA P-256 key that signs the audit trail's checkpoints. It lives
 * beside the CA's keys — sealed under the same passphrase (embedded mode), or generated on the
 * CA's token (production) — but is a key of its own: a CA key signs certificates and CRLs only.
 */
import { type CardFailure, KeyTokens } from "@comedec/card";
import { Audit } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { tokenLabels } from "./Authority.js";
import * as Sealed from "./Sealed.js";
import * as SigningKey from "./SigningKey.js";

/** Where the key is kept: the CA's directory and passphrase (in memory, new at each start, when no directory). */
export interface Options {
  readonly directory?: string;
  readonly passphrase: string;
}

const loadOrCreate = (options: Options): Promise<KeyObject> => Sealed.loadOrCreateP256(options, "audit-key.json");

/** The signer of a key of the signing-key port, in this process or on a token. */
export const signerOfKey = (key: SigningKey.SigningKey): Audit.CheckpointSigner["Service"] => {
  const publicKey = createPublicKey({ key: Buffer.from(key.publicKeyInfo), format: "der", type: "spki" });
  return {
    keyId: createHash("sha256").update(key.publicKeyInfo).digest("hex"),
    publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (data) => Effect.sync(() => Buffer.from(key.sign(data)).toString("base64")),
    verify: (data, signature) => verify("sha256", data, publicKey, Buffer.from(signature, "base64")),
  };
};

/** The signer of a private key. */
export const signerOf = (privateKey: KeyObject): Audit.CheckpointSigner["Service"] => signerOfKey(SigningKey.software(privateKey));

/** The `CheckpointSigner` on the key of the options, loaded (or created) once. */
export const layer = (options: Options): Layer.Layer<Audit.CheckpointSigner> =>
  Layer.effect(
    Audit.CheckpointSigner,
    Effect.map(
      Effect.promise(() => loadOrCreate(options)),
      signerOf,
    ),
  );

/** The `CheckpointSigner` on the audit key of the CA's token (`KeyTokens`), generated there on first start. */
export const tokenLayer = (options: { readonly token: string; readonly pin: string }): Layer.Layer<Audit.CheckpointSigner, CardFailure, KeyTokens> =>
  Layer.effect(
    Audit.CheckpointSigner,
    Effect.gen(function* () {
      const keys = yield* KeyTokens;
      return signerOfKey(yield* SigningKey.onTokenOrGenerated({ keys, label: options.token, pin: options.pin }, tokenLabels.audit, "P-256"));
    }),
  );
