/**
 * `comedec demo prepare` on the platform as `npm start` starts it: a commune ready for an editor's
 * integration tests (an officer signing by delegation with a published virtual card, pending
 * specimen requests), what it prints an editor's program can use as is (the card is in the
 * directory it names and takes the PIN it names), and running it again reuses the officer and the
 * card and makes the requests pending anew.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Started, start } from "./Started.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

describe("comedec demo prepare", () => {
  let platform: Started;
  beforeAll(async () => {
    platform = await start();
  }, 120_000);
  afterAll(() => platform?.stop());

  const prepare = (...args: ReadonlyArray<string>) => {
    const run = spawnSync(process.execPath, [cli, "demo", "prepare", ...args], { env: platform.environment, encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  };

  it("prepares a commune, and again reuses its officer and card with the requests pending anew", async () => {
    const first = JSON.parse(prepare("--commune", "13055", "--json"));
    expect(first).toMatchObject({ commune: "13055", cards: join(platform.dataDir, "cards"), pin: "482915", pendingRequests: 4 });
    expect(first.serial).toMatch(/^SIM-/);
    expect(JSON.parse(readFileSync(first.specimenFile, "utf8")).acts.length).toBeGreaterThan(0);
    expect(existsSync(join(platform.dataDir, "cards"))).toBe(true);
    // The officer can sign: their card is active, their profile an officer's by delegation.
    const token = platform.issue("commune-operator", "commune:13055", "Responsable carte de Marseille");
    const agent = await platform.ok(token, "GET", `/agents/${first.officer}`);
    expect(agent).toMatchObject({ profile: { _tag: "officer", basis: { _tag: "delegation" } }, rights: expect.arrayContaining(["sign-responses"]) });
    const pending = await platform.ok(token, "GET", "/communes/13055/requests");
    expect(pending.items).toHaveLength(4);

    // The command line lends nobody's name: not an agent of the directory (they sign in with their
    // card), not the first start's administrator (the bootstrap session counts once, ADR 0018).
    const issueAs = (id: string) =>
      spawnSync(
        process.execPath,
        [cli, "token", "issue", "--role", "national-administrator", "--site", "national", "--name", "Emprunt", "--purpose", "bootstrap", "--id", id],
        { env: platform.environment, encoding: "utf8", timeout: 60_000 },
      );
    for (const id of [first.officer as string, "bootstrap-admin"]) {
      const borrowed = issueAs(id);
      expect({ id, status: borrowed.status, token: borrowed.stdout.trim() }).toEqual({ id, status: 64, token: "" });
      expect(borrowed.stderr).toContain(`--id ${id}`);
    }
    // Any other name is issued as before.
    expect(issueAs("ants-astreinte").status).toBe(0);

    const again = prepare("--commune", "13055");
    expect(again).toContain(`card ${first.serial}, PIN 482915`);
    expect(again).toContain("4 specimen requests pending");
  }, 240_000);
});
