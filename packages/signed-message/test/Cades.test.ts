/**
 * CAdES-BES against OpenSSL, which nobody here wrote: a message we sign (ECDSA P-256 and RSA)
 * verifies with `openssl cms -verify -cades` against the CA, and one OpenSSL signs with `-cades`
 * verifies here. A changed content, a swapped certificate or a broken signature fails both ways.
 */
import { Effect } from "effect";
import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, sign as signBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Cades } from "../src/index.js";

const directory = mkdtempSync(join(tmpdir(), "cades-"));
const at = (name: string) => join(directory, name);
const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: directory, stdio: ["ignore", "pipe", "pipe"] });
const der = (pem: string) => new Uint8Array(execFileSync("openssl", ["x509", "-in", at(pem), "-outform", "DER"]));

/** A CA and a signer whose key is `keyArgs`, certified with the signature profile's key usage. */
const issue = (name: string, keyArgs: ReadonlyArray<string>) => {
  openssl("genpkey", ...keyArgs, "-out", `${name}.key`);
  openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}/O=Mairie de Lyon`, "-out", `${name}.csr`);
  writeFileSync(at(`${name}.ext`), "keyUsage=critical,nonRepudiation\nbasicConstraints=CA:FALSE\n");
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "30",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  );
};

const signWith = (name: string, content: Uint8Array, signingTime = new Date()) => {
  const key = createPrivateKey(readFileSync(at(`${name}.key`)));
  return Effect.runPromise(
    Cades.sign(content, {
      certificate: der(`${name}.pem`),
      chain: [der("ca.pem")],
      signingTime,
      // As the card does: SHA-256 of the bytes, ECDSA as DER, RSA as PKCS#1 v1.5.
      sign: (toBeSigned) => Effect.sync(() => new Uint8Array(signBytes("sha256", toBeSigned, key))),
    }),
  );
};

/** What `openssl cms -verify -cades` says of a message: the content it verified, or its refusal. */
const opensslVerify = (message: Uint8Array) => {
  writeFileSync(at("message.p7s"), message);
  const run = spawnSync("openssl", ["cms", "-verify", "-cades", "-inform", "DER", "-in", "message.p7s", "-CAfile", "ca.pem", "-purpose", "any", "-binary"], {
    cwd: directory,
  });
  return { ok: run.status === 0, content: run.stdout.toString("utf8"), error: run.stderr.toString("utf8") };
};

const content = new TextEncoder().encode('{"commune":"69123","outcome":{"_tag":"verified"},"request":"r-1"}');

beforeAll(() => {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-subj",
    "/CN=Test CA",
    "-days",
    "30",
    "-out",
    "ca.pem",
  );
  issue("officer-ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  issue("officer-rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]);
  issue("other", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}, 60_000);

describe("a CAdES-BES message we sign", () => {
  for (const signer of ["officer-ec", "officer-rsa"]) {
    it(`verifies with OpenSSL and here (${signer})`, async () => {
      const signingTime = new Date("2026-12-01T10:11:12.345Z");
      const message = await signWith(signer, content, signingTime);
      const checked = opensslVerify(message);
      expect(checked.error).toContain("Verification successful");
      expect(checked.content).toBe(new TextDecoder().decode(content));
      const verified = await Effect.runPromise(Cades.verify(message));
      expect(verified.content).toEqual(content);
      expect(verified.signingTime.toISOString()).toBe("2026-12-01T10:11:12.000Z");
      expect(verified.certificate).toEqual(der(`${signer}.pem`));
      expect(verified.certificates).toHaveLength(2);
    });
  }

  it("fails both ways once its content is changed", async () => {
    const message = await signWith("officer-ec", content);
    const at = Buffer.from(message).indexOf(Buffer.from("verified"));
    const tampered = Uint8Array.from(message);
    tampered.set(new TextEncoder().encode("VERIFIED"), at);
    expect(opensslVerify(tampered).ok).toBe(false);
    expect((await Effect.runPromise(Effect.flip(Cades.verify(tampered)))).reason).toBe("the content does not match its signed digest");
  });

  it("fails both ways when signed by a key other than its certificate's", async () => {
    const key = createPrivateKey(readFileSync(at("other.key")));
    const message = await Effect.runPromise(
      Cades.sign(content, {
        certificate: der("officer-ec.pem"),
        chain: [der("ca.pem")],
        signingTime: new Date(),
        sign: (toBeSigned) => Effect.sync(() => new Uint8Array(signBytes("sha256", toBeSigned, key))),
      }),
    );
    expect(opensslVerify(message).ok).toBe(false);
    expect((await Effect.runPromise(Effect.flip(Cades.verify(message)))).reason).toBe("the signature does not verify with the signer's certificate");
  });

  it("refuses what is not a signed message", async () => {
    expect((await Effect.runPromise(Effect.flip(Cades.verify(content))))._tag).toBe("SignedMessageInvalid");
  });
});

describe("a CAdES-BES message OpenSSL signs", () => {
  it("verifies here, naming its signer's certificate", async () => {
    writeFileSync(at("content.json"), content);
    openssl(
      "cms",
      "-sign",
      "-cades",
      "-binary",
      "-nodetach",
      "-md",
      "sha256",
      "-in",
      "content.json",
      "-signer",
      "officer-ec.pem",
      "-inkey",
      "officer-ec.key",
      "-certfile",
      "ca.pem",
      "-outform",
      "DER",
      "-out",
      "openssl.p7s",
    );
    const verified = await Effect.runPromise(Cades.verify(new Uint8Array(readFileSync(at("openssl.p7s")))));
    expect(verified.content).toEqual(content);
    expect(verified.certificate).toEqual(der("officer-ec.pem"));
  });
});
