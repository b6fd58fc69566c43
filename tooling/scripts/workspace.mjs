// The workspace's TypeScript projects, for the scripts that write and check the tsconfigs: every
// package of the pnpm workspace (packages/*, apps/*, tooling/*) whose build is
// `tsc -b tsconfig.build.json`. A package read from its sources (no build script) is left out.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's root folder. */
export const root = new URL("../..", import.meta.url).pathname;

/** The workspace's folder groups, as pnpm-workspace.yaml lists them. */
export const groups = ["packages", "apps", "tooling"];

/** Whether the package in `dir` builds with its tsconfig.build.json. */
const builds = (dir) => {
  if (!existsSync(join(root, dir, "package.json")) || !existsSync(join(root, dir, "tsconfig.build.json"))) return false;
  const build = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).scripts?.build ?? "";
  return /\btsc\b.*tsconfig\.build\.json/.test(build);
};

/** The folders, relative to the root and sorted, of every workspace package built by `tsc -b tsconfig.build.json`. */
export const builtPackages = () =>
  groups
    .flatMap((group) => (existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => `${group}/${name}`) : []))
    .filter(builds)
    .sort();

/** The root solution tsconfig.json: no files of its own, a reference to every built package, so `tsc -b` builds the whole graph. */
export const solution = (dirs = builtPackages()) => ({
  files: [],
  references: dirs.map((dir) => ({ path: `${dir}/tsconfig.build.json` })),
});
