/**
 * The PKCS#11 driver against SoftHSM2 (installed by `.ci/run` from Debian's packages): the
 * smart-card contract, plus what only a real PKCS#11 module can show — keys that are sensitive and
 * not extractable, the signature key marked always-authenticate, a login refused on the final try.
 * Skipped, saying so, where SoftHSM2 is not installed.
 */
import { CardManufacturer, SmartCards } from "@comedec/card";
import { smartCardContract } from "@comedec/smartcard-contract";
import { Effect, ManagedRuntime } from "effect";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkcs11js from "pkcs11js";
import { afterAll, describe, expect, it } from "vitest";
import { Pkcs11 } from "../src/index.js";

const library = process.env.SOFTHSM2_LIB ?? "/usr/lib/softhsm/libsofthsm2.so";
const installed = existsSync(library);

// SoftHSM reads its configuration when the module initialises: a token directory of this run's own.
const directory = mkdtempSync(join(tmpdir(), "softhsm-"));
mkdirSync(join(directory, "tokens"));
writeFileSync(join(directory, "softhsm2.conf"), `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
process.env.SOFTHSM2_CONF = join(directory, "softhsm2.conf");

const runtime = installed ? ManagedRuntime.make(Pkcs11.layer({ library })) : undefined;
afterAll(() => runtime?.dispose());

const open = async () => {
  const services = await (runtime as NonNullable<typeof runtime>).runPromise(
    Effect.all([SmartCards.use(Effect.succeed), CardManufacturer.use(Effect.succeed)]),
  );
  return { ...services[0], manufacture: services[1].manufacture };
};

if (installed) {
  smartCardContract("PKCS#11 on SoftHSM2", open);

  describe("PKCS#11 driver, beyond the contract", () => {
    it("keeps private keys sensitive and not extractable, and the signature key always-authenticate", async () => {
      const driver = await open();
      const { serial } = await Effect.runPromise(driver.manufacture({ card: "22222222-0000-4000-8000-000000000001", puk: "8123456701", label: "x" }));
      await Effect.runPromise(driver.unblock(serial, "8123456701", "482915"));
      await Effect.runPromise(driver.login(serial, "482915"));
      await Effect.runPromise(driver.generateKeyPair(serial, "signature", "P-256"));
      // A second, independent look at the token through pkcs11js itself.
      const module = new pkcs11js.PKCS11();
      module.load(library);
      try {
        module.C_Initialize();
      } catch {
        // Already initialised by the driver in this process: the module is shared.
      }
      const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).serialNumber.trim() === serial);
      const session = module.C_OpenSession(slot as Buffer, pkcs11js.CKF_SERIAL_SESSION);
      module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
      const key = module.C_FindObjects(session) as Buffer;
      module.C_FindObjectsFinal(session);
      const attributes = module.C_GetAttributeValue(session, key, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_ALWAYS_AUTHENTICATE },
      ]);
      expect(attributes.map((attribute) => attribute.value[0])).toEqual([1, 0, 1]);
      expect(() => module.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      module.C_CloseSession(session);
    });
  });
} else {
  describe.skip(`PKCS#11 driver: SoftHSM2 is not installed (${library}); .ci/run installs it`, () => {
    it("runs the smart-card contract on SoftHSM2", () => {});
  });
}
