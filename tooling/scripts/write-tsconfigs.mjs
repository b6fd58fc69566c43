// Writes each workspace package's tsconfig.build.json (src only, project references derived from
// its @comedec dependencies) and tsconfig.json (src + test, for typechecking), then the root
// solution tsconfig.json that references them all. Run after adding a package or a workspace
// dependency: `node tooling/scripts/write-tsconfigs.mjs`.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { root, solution } from "./workspace.mjs";

const dirs = ["packages", "apps", "tooling"].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(group, name)) : [],
);
const byName = new Map();
for (const dir of dirs) {
  const file = join(root, dir, "package.json");
  if (existsSync(file) && existsSync(join(root, dir, "src"))) byName.set(JSON.parse(readFileSync(file, "utf8")).name, dir);
}
for (const dir of byName.values()) {
  const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  // Only runtime dependencies and peers are built first: devDependencies serve the tests, which typecheck from source.
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((dep) => byName.has(dep));
  const base = relative(join(root, dir), join(root, "tooling/tsconfig/base.json"));
  const build = {
    extends: base,
    compilerOptions: { rootDir: "src", outDir: "dist", tsBuildInfoFile: "dist/.tsbuildinfo" },
    include: ["src"],
    references: deps.map((dep) => ({ path: join(relative(join(root, dir), join(root, byName.get(dep))), "tsconfig.build.json") })),
  };
  const check = {
    extends: base,
    compilerOptions: { composite: false, incremental: false, noEmit: true, rootDir: "." },
    include: ["src", "test"],
  };
  writeFileSync(join(root, dir, "tsconfig.build.json"), `${JSON.stringify(build, null, 2)}\n`);
  writeFileSync(join(root, dir, "tsconfig.json"), `${JSON.stringify(check, null, 2)}\n`);
  if (!existsSync(join(root, dir, "vitest.config.ts")) && existsSync(join(root, dir, "test"))) {
    writeFileSync(join(root, dir, "vitest.config.ts"), 'export { default } from "@comedec/tooling-vitest";\n');
  }
}
writeFileSync(join(root, "tsconfig.json"), `${JSON.stringify(solution(), null, 2)}\n`);
console.log(`tsconfigs written for ${byName.size} packages, and the root solution`);
