/**
 * The command line's own contract, on the built command: `--help` prints the usage and exits 0, a
 * wrong option gets one line and exit code 64 (never a stack trace), and --pkcs11 without the
 * optional driver installed would say what to install (the driver is a peer, loaded only then).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (...args: ReadonlyArray<string>) => spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, COMEDEC_PIN: "" } });

describe("comedec-connection-test's command line", () => {
  it.each(["--help", "-h"])("answers %s with its usage and exit 0", (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("usage: comedec-connection-test --api URL");
    expect(result.stderr).toBe("");
  });

  it("gets one line and exit 64 for an unknown option, with no stack trace", () => {
    const result = run("--bogus");
    expect(result.status).toBe(64);
    expect(result.stderr.trim().split("\n")).toEqual(["comedec-connection-test: Unknown option '--bogus' (--help for the usage)"]);
  });

  it("gets the usage and exit 64 when a required option is missing", () => {
    const result = run("--api", "http://127.0.0.1:1");
    expect(result.status).toBe(64);
    expect(result.stderr).toContain("usage:");
    expect(result.stderr).not.toContain("    at ");
  });
});
