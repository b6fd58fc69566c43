/**
 * The contract suite of the smart-card port: what every driver must do, run against the
 * simulator and against PKCS#11 on SoftHSM2. Lockout is not here — SoftHSM never locks a PIN —
 * and is tested on the simulator alone.
 */
import type { CardFailure, SmartCardsShape } from "@comedec/card";
import { Effect } from "effect";
import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";

/** A driver under test: the port and a way to make a blank card. */
export interface DriverUnderTest extends SmartCardsShape {
  readonly manufacture: (order: {
    readonly card: string;
    readonly puk: string;
    readonly label: string;
  }) => Effect.Effect<{ readonly serial: string }, CardFailure>;
}

const puk = "8123456701";
const pin = "482915";
const ok = async <A, E>(effect: Effect.Effect<A, E>) => {
  const result = await Effect.runPromise(Effect.result(effect));
  if (result._tag === "Failure") throw new Error(JSON.stringify(result.failure));
  return result.success;
};
const failure = async <A, E>(effect: Effect.Effect<A, E>) => {
  const result = await Effect.runPromise(Effect.result(effect));
  return result._tag === "Failure" ? result.failure : undefined;
};
const verifies = (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array) =>
  verify("sha256", data, createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" }), signature);

/** Runs the contract against a driver. `open` is called once per test and gives a fresh driver. */
export const smartCardContract = (name: string, open: () => Promise<DriverUnderTest>) =>
  describe(`smart-card port contract: ${name}`, () => {
    let counter = 0;
    const activated = async () => {
      const driver = await open();
      counter += 1;
      const { serial } = await ok(
        driver.manufacture({ card: `0000000${counter}-0000-4000-8000-${String(Date.now()).padStart(12, "0")}`, puk, label: "Carte agent" }),
      );
      await ok(driver.unblock(serial, puk, pin));
      return { driver, serial };
    };

    it("makes blank cards without a PIN; the PUK sets the first one, and a wrong PUK is refused", async () => {
      const driver = await open();
      const { serial } = await ok(driver.manufacture({ card: `1111111${counter}-0000-4000-8000-000000000001`, puk, label: "Carte agent" }));
      expect((await ok(driver.list)).map((card) => card.serial)).toContain(serial);
      expect(await ok(driver.pinState(serial))).toMatchObject({ initialised: false, locked: false });
      expect(await failure(driver.login(serial, pin))).toMatchObject({ _tag: "PinRejected" });
      expect(await failure(driver.unblock(serial, "0000000000", pin))).toMatchObject({ _tag: "PinIncorrect", secret: "puk" });
      expect(await failure(driver.unblock(serial, puk, "111111"))).toMatchObject({ _tag: "PinRejected" });
      await ok(driver.unblock(serial, puk, pin));
      expect(await ok(driver.pinState(serial))).toMatchObject({ initialised: true });
      await ok(driver.login(serial, pin));
      await ok(driver.logout(serial));
    });

    it("refuses a wrong PIN with a PinIncorrect, and a missing card with CardAbsent", async () => {
      const { driver, serial } = await activated();
      expect(await failure(driver.login(serial, "000000"))).toMatchObject({ _tag: "PinIncorrect", secret: "pin" });
      await ok(driver.login(serial, pin));
      expect(await failure(driver.pinState("NO-SUCH-CARD"))).toMatchObject({ _tag: "CardAbsent" });
    });

    it("generates P-256 and RSA keys on the card after login, and signs with each key separately", async () => {
      const { driver, serial } = await activated();
      expect(await failure(driver.generateKeyPair(serial, "authentication", "P-256"))).toMatchObject({ _tag: "PinRequired" });
      await ok(driver.login(serial, pin));
      const authentication = await ok(driver.generateKeyPair(serial, "authentication", "P-256"));
      const signature = await ok(driver.generateKeyPair(serial, "signature", "RSA-2048"));
      expect(createPublicKey({ key: Buffer.from(signature.publicKey), format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength).toBe(2048);
      const data = new TextEncoder().encode("défi de connexion 42");
      expect(verifies(authentication.publicKey, data, await ok(driver.sign(serial, "authentication", data)))).toBe(true);
      expect(await failure(driver.sign(serial, "signature", data))).toMatchObject({ _tag: "PinRequired" });
      const signed = await ok(driver.sign(serial, "signature", data, pin));
      expect(verifies(signature.publicKey, data, signed)).toBe(true);
      expect(verifies(authentication.publicKey, data, signed)).toBe(false);
      await ok(driver.logout(serial));
      expect(await failure(driver.sign(serial, "authentication", data))).toMatchObject({ _tag: "PinRequired" });
    });

    it("keeps a certificate per key; a new key pair drops the old certificate", async () => {
      const { driver, serial } = await activated();
      await ok(driver.login(serial, pin));
      expect(await failure(driver.readCertificate(serial, "signature"))).toMatchObject({ _tag: "KeyNotFound" });
      await ok(driver.generateKeyPair(serial, "signature", "P-256"));
      // The smallest certificate-shaped DER: SEQUENCE { SEQUENCE { INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE (subject) } }.
      const certificate = new Uint8Array(Buffer.from("3014301202010130003000300030003006310430020600", "hex"));
      await ok(driver.writeCertificate(serial, "signature", certificate));
      expect(Buffer.from(await ok(driver.readCertificate(serial, "signature"))).equals(Buffer.from(certificate))).toBe(true);
      await ok(driver.generateKeyPair(serial, "signature", "P-256"));
      expect(await failure(driver.readCertificate(serial, "signature"))).toMatchObject({ _tag: "KeyNotFound" });
    });

    it("changes the PIN with the old one, refusing a weak new one", async () => {
      const { driver, serial } = await activated();
      expect(await failure(driver.changePin(serial, pin, "123456"))).toMatchObject({ _tag: "PinRejected" });
      await ok(driver.changePin(serial, pin, "739164"));
      expect(await failure(driver.login(serial, pin))).toMatchObject({ _tag: "PinIncorrect" });
      await ok(driver.login(serial, "739164"));
    });
  });
