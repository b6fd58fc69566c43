/**
 * The platform's card-agent key: an ECDSA P-256 key that signs the pairings and operation tickets
 * the card agents on the workstations check (ADR 0016). Kept like the audit key — sealed under the
 * CA's passphrase in the CA's directory (embedded mode), or generated on the CA's token
 * (production) — but a key of its own: a statement to an agent is neither a certificate nor a
 * checkpoint, and an agent trusts this key for nothing else.
 */
import { type CardFailure, KeyTokens } from "@comedec/card";
import { Context, Effect, Layer } from "effect";
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import * as Sealed from "./Sealed.js";
import * as SigningKey from "./SigningKey.js";

/** Where the key is kept: the CA's directory and passphrase (in memory, new at each start, when no directory). */
export interface Options {
  readonly directory?: string;
  readonly passphrase: string;
}

/** The label of the key on the CA's token. */
export const tokenLabel = "comedec-card-agent";

/** The platform's card-agent key. */
export class CardAgentKey extends Context.Service<
  CardAgentKey,
  {
    /** SHA-256 of the SubjectPublicKeyInfo, hex: statements name the key they were signed with. */
    readonly keyId: string;
    /** The SubjectPublicKeyInfo, PEM, which agents fetch. */
    readonly publicKey: string;
    /** The DER ECDSA signature of SHA-256 of `data`. */
    readonly sign: (data: Uint8Array) => Effect.Effect<Uint8Array>;
  }
>()("@comedec/pki/CardAgentKey") {}

const loadOrCreate = (options: Options): Promise<KeyObject> => Sealed.loadOrCreateP256(options, "card-agent-key.json");

/** The service on a key of the signing-key port. */
export const ofKey = (key: SigningKey.SigningKey): CardAgentKey["Service"] => ({
  keyId: createHash("sha256").update(key.publicKeyInfo).digest("hex"),
  publicKey: createPublicKey({ key: Buffer.from(key.publicKeyInfo), format: "der", type: "spki" })
    .export({ format: "pem", type: "spki" })
    .toString(),
  sign: (data) => Effect.sync(() => key.sign(data)),
});

/** The key of the options, loaded (or created) once. */
export const layer = (options: Options): Layer.Layer<CardAgentKey> =>
  Layer.effect(
    CardAgentKey,
    Effect.map(
      Effect.promise(() => loadOrCreate(options)),
      (privateKey) => ofKey(SigningKey.software(privateKey)),
    ),
  );

/** The key on the CA's token (`KeyTokens`), generated there on first start. */
export const tokenLayer = (options: { readonly token: string; readonly pin: string }): Layer.Layer<CardAgentKey, CardFailure, KeyTokens> =>
  Layer.effect(
    CardAgentKey,
    Effect.gen(function* () {
      const keys = yield* KeyTokens;
      return ofKey(yield* SigningKey.onTokenOrGenerated({ keys, label: options.token, pin: options.pin }, tokenLabel, "P-256"));
    }),
  );
