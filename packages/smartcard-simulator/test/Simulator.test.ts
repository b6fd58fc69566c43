import { Effect } from "effect";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Simulator } from "../src/index.js";

const puk = "8123456701";
const pin = "482915";
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.result(effect));
const ok = async <A, E>(effect: Effect.Effect<A, E>) => {
  const result = await run(effect);
  if (result._tag === "Failure") throw new Error(JSON.stringify(result.failure));
  return result.success;
};
const failure = async <A, E>(effect: Effect.Effect<A, E>) => {
  const result = await run(effect);
  return result._tag === "Failure" ? result.failure : undefined;
};

const activated = async (options: Simulator.Options = {}) => {
  const simulator = await Effect.runPromise(Simulator.make(options));
  const { serial } = await ok(simulator.manufacture({ card: "card-1", puk, label: "Carte agent" }));
  await ok(simulator.unblock(serial, puk, pin));
  return { simulator, serial };
};

describe("Simulator", () => {
  it("leaves the factory without a PIN; the PUK sets the first one and counts its own wrong tries", async () => {
    const simulator = await Effect.runPromise(Simulator.make());
    const { serial } = await ok(simulator.manufacture({ card: "card-1", puk, label: "Carte agent" }));
    expect(await ok(simulator.pinState(serial))).toMatchObject({ initialised: false });
    expect(await failure(simulator.login(serial, pin))).toMatchObject({ _tag: "PinRejected" });
    expect(await failure(simulator.unblock(serial, "0000000000", pin))).toMatchObject({ _tag: "PinIncorrect", secret: "puk", triesLeft: 9 });
    expect(await failure(simulator.unblock(serial, puk, "111111"))).toMatchObject({ _tag: "PinRejected" });
    await ok(simulator.unblock(serial, puk, pin));
    await ok(simulator.login(serial, pin));
  });

  it("counts wrong PINs down from 3, refuses the final try unless told, then locks; the PUK unblocks", async () => {
    const { simulator, serial } = await activated();
    expect(await failure(simulator.login(serial, "000000"))).toMatchObject({ _tag: "PinIncorrect", triesLeft: 2 });
    expect(await failure(simulator.login(serial, "000000"))).toMatchObject({ _tag: "PinIncorrect", triesLeft: 1 });
    expect(await ok(simulator.pinState(serial))).toMatchObject({ countLow: true, finalTry: true, locked: false });
    expect(await failure(simulator.login(serial, pin))).toMatchObject({ _tag: "PinFinalTry" });
    expect(await failure(simulator.login(serial, "000000", { evenIfFinalTry: true }))).toMatchObject({ _tag: "PinLocked", secret: "pin" });
    expect(await failure(simulator.login(serial, pin, { evenIfFinalTry: true }))).toMatchObject({ _tag: "PinLocked" });
    await ok(simulator.unblock(serial, puk, "739164"));
    expect(await ok(simulator.pinState(serial))).toMatchObject({ triesLeft: 3, locked: false });
    await ok(simulator.login(serial, "739164"));
  });

  it("locks the PUK after 10 wrong tries", async () => {
    const { simulator, serial } = await activated();
    for (let tries = 9; tries >= 1; tries -= 1) expect(await failure(simulator.unblock(serial, "0000000000", pin))).toMatchObject({ triesLeft: tries });
    expect(await failure(simulator.unblock(serial, "0000000000", pin))).toMatchObject({ _tag: "PinLocked", secret: "puk" });
    expect(await failure(simulator.unblock(serial, puk, pin))).toMatchObject({ _tag: "PinLocked", secret: "puk" });
  });

  it("generates keys on the card after login; the authentication key signs in the session, the signature key only with the PIN each time", async () => {
    const { simulator, serial } = await activated();
    expect(await failure(simulator.generateKeyPair(serial, "authentication", "P-256"))).toMatchObject({ _tag: "PinRequired" });
    await ok(simulator.login(serial, pin));
    const authentication = await ok(simulator.generateKeyPair(serial, "authentication", "P-256"));
    const signature = await ok(simulator.generateKeyPair(serial, "signature", "P-256"));
    const data = new TextEncoder().encode("défi de connexion");
    const authSignature = await ok(simulator.sign(serial, "authentication", data));
    expect(verify("sha256", data, createPublicKey({ key: Buffer.from(authentication.publicKey), format: "der", type: "spki" }), authSignature)).toBe(true);
    expect(await failure(simulator.sign(serial, "signature", data))).toMatchObject({ _tag: "PinRequired" });
    const signed = await ok(simulator.sign(serial, "signature", data, pin));
    expect(verify("sha256", data, createPublicKey({ key: Buffer.from(signature.publicKey), format: "der", type: "spki" }), signed)).toBe(true);
    expect(verify("sha256", data, createPublicKey({ key: Buffer.from(authentication.publicKey), format: "der", type: "spki" }), signed)).toBe(false);
    expect(await failure(simulator.sign(serial, "signature", data, "000000"))).toMatchObject({ _tag: "PinIncorrect", triesLeft: 2 });
    await ok(simulator.logout(serial));
    expect(await failure(simulator.sign(serial, "authentication", data))).toMatchObject({ _tag: "PinRequired" });
  });

  it("stores certificates per key, and a new key pair drops the old certificate", async () => {
    const { simulator, serial } = await activated();
    await ok(simulator.login(serial, pin));
    expect(await failure(simulator.writeCertificate(serial, "signature", new Uint8Array([1])))).toMatchObject({ _tag: "KeyNotFound" });
    await ok(simulator.generateKeyPair(serial, "signature", "P-256"));
    await ok(simulator.writeCertificate(serial, "signature", new Uint8Array([48, 1, 2])));
    expect([...(await ok(simulator.readCertificate(serial, "signature")))]).toEqual([48, 1, 2]);
    await ok(simulator.generateKeyPair(serial, "signature", "P-256"));
    expect(await failure(simulator.readCertificate(serial, "signature"))).toMatchObject({ _tag: "KeyNotFound" });
  });

  it("reports removal and insertion, and an absent card answers CardAbsent", async () => {
    const { simulator, serial } = await activated();
    const events: Array<string> = [];
    const stop = simulator.watch((event) => events.push(`${event.type}:${event.serial}`));
    await ok(simulator.remove(serial));
    expect(await failure(simulator.login(serial, pin))).toMatchObject({ _tag: "CardAbsent" });
    expect(await ok(simulator.list)).toEqual([]);
    await ok(simulator.insert(serial));
    stop();
    expect(events).toEqual([`removed:${serial}`, `inserted:${serial}`]);
    expect((await ok(simulator.list)).map((card) => card.serial)).toEqual([serial]);
  });

  it("keeps cards and their counters in its directory across restarts, and the same seed gives the same cards", async () => {
    const directory = mkdtempSync(join(tmpdir(), "cards-"));
    const { simulator, serial } = await activated({ directory, seed: "test-seed" });
    await ok(simulator.login(serial, pin));
    const key = await ok(simulator.generateKeyPair(serial, "authentication", "P-256"));
    await failure(simulator.login(serial, "000000"));
    const reopened = await Effect.runPromise(Simulator.make({ directory }));
    expect(await ok(reopened.pinState(serial))).toMatchObject({ triesLeft: 2 });
    const twin = await activated({ seed: "test-seed" });
    expect(twin.serial).toBe(serial);
    await ok(twin.simulator.login(serial, pin));
    expect(Buffer.from((await ok(twin.simulator.generateKeyPair(serial, "authentication", "P-256"))).publicKey).equals(Buffer.from(key.publicKey))).toBe(true);
  });
});
