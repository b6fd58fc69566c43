/**
 * The agent's sealing key: an X25519 key pair made at start and kept in memory only, whose public
 * half the agent gives the page in its answer to a pairing. The platform seals the unblock secret
 * (the PUK) for it inside the ticket (ECDH, HKDF-SHA-256, AES-256-GCM bound to the session and the
 * card): the page relays it without reading it, and no person ever sees it.
 */
import { Contract } from "@comedec/http-contract";
import { Effect } from "effect";
import { createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from "node:crypto";
import { SealedSecretRefused } from "./Refusals.js";

const { CardAgent } = Contract;

/** The agent's sealing key. */
export interface SealingKey {
  /** SHA-256 of the public key (SubjectPublicKeyInfo), base64url: a sealed secret names it. */
  readonly keyId: string;
  /** The SubjectPublicKeyInfo, base64url. */
  readonly publicKey: string;
  /** Opens a secret sealed for this key and bound to a session and a card. */
  readonly open: (
    sealed: typeof CardAgent.SealedSecret.Type,
    bound: { readonly session: string; readonly card: string },
  ) => Effect.Effect<string, SealedSecretRefused>;
}

/** A new sealing key, for this process's lifetime. */
export const make = (): SealingKey => {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const der = publicKey.export({ format: "der", type: "spki" });
  const keyId = createHash("sha256").update(der).digest("base64url");
  return {
    keyId,
    publicKey: der.toString("base64url"),
    open: (sealed, bound) =>
      Effect.try({
        try: () => {
          if (sealed.agentKey !== keyId) throw new Error("sealed for another agent process");
          const ephemeral = createPublicKey({ key: Buffer.from(sealed.ephemeralKey, "base64url"), format: "der", type: "spki" });
          const shared = diffieHellman({ privateKey, publicKey: ephemeral });
          const key = Buffer.from(hkdfSync("sha256", shared, Buffer.from(sealed.ephemeralKey), "COMEDEC card agent sealed secret", 32));
          const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64url"));
          decipher.setAAD(Buffer.from(`${bound.session}\n${bound.card}`));
          decipher.setAuthTag(Buffer.from(sealed.tag, "base64url"));
          return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64url")), decipher.final()]).toString("utf8");
        },
        catch: (error) =>
          new SealedSecretRefused({
            reason:
              error instanceof Error && error.message.startsWith("sealed for")
                ? error.message
                : "it does not open: altered, or bound to another session or card",
          }),
      }),
  };
};
