/**
 * The CA and audit keys on a PKCS#11 token (SoftHSM2), wired as `Platform.persistence` wires them
 * when `COMEDEC_CA_PKCS11_LIBRARY` is set: the key ceremony sets the token's PIN from both
 * custodians' secrets; the platform then generates the root, issuing and audit keys on the token,
 * and OpenSSL verifies a card certificate, a CRL and an OCSP answer signed there; an audit
 * checkpoint signed there verifies; the private keys are sensitive and never extractable; and
 * a wrong custodian's secret does not open the token. Skipped, saying so, without SoftHSM2.
 */
import { CertificateAuthority, KeyTokens } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { adapters } from "@comedec/persistence/testing";
import { Authority, CardAgentKey, Der, SigningKey } from "@comedec/pki";
import { Audit } from "@comedec/rgs";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Simulator } from "@comedec/smartcard-simulator";
import * as Platform from "@comedec/platform";
import { Effect, Exit, Layer, ManagedRuntime } from "effect";
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { softHsmLibrary } from "./Services.js";

const installed = existsSync(softHsmLibrary) && existsSync("/usr/bin/softhsm2-util");
const label = "comedec-ca";
const securityOfficerPin = "so-pin-of-the-ceremony";
const custodians = [
  { name: "Premier Gardien", secret: "secret-du-premier-gardien" },
  { name: "Seconde Gardienne", secret: "secret-de-la-seconde-gardienne" },
];
const pin = SigningKey.tokenPin(Authority.custodianPassphrase(custodians), label);
const directory = mkdtempSync(join(tmpdir(), "ca-token-"));
const file = (name: string) => join(directory, name);
const openssl = (args: ReadonlyArray<string>) => {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return `${run.stdout}${run.stderr}`;
};

/** The part of pkcs11js this suite reads the token with (the driver's own dependency, not the API's). */
interface Pkcs11Js {
  readonly PKCS11: new () => {
    load(library: string): void;
    C_Initialize(): void;
    C_GetSlotList(present: boolean): Array<Buffer>;
    C_GetTokenInfo(slot: Buffer): { readonly label: string };
    C_OpenSession(slot: Buffer, flags: number): Buffer;
    C_FindObjectsInit(session: Buffer, template: Array<{ type: number; value: number }>): void;
    C_FindObjects(session: Buffer, count: number): Array<Buffer>;
    C_FindObjectsFinal(session: Buffer): void;
    C_GetAttributeValue(session: Buffer, key: Buffer, template: Array<{ type: number }>): Array<{ type: number; value: Buffer }>;
    C_CloseSession(session: Buffer): void;
  };
  readonly CKF_SERIAL_SESSION: number;
  readonly CKA_CLASS: number;
  readonly CKO_PRIVATE_KEY: number;
  readonly CKA_LABEL: number;
  readonly CKA_SENSITIVE: number;
  readonly CKA_EXTRACTABLE: number;
  readonly CKA_NEVER_EXTRACTABLE: number;
  readonly CKA_VALUE: number;
}

const keyTokens = Layer.orDie(Pkcs11.keyTokensLayer({ library: softHsmLibrary }));
const platformOn = (tokenPin: string) =>
  Platform.services((adapters[0] as (typeof adapters)[number]).layer(), {
    pki: { passphrase: "unused: the keys are on the token", baseUrl: "http://127.0.0.1/pki" },
    smartCards: Simulator.layer({ seed: "ca-token" }),
    caToken: { label, pin: tokenPin, keys: keyTokens },
  });

