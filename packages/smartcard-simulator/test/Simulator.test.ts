import { Effect } from "effect";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smartCardContract } from "@comedec/smartcard-contract";
import { describe, expect, it } from "vitest";
import { Simulator } from "../src/index.js";

smartCardContract("simulator", () => Effect.runPromise(Simulator.make()));

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

describe("Simulator, beyond the contract", () => {
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

  it("sees a card another process on the same directory made or changed since it opened it", async () => {
    const directory = mkdtempSync(join(tmpdir(), "cards-"));
    const agent = await Effect.runPromise(Simulator.make({ directory }));
    expect(await ok(agent.list)).toEqual([]);
    // Another program of the workstation (the CLI's `demo prepare`) makes and activates a card there.
    const { simulator: other, serial } = await activated({ directory });
    expect((await ok(agent.list)).map((card) => card.serial)).toEqual([serial]);
    await ok(agent.login(serial, pin));
    // A wrong PIN at the other program counts at the agent too.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await failure(other.login(serial, "000000"));
    expect(await ok(agent.pinState(serial))).toMatchObject({ triesLeft: 2 });
  });
});
