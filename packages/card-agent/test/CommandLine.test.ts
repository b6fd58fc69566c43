/**
 * The command line's own contract, on the built command: `--help` prints the usage and exits 0, a
 * wrong option or a missing one gets one line and exit code 64 (never a stack trace), and an
 * address other than 127.0.0.1 is refused before anything is opened.
 */
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect } from "effect";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (...args: ReadonlyArray<string>) => runWith({}, ...args);
const runWith = (environment: NodeJS.ProcessEnv, ...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, COMEDEC_PIN: "", COMEDEC_NEW_PIN: "", ...environment } });

describe("comedec-card-agent's command line", () => {
  it.each(["--help", "-h"])("answers %s with its usage and exit 0", (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("usage: comedec-card-agent --platform URL --console-origin ORIGIN");
    expect(result.stderr).toBe("");
  });

  it("gets one line and exit 64 for an unknown option, with no stack trace", () => {
    const result = run("--bogus");
    expect(result.status).toBe(64);
    expect(result.stderr.trim().split("\n")).toEqual(["comedec-card-agent: Unknown option '--bogus' (--help for the usage)"]);
  });

  it.each([
    [["--simulator", "/tmp/x"], "serving needs --platform and --console-origin"],
    [["--platform", "http://127.0.0.1:1", "--console-origin", "https://console.test"], "one card driver"],
    [["--simulator", "/tmp/x", "--pkcs11", "/x.so", "--platform", "http://127.0.0.1:1", "--console-origin", "https://c.test"], "one card driver"],
    [["--simulator", "/tmp/x", "--platform", "http://p", "--console-origin", "https://c.test", "--host", "0.0.0.0"], "listens on 127.0.0.1 only"],
    [["--simulator", "/tmp/x", "--platform", "http://p", "--console-origin", "https://c.test", "--port", "http"], "is not a port"],
    [["change-pin", "--simulator", "/tmp/x"], "change-pin needs --card"],
    [["sideways", "--simulator", "/tmp/x"], "unknown command"],
  ])("refuses %j with exit 64", (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(64);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("    at ");
  });

  it("fails with exit 2 and one line when the platform cannot be reached", () => {
    const result = run(
      "--simulator",
      "/tmp/comedec-agent-unreachable",
      "--platform",
      "http://127.0.0.1:1",
      "--console-origin",
      "https://c.test",
      "--port",
      "0",
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("comedec-card-agent:");
  });

  it("lists the cards in the readers, and changes a PIN typed (here, given) at the workstation", async () => {
    const directory = mkdtempSync(join(tmpdir(), "comedec-agent-cli-"));
    const readers = await Effect.runPromise(Simulator.make({ directory }));
    const { serial } = await Effect.runPromise(readers.manufacture({ card: "card-cli", puk: "8123456701", label: "Carte agent" }));
    await Effect.runPromise(readers.unblock(serial, "8123456701", "482915"));
    const listed = run("cards", "--simulator", directory);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`${serial}\tCarte agent\tPIN défini`);
    const noTerminal = run("change-pin", "--card", serial, "--simulator", directory);
    expect(noTerminal.status).toBe(64);
    expect(noTerminal.stderr).toContain("set COMEDEC_PIN");
    const wrong = runWith({ COMEDEC_PIN: "000000", COMEDEC_NEW_PIN: "731864" }, "change-pin", "--card", serial, "--simulator", directory);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trim()).toBe("Échec : PinIncorrect");
    const changed = runWith({ COMEDEC_PIN: "482915", COMEDEC_NEW_PIN: "731864" }, "change-pin", "--card", serial, "--simulator", directory);
    expect([changed.status, changed.stdout.trim()]).toEqual([0, "Code PIN changé."]);
    const reopened = await Effect.runPromise(Simulator.make({ directory }));
    await Effect.runPromise(reopened.login(serial, "731864"));
  });
});