if (installed) {
  // SoftHSM reads its configuration when the module initialises: a token directory of this run's own,
  // and a blank token initialised by its security officer with a provisional user PIN.
  mkdirSync(file("tokens"));
  writeFileSync(file("softhsm2.conf"), `directories.tokendir = ${file("tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = file("softhsm2.conf");
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", securityOfficerPin, "--pin", "provisional-pin"], { stdio: "ignore" });

  describe("the CA and audit keys on a PKCS#11 token (SoftHSM2)", () => {
    let runtime: ManagedRuntime.ManagedRuntime<Layer.Success<ReturnType<typeof platformOn>>, never> | undefined;
    afterAll(() => runtime?.dispose());

    it("refuses to open the token with a wrong custodian's secret, after the ceremony set the PIN both make", async () => {
      // The ceremony: the security officer sets the user PIN both custodians' secrets make, then leaves.
      const ceremony = ManagedRuntime.make(keyTokens);
      await ceremony.runPromise(KeyTokens.use((keys) => keys.initialisePin(label, securityOfficerPin, pin)));
      await ceremony.dispose();
      const wrong = SigningKey.tokenPin(
        Authority.custodianPassphrase([custodians[0]!, { name: "Seconde Gardienne", secret: "pas-le-bon-secret-du-tout" }]),
        label,
      );
      expect(wrong).not.toBe(pin);
      const refused = ManagedRuntime.make(platformOn(wrong));
      const exit = await refused.runPromiseExit(Authority.CaCertificates.use(Effect.succeed));
      await refused.dispose();
      expect(Exit.isFailure(exit)).toBe(true);
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/PinIncorrect/);
    });

    it("issues a card certificate, a CRL and an OCSP answer signed on the token, which OpenSSL verifies", async () => {
      runtime = ManagedRuntime.make(platformOn(pin));
      const { root, issuing, hierarchy } = await runtime.runPromise(Authority.CaCertificates.use(Effect.succeed));
      expect([hierarchy.root.key.holder, hierarchy.issuing.key.holder]).toEqual(["token", "token"]);
      writeFileSync(file("root.pem"), Der.pem("CERTIFICATE", root));
      writeFileSync(file("issuing.pem"), Der.pem("CERTIFICATE", issuing));
      expect(openssl(["x509", "-in", file("root.pem"), "-noout", "-text"])).toMatch(/NIST CURVE: P-384|secp384r1/);

      const card = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const subject = {
        holder: "8c1f4c52-3a55-4f8e-9d0a-4a1f2b3c4d5e",
        givenName: "Paul",
        surname: "Lemoine",
        site: { _tag: "commune", commune: "69123" as InseeCode.InseeCode },
        card: "6f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f0",
      } as const;
      const issued = await runtime.runPromise(
        CertificateAuthority.use((authority) =>
          authority.issueForCard({
            subject,
            usage: "authentication",
            algorithm: "P-256",
            publicKey: new Uint8Array(card.publicKey.export({ format: "der", type: "spki" })),
            signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, card.privateKey))),
          }),
        ),
      );
      writeFileSync(file("card.pem"), Der.pem("CERTIFICATE", issued.der));
      expect(openssl(["verify", "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file("card.pem")])).toContain("card.pem: OK");

      await runtime.runPromise(CertificateAuthority.use((authority) => authority.revoke([issued.ref.serial], "keyCompromise", new Date())));
      const crl = await runtime.runPromise(Authority.Revocation.use((revocation) => revocation.currentCrl));
      writeFileSync(file("crl.pem"), Der.pem("X509 CRL", crl.der));
      expect(openssl(["crl", "-in", file("crl.pem"), "-noout", "-CAfile", file("issuing.pem")])).toContain("verify OK");
      expect(
        openssl(["verify", "-crl_check", "-CRLfile", file("crl.pem"), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file("card.pem")]),
      ).toMatch(/certificate revoked/);

      openssl(["ocsp", "-issuer", file("issuing.pem"), "-cert", file("card.pem"), "-no_nonce", "-reqout", file("request.der")]);
      const response = await runtime.runPromise(Authority.Revocation.use((revocation) => revocation.ocsp(new Uint8Array(readFileSync(file("request.der"))))));
      writeFileSync(file("response.der"), response);
      const answer = openssl([
        "ocsp",
        "-respin",
        file("response.der"),
        "-no_nonce",
        "-issuer",
        file("issuing.pem"),
        "-cert",
        file("card.pem"),
        "-CAfile",
        file("root.pem"),
        "-verify_other",
        file("issuing.pem"),
      ]);
      expect(answer).toContain("Response verify OK");
      expect(answer).toMatch(/card\.pem: revoked/);
    });

    it("signs an audit checkpoint on the token, which verifies with the published public key", async () => {
      const signer = await (runtime as NonNullable<typeof runtime>).runPromise(Audit.CheckpointSigner.use(Effect.succeed));
      const data = new TextEncoder().encode("checkpoint 42: 9f86d081884c7d659a2feaa0c55ad015");
      const signature = await Effect.runPromise(signer.sign(data));
      expect(signer.verify(data, signature)).toBe(true);
      expect(signer.verify(new TextEncoder().encode("checkpoint 43"), signature)).toBe(false);
      writeFileSync(file("audit.pub"), signer.publicKey);
      writeFileSync(file("checkpoint"), data);
      writeFileSync(file("checkpoint.sig"), Buffer.from(signature, "base64"));
      expect(openssl(["dgst", "-sha256", "-verify", file("audit.pub"), "-signature", file("checkpoint.sig"), file("checkpoint")])).toContain("Verified OK");
    });

    it("keeps every private key on the token sensitive and never extractable, and reopens the same keys at the next start", async () => {
      // A second, independent look at the token through pkcs11js itself (the driver's own dependency).
      const pkcs11js = createRequire(fileURLToPath(import.meta.resolve("@comedec/smartcard-pkcs11/package.json")))("pkcs11js") as Pkcs11Js;
      const module = new pkcs11js.PKCS11();
      module.load(softHsmLibrary);
      try {
        module.C_Initialize();
      } catch {
        // Already initialised by the driver in this process: the module is shared.
      }
      const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).label.trim() === label) as Buffer;
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
      const keys = module.C_FindObjects(session, 10);
      module.C_FindObjectsFinal(session);
      // The root, issuing and audit keys, and the key that signs the card agents' pairings and tickets.
      const labels = [...Object.values(Authority.tokenLabels), CardAgentKey.tokenLabel];
      expect(keys.length).toBe(labels.length);
      for (const key of keys) {
        const [labelled, sensitive, extractable, neverExtractable] = module.C_GetAttributeValue(session, key, [
          { type: pkcs11js.CKA_LABEL },
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
          { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
        ]);
        expect(labels).toContain(String(labelled?.value));
        expect([sensitive?.value[0], extractable?.value[0], neverExtractable?.value[0]]).toEqual([1, 0, 1]);
        expect(() => module.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      }
      module.C_CloseSession(session);

      const before = await (runtime as NonNullable<typeof runtime>).runPromise(Authority.CaCertificates.use(Effect.succeed));
      const again = ManagedRuntime.make(platformOn(pin));
      const after = await again.runPromise(Authority.CaCertificates.use(Effect.succeed));
      await again.dispose();
      expect(Buffer.from(after.issuing).equals(Buffer.from(before.issuing))).toBe(true);
    });
  });
} else {
  describe.skip(`the CA keys on a PKCS#11 token: SoftHSM2 is not installed (${softHsmLibrary})`, () => {
    it("signs certificates, CRLs, OCSP answers and checkpoints on the token", () => {});
  });
}
