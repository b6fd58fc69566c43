/**
 * Both operator command lines answer `--help` with their usage and exit 0, and a wrong option or
 * command with one line and exit 64 — never a stack trace — without reaching any database (a data
 * directory with no platform running, no DATABASE_URL).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const lines = {
  comedec: fileURLToPath(new URL("../dist/cli.js", import.meta.url)),
  "comedec-worker": fileURLToPath(new URL("../../worker/dist/cli.js", import.meta.url)),
};
const environment = { ...process.env, DATABASE_URL: "", COMEDEC_DATA_DIR: mkdtempSync(join(tmpdir(), "command-lines-")) };
const run = (cli: string, args: ReadonlyArray<string>) => spawnSync(process.execPath, [cli, ...args], { env: environment, encoding: "utf8", timeout: 30_000 });

describe.each(Object.entries(lines))("%s", (name, cli) => {
  it.each([["--help"], ["-h"]])("prints its usage for %s and exits 0", (flag) => {
    const answer = run(cli, [flag]);
    expect({ status: answer.status, stderr: answer.stderr }).toEqual({ status: 0, stderr: "" });
    expect(answer.stdout).toMatch(/^usage:/);
    expect(answer.stdout).toContain(`${name} --help`);
  });

  it.each([[["--bogus"]], [["no-such", "command"]], [[]]])("answers %j with one line and exit 64", (args) => {
    const answer = run(cli, args);
    expect(answer.status).toBe(64);
    expect(answer.stdout).toBe("");
    expect(answer.stderr.trim().split("\n")).toHaveLength(1);
    expect(answer.stderr).toMatch(new RegExp(`^${name}: .+ \\(--help for the usage\\)\\n$`));
    expect(answer.stderr).not.toContain("    at ");
  });
});

describe("comedec demo prepare", () => {
  it("is in the usage, and answers --help before reaching any database", () => {
    const answer = run(lines.comedec, ["demo", "prepare", "--help"]);
    expect(answer.status).toBe(0);
    expect(answer.stdout).toContain("comedec demo prepare [--commune INSEE] [--pin PIN] [--json]");
  });
});
