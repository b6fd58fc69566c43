/**
 * The CA's `issueFromCsr`, as the platform calls it with the CSRs a card signed at the workstation
 * (the card agent): the request's own signature (proof of possession), the key rules, the
 * algorithm the platform asked the card for and the subject it decided for the usage are each
 * checked before anything is signed or registered.
 */
import type { Subject } from "@comedec/card";
import { Effect } from "effect";
import { generateKeyPairSync, type KeyObject, sign, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Authority, Csr } from "../src/index.js";
import { memoryRegistry } from "./MemoryRegistry.js";

const subject: Subject = { holder: "agent-1", givenName: "Alice", surname: "Roux", site: { _tag: "commune", commune: "69266" as never }, card: "card-1" };
const hierarchy = Authority.createHierarchy(new Date());
const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ format: "der", type: "spki" }));
const signer = (privateKey: KeyObject) => (data: Uint8Array) => Effect.sync(() => new Uint8Array(sign("sha256", data, privateKey)));

describe("Authority.issueFromCsr", () => {
  it("issues for the CSR's own key, under the subject and profile of its usage, and gives the key it certifies", async () => {
    const registry = memoryRegistry();
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const issued = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const { authority } = yield* Authority.make(hierarchy, "http://pki.test");
          const csr = yield* Csr.create(Authority.subjectName(subject, "signature"), spkiOf(key.publicKey), signer(key.privateKey));
          return yield* authority.issueFromCsr({ csr, subject, usage: "signature", algorithm: "P-256" });
        }),
        registry.layer,
      ),
    );
    expect(Buffer.from(issued.publicKey)).toEqual(Buffer.from(spkiOf(key.publicKey)));
    const certificate = new X509Certificate(Buffer.from(issued.der));
    expect(certificate.subject).toContain("CN=Alice Roux (signature)");
    expect(registry.issued.get(issued.ref.serial)).toMatchObject({ card: "card-1", usage: "signature" });
  });

  it("refuses another usage's subject, another algorithm, a weak key and a request signed by another key, registering nothing", async () => {
    const registry = memoryRegistry();
    const good = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const weak = generateKeyPairSync("ec", { namedCurve: "prime192v1" });
    const cases = [
      ["the subject of the other usage", Authority.subjectName(subject, "authentication"), good, good, "P-256", "subject"],
      ["another algorithm", Authority.subjectName(subject, "signature"), good, good, "RSA-3072", "not a RSA-3072 key"],
      ["a weak key", Authority.subjectName(subject, "signature"), weak, weak, "P-256", "crypto.ec-curve"],
      ["signed by another key", Authority.subjectName(subject, "signature"), good, other, "P-256", "proof of possession"],
    ] as const;
    for (const [label, name, keyPair, signingPair, algorithm, reason] of cases) {
      const result = await Effect.runPromise(
        Effect.result(
          Effect.provide(
            Effect.gen(function* () {
              const { authority } = yield* Authority.make(hierarchy, "http://pki.test");
              const csr = yield* Csr.create(name, spkiOf(keyPair.publicKey), signer(signingPair.privateKey));
              return yield* authority.issueFromCsr({ csr, subject, usage: "signature", algorithm });
            }),
            registry.layer,
          ),
        ),
      );
      expect(result._tag, label).toBe("Failure");
      if (result._tag === "Failure") expect(result.failure, label).toMatchObject({ _tag: "CertificateRefused", reason: expect.stringContaining(reason) });
    }
    expect(registry.issued.size).toBe(0);
  });
});
