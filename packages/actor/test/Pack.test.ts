/**
 * What an editor gets from npm: the packed tarball, installed in a fresh directory with npm, must
 * import as ESM with working exports, and keep its internals closed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("the published package", () => {
  it("installs from its tarball and imports from a fresh directory", () => {
    const destination = mkdtempSync(join(tmpdir(), "comedec-pack-"));
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: new URL("..", import.meta.url).pathname, stdio: "pipe" });
    const tarball = readdirSync(destination).find((file) => file.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const project = mkdtempSync(join(tmpdir(), "comedec-editor-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "editor-app", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", join(destination, tarball as string)], { cwd: project, stdio: "pipe" });
    const script = `
      import { Actor, Site } from "@comedec/actor";
      const actor = Actor.Actor.make({ id: "a", name: "Agent", role: "commune-operator", site: { _tag: "commune", commune: "75056" } });
      console.log(JSON.stringify({ roles: Actor.roles.length, site: Site.siteKey(actor.site) }));
      try { await import("@comedec/actor/internal/anything"); console.log("open"); } catch { console.log("closed"); }
    `;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: project, encoding: "utf8" }).trim().split("\n");
    expect(JSON.parse(output[0] as string)).toEqual({ roles: 6, site: "commune:75056" });
    expect(output[1]).toBe("closed");
  }, 120_000);
});
