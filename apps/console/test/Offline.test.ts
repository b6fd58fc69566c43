/**
 * The built console names no host but the platform's own: every page, script, style sheet and
 * icon of dist/ is scanned for `http(s)://` hosts, and only XML namespaces (names, never fetched)
 * and the card agent on the loopback may appear. The page loads its assets by paths under
 * /console/ only. Run after `vite build` (turbo's test depends on build).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { foreignHosts } from "../offline.js";

const dist = fileURLToPath(new URL("../dist", import.meta.url));

const files = (folder: string): ReadonlyArray<string> =>
  readdirSync(folder).flatMap((name) => (statSync(join(folder, name)).isDirectory() ? files(join(folder, name)) : [join(folder, name)]));

describe.skipIf(!existsSync(dist))("the built console", () => {
  it("names no host in its page, scripts, styles and icons but XML namespaces and the loopback", () => {
    const texts = files(dist).filter((file) => /\.(html|js|css|svg|json|webmanifest)$/.test(file));
    expect(texts.some((file) => file.endsWith(".js"))).toBe(true);
    expect(texts.some((file) => file.endsWith(".css"))).toBe(true);
    const found = texts.flatMap((file) => foreignHosts(readFileSync(file, "utf8")).map((url) => `${relative(dist, file)}: ${url}`));
    expect(found).toEqual([]);
  });

  it("loads its scripts and styles by paths under /console/ only, and bundles the Marianne fonts", () => {
    const page = readFileSync(join(dist, "index.html"), "utf8");
    const references = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(references.length).toBeGreaterThan(1);
    expect(references.filter((reference) => !reference.startsWith("/console/"))).toEqual([]);
    expect(files(dist).some((file) => /Marianne-Regular.*\.woff2$/.test(file))).toBe(true);
  });

  it("catches a host if one slipped in", () => {
    expect(foreignHosts('src="https://cdn.example.org/dsfr.css" xmlns="http://www.w3.org/2000/svg" http://127.0.0.1:7300')).toEqual([
      "https://cdn.example.org/dsfr.css",
    ]);
  });
});
