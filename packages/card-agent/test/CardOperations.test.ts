/**
 * The agent's card operations through the smart-card port, on the simulator and on SoftHSM2 when
 * installed (skipped, saying so, otherwise): the first PIN set with the PUK, both key pairs with
 * CSRs the card signs (reused on a retry of the same operation, new for another), the certificates
 * written back only for the card's own keys, a login challenge signed with the authentication
 * key, the signature key refused without a PIN for this very use (RGS `pin.before-use`), and a PIN
 * change.
 */
import { CardManufacturer, SmartCards } from "@comedec/card";
import { Rules } from "@comedec/rgs";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Simulator } from "@comedec/smartcard-simulator";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { type Effect, Exit, type Layer, ManagedRuntime } from "effect";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CardOperations, Journal } from "../src/index.js";
import { certify } from "./Certificates.js";

const softHsmLibrary = process.env.SOFTHSM2_LIB ?? "/usr/lib/softhsm/libsofthsm2.so";
const softHsm = (): Layer.Layer<SmartCards | CardManufacturer> => {
  const directory = mkdtempSync(join(tmpdir(), "softhsm-agent-"));
  mkdirSync(join(directory, "tokens"));
  writeFileSync(join(directory, "softhsm2.conf"), `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = join(directory, "softhsm2.conf");
  return Pkcs11.layer({ library: softHsmLibrary }) as unknown as Layer.Layer<SmartCards | CardManufacturer>;
};

const drivers: ReadonlyArray<{ readonly name: string; readonly layer: () => Layer.Layer<SmartCards | CardManufacturer> }> = [
  { name: "the simulator", layer: () => Simulator.layer() },
  ...(existsSync(softHsmLibrary) ? [{ name: "SoftHSM2", layer: softHsm }] : []),
];
if (!existsSync(softHsmLibrary)) {
  describe.skip(`card operations on SoftHSM2: not installed (${softHsmLibrary}); .ci/run installs it`, () => {
    it("runs the same operations on PKCS#11", () => {});
  });
}

const puk = "8123456701";
const pin = "482915";
/** The expected failure of an exit, if it failed. */
const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) ? exit.cause.reasons.flatMap((reason) => (reason._tag === "Fail" ? [reason.error] : []))[0] : undefined;
const spki = (der: Uint8Array) => createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });

for (const driver of drivers) {
  describe(`card operations on ${driver.name}`, () => {
    const runtime = ManagedRuntime.make(driver.layer());
    afterAll(() => runtime.dispose());
    const run = <A, E>(effect: Effect.Effect<A, E, SmartCards | CardManufacturer>) => runtime.runPromise(effect);
    const exit = <A, E>(effect: Effect.Effect<A, E, SmartCards | CardManufacturer>) => runtime.runPromiseExit(effect);
    const journal = Journal.make(mkdtempSync(join(tmpdir(), "agent-journal-")));
    let serial = "";

    it("sets the first PIN with the unblock secret, then lists the card with its PIN set", async () => {
      serial = (await run(CardManufacturer.use((maker) => maker.manufacture({ card: "33333333-0000-4000-8000-000000000001", puk, label: "Jeanne" })))).serial;
      await run(CardOperations.unblock({ serial, secret: puk, newPin: pin }));
      const listed = await run(CardOperations.listCards);
      expect(listed.find((card) => card.serial === serial)?.pin.initialised).toBe(true);
    });

    it("generates both key pairs with CSRs the card signs, and reuses them on a retry of the same operation", async () => {
      const first = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-1", algorithm: "P-256" }, journal));
      expect(first.reused).toBe(false);
      for (const usage of ["authentication", "signature"] as const) {
        const csr = AsnConvert.parse(Buffer.from(first[usage].csr), CertificationRequest);
        const info = Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo));
        expect(verify("sha256", info, spki(first[usage].publicKey), Buffer.from(csr.signature))).toBe(true);
        expect(Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo.subjectPKInfo))).toEqual(Buffer.from(first[usage].publicKey));
      }
      const again = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-1", algorithm: "P-256" }, journal));
      expect(again.reused).toBe(true);
      expect(Buffer.from(again.authentication.publicKey)).toEqual(Buffer.from(first.authentication.publicKey));
      expect(Buffer.from(again.signature.publicKey)).toEqual(Buffer.from(first.signature.publicKey));
      const other = await run(CardOperations.prepareKeys({ serial, pin, operation: "renewal-2", algorithm: "P-256" }, journal));
      expect(other.reused).toBe(false);
      expect(Buffer.from(other.signature.publicKey)).not.toEqual(Buffer.from(first.signature.publicKey));
      // The card now holds the renewal's keys: a retry of the publication finds its keys gone and makes new ones.
      const stale = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-1", algorithm: "P-256" }, journal));
      expect(stale.reused).toBe(false);
    });

    it("writes back certificates of the card's own keys, and refuses a certificate of another key", async () => {
      const keys = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-3", algorithm: "P-256" }, journal));
      const elsewhere = () => new Uint8Array(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" }));
      const mismatch = await exit(
        CardOperations.writeCertificates({
          serial,
          pin,
          certificates: { authentication: certify(keys.authentication.publicKey), signature: certify(elsewhere()) },
        }),
      );
      expect(failureOf(mismatch)).toMatchObject({ _tag: "CertificateMismatch", usage: "signature" });
      const certificates = { authentication: certify(keys.authentication.publicKey), signature: certify(keys.signature.publicKey) };
      await run(CardOperations.writeCertificates({ serial, pin, certificates }));
      const read = await run(SmartCards.use((cards) => cards.readCertificate(serial, "signature")));
      expect(Buffer.from(read)).toEqual(Buffer.from(certificates.signature));
    });

    it("signs a login challenge with the authentication key and gives its certificate", async () => {
      const text = "COMEDEC login\nchallenge-id\nnonce";
      const signed = await run(CardOperations.signChallenge({ serial, pin, text }));
      const certificate = await run(SmartCards.use((cards) => cards.readCertificate(serial, "authentication")));
      expect(Buffer.from(signed.certificate)).toEqual(Buffer.from(certificate));
      const keys = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-3", algorithm: "P-256" }, journal));
      expect(keys.reused).toBe(true);
      expect(verify("sha256", Buffer.from(text), spki(keys.authentication.publicKey), Buffer.from(signed.signature))).toBe(true);
    });

    it("refuses the signature key without a PIN for this very use (pin.before-use), and signs with one", async () => {
      const data = new TextEncoder().encode("réponse à signer");
      for (const given of [undefined, ""]) {
        const refused = await exit(CardOperations.signData({ serial, data, pin: given }));
        expect(Exit.isFailure(refused)).toBe(true);
        expect(failureOf(refused)).toBeInstanceOf(Rules.RuleBroken);
        expect(failureOf(refused)).toMatchObject({ rule: "pin.before-use" });
      }
      const keys = await run(CardOperations.prepareKeys({ serial, pin, operation: "publication-3", algorithm: "P-256" }, journal));
      const signature = await run(CardOperations.signData({ serial, data, pin }));
      expect(verify("sha256", data, spki(keys.signature.publicKey), Buffer.from(signature))).toBe(true);
    });

    it.skipIf(driver.name !== "the simulator")("spends the card's last PIN try only when the holder confirms it, which then blocks the card", async () => {
      const card = (await run(CardManufacturer.use((maker) => maker.manufacture({ card: "33333333-0000-4000-8000-000000000009", puk, label: "Paul" })))).serial;
      await run(CardOperations.unblock({ serial: card, secret: puk, newPin: pin }));
      for (const left of [2, 1])
        expect(failureOf(await exit(CardOperations.signChallenge({ serial: card, pin: "000000", text: "x" })))).toMatchObject({
          _tag: "PinIncorrect",
          triesLeft: left,
        });
      // One try left: refused before it is spent, unless the holder confirms it.
      expect(failureOf(await exit(CardOperations.signChallenge({ serial: card, pin: "000000", text: "x" })))).toMatchObject({ _tag: "PinFinalTry" });
      expect(failureOf(await exit(CardOperations.signChallenge({ serial: card, pin: "000000", text: "x", finalTry: true })))).toMatchObject({
        _tag: "PinLocked",
      });
      expect(failureOf(await exit(CardOperations.signChallenge({ serial: card, pin, text: "x", finalTry: true })))).toMatchObject({ _tag: "PinLocked" });
    });

    it("changes the PIN: the old one no longer opens the card", async () => {
      await run(CardOperations.changePin({ serial, pin, newPin: "731864" }));
      const old = await exit(CardOperations.signChallenge({ serial, pin, text: "x" }));
      expect(failureOf(old)).toMatchObject({ _tag: "PinIncorrect" });
      await run(CardOperations.signChallenge({ serial, pin: "731864", text: "x" }));
    });
  });
}
