import type { CertificateRegistry, Subject } from "@comedec/card";
import { memoryRegistry } from "./MemoryRegistry.js";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as X509 from "@peculiar/asn1-x509";
import { Effect } from "effect";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Authority, Csr, Der } from "../src/index.js";

const subject: Subject = {
  holder: "0b7c4f1e-agent",
  givenName: "Élodie",
  surname: "Martin",
  site: { _tag: "commune", commune: "69123" as never },
  card: "card-1",
};
const hierarchy = Authority.createHierarchy(new Date());
const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ format: "der", type: "spki" }));
const signer =
  (privateKey: KeyObject, hash = "sha256") =>
  (data: Uint8Array) =>
    Effect.sync(() => new Uint8Array(sign(hash, data, privateKey)));

const run = <A, E>(effect: Effect.Effect<A, E, CertificateRegistry>, registry = memoryRegistry()) =>
  Effect.runPromise(Effect.result(Effect.provide(effect, registry.layer)));
const authority = () => Effect.map(Authority.make(hierarchy, "http://pki.test"), (made) => made);

const openssl = (args: ReadonlyArray<string>) => {
  try {
    return { ok: true, output: execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: unknown }).stderr ?? error) };
  }
};

describe("Authority", () => {
  it("issues an authentication and a signature certificate that OpenSSL verifies against the chain", async () => {
    const registry = memoryRegistry();
    const directory = mkdtempSync(join(tmpdir(), "pki-"));
    writeFileSync(join(directory, "root.pem"), Der.pem("CERTIFICATE", hierarchy.root.certificate));
    writeFileSync(join(directory, "issuing.pem"), Der.pem("CERTIFICATE", hierarchy.issuing.certificate));
    for (const usage of ["authentication", "signature"] as const) {
      const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const result = await run(
        Effect.flatMap(authority(), ({ authority }) =>
          authority.issueForCard({ subject, usage, algorithm: "P-256", publicKey: spkiOf(key.publicKey), signWithCardKey: signer(key.privateKey) }),
        ),
        registry,
      );
      if (result._tag === "Failure") throw new Error(JSON.stringify(result.failure));
      const file = join(directory, `${usage}.pem`);
      writeFileSync(file, Der.pem("CERTIFICATE", result.success.der));
      const verified = openssl([
        "verify",
        "-x509_strict",
        "-CAfile",
        join(directory, "root.pem"),
        "-untrusted",
        join(directory, "issuing.pem"),
        "-purpose",
        usage === "authentication" ? "sslclient" : "smimesign",
        file,
      ]);
      expect(verified.output).toContain("OK");
      const text = openssl(["x509", "-in", file, "-noout", "-text"]).output;
      expect(text).toContain(usage === "authentication" ? "TLS Web Client Authentication" : "Non Repudiation");
      expect(text).toContain("http://pki.test/crl");
      expect(text).toContain("OCSP - URI:http://pki.test/ocsp");
      const validity = new Date(result.success.ref.notAfter).getTime() - new Date(result.success.ref.notBefore).getTime();
      expect(validity).toBeLessThanOrEqual(3 * 365 * 86_400_000);
      expect(registry.issued.get(result.success.ref.serial)).toMatchObject({ card: "card-1", usage });
    }
  });

  it("refuses a CSR with a wrong signature, a weak key, SHA-1 or another subject, with a stable error", async () => {
    const good = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const name = Authority.subjectName(subject, "authentication");
    const cases: ReadonlyArray<readonly [string, Effect.Effect<Uint8Array>, string]> = [
      ["signed by another key", Csr.create(name, spkiOf(good.publicKey), signer(other.privateKey)), "proof of possession"],
      [
        "RSA-1024",
        (() => {
          const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
          return Csr.create(name, spkiOf(weak.publicKey), signer(weak.privateKey));
        })(),
        "crypto.rsa-size",
      ],
      [
        "P-192",
        (() => {
          const weak = generateKeyPairSync("ec", { namedCurve: "prime192v1" });
          return Csr.create(name, spkiOf(weak.publicKey), signer(weak.privateKey));
        })(),
        "crypto.ec-curve",
      ],
      [
        "another subject",
        Csr.create(Authority.subjectName({ ...subject, surname: "Dupont" }, "authentication"), spkiOf(good.publicKey), signer(good.privateKey)),
        "subject",
      ],
      [
        "SHA-1",
        Effect.map(Csr.create(name, spkiOf(good.publicKey), signer(good.privateKey)), (der) => withAlgorithm(der, "1.2.840.10045.4.1", good.privateKey)),
        "crypto.hash",
      ],
      ["not a CSR", Effect.succeed(new Uint8Array([48, 3, 2, 1, 1])), "PKCS#10"],
    ];
    for (const [label, csr, reason] of cases) {
      const result = await run(Effect.flatMap(authority(), ({ issueFromCsr }) => Effect.flatMap(csr, (der) => issueFromCsr(der, subject, "authentication"))));
      expect(result._tag, label).toBe("Failure");
      if (result._tag === "Failure") expect(result.failure, label).toMatchObject({ _tag: "CertificateRefused", reason: expect.stringContaining(reason) });
    }
  });

  it("keeps the CA keys sealed at rest and refuses a wrong passphrase", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ca-"));
    const first = await Authority.loadOrCreate({ directory, passphrase: "correct horse battery", baseUrl: "http://x" }, new Date());
    const again = await Authority.loadOrCreate({ directory, passphrase: "correct horse battery", baseUrl: "http://x" }, new Date());
    expect(Buffer.from(again.issuing.certificate).equals(Buffer.from(first.issuing.certificate))).toBe(true);
    await expect(Authority.loadOrCreate({ directory, passphrase: "wrong", baseUrl: "http://x" }, new Date())).rejects.toThrow();
  });
});

/** Re-signs a CSR's info with another hash and declares that algorithm. */
const withAlgorithm = (der: Uint8Array, algorithm: string, key: KeyObject): Uint8Array => {
  const csr = AsnConvert.parse(der, CertificationRequest);
  const info = new Uint8Array(AsnConvert.serialize(csr.certificationRequestInfo));
  return new Uint8Array(
    AsnConvert.serialize(
      new CertificationRequest({
        certificationRequestInfo: csr.certificationRequestInfo,
        signatureAlgorithm: new X509.AlgorithmIdentifier({ algorithm }),
        signature: new Uint8Array(sign("sha1", info, key)).buffer,
      }),
    ),
  );
};
