// Fails when the root tsconfig.json (the solution `tsc -b` and editors start from) misses a
// workspace package built by `tsc -b tsconfig.build.json`, or names one that is not (any more). Reads
// files only: no build. Fix: `node tooling/scripts/write-tsconfigs.mjs`, which rewrites it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { builtPackages, root } from "./workspace.mjs";

const file = join(root, "tsconfig.json");
const fix = 'add `{ "path": "<folder>/tsconfig.build.json" }` to its "references", or run `node tooling/scripts/write-tsconfigs.mjs`';
if (!existsSync(file)) {
  console.error(`tsconfig.json: missing at the repository root; ${fix}`);
  process.exit(1);
}
const solution = JSON.parse(readFileSync(file, "utf8"));
const referenced = new Set((solution.references ?? []).map((reference) => reference.path.replace(/^\.\//, "").replace(/\/tsconfig\.build\.json$/, "")));
const expected = builtPackages();
const missing = expected.filter((dir) => !referenced.has(dir));
const stale = [...referenced].filter((dir) => !expected.includes(dir));
const problems = [
  ...missing.map((dir) => `${dir} builds with tsc -b tsconfig.build.json but the root tsconfig.json does not reference it`),
  ...stale.map((dir) => `the root tsconfig.json references ${dir}/tsconfig.build.json, which is not a built workspace package`),
  ...(Array.isArray(solution.files) && solution.files.length === 0 ? [] : ['the root tsconfig.json must be a solution: "files": []']),
];
if (problems.length > 0) {
  for (const problem of problems) console.error(`tsconfig.json: ${problem}`);
  console.error(`tsconfig.json: ${fix}`);
  process.exit(1);
}
console.log(`tsconfig.json: references all ${expected.length} built workspace packages`);
