// The packages as an editor gets them: every published package packed by pnpm (as `changeset
// publish` would), each tarball checked (what runs and nothing else: no build info, no source
// without its map's sourcesContent, no export or bin pointing at an unshipped file, no `workspace:`
// range, `effect` a peer), then installed with npm — not pnpm — into a fresh directory outside the
// workspace, with `effect` at the oldest and at the newest version the peer range admits. There a
// consumer type-checks every README's example (packages/*/examples/*.ts, which the READMEs include)
// under `moduleResolution: nodenext` and `bundler`, and runs each one; the examples that talk to a
// platform get the embedded one (apps/api/dist/main.js) prepared by `demo prepare`. Each package is
// also installed alone with the companions its README's `npm install` line lists. Last, the
// editors' guide (docs/editors.md): its `sh test` blocks run in order in an empty directory against
// the embedded platform (its `ts file=NAME` blocks written there first), `npm install` taking the
// tarballs and `effect` at the oldest version the range admits, which the monorepo does not use.
//
// Needs the packages built (`turbo run build`). `node tooling/scripts/pack-test.mjs [--keep]`.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { root } from "./workspace.mjs";

const started = Date.now();
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "comedec-pack-"));
const problems = [];
const fail = (message) => {
  problems.push(message);
  console.error(`✗ ${message}`);
};
const step = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
const run = (command, args, options = {}) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, ...options });
const npm = (args, cwd) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd });

// 1. Pack every published package.
const published = readdirSync(join(root, "packages"))
  .map((name) => ({ dir: join(root, "packages", name), folder: name }))
  .filter(({ dir }) => existsSync(join(dir, "package.json")))
  .map((entry) => ({ ...entry, manifest: JSON.parse(readFileSync(join(entry.dir, "package.json"), "utf8")) }))
  .filter(({ manifest }) => manifest.private !== true);
const tarballs = join(work, "tarballs");
mkdirSync(tarballs);
step(`packing ${published.length} packages into ${tarballs}`);
const tarballOf = new Map();
for (const { dir, manifest } of published) {
  const before = new Set(readdirSync(tarballs));
  run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: dir });
  const made = readdirSync(tarballs).find((file) => !before.has(file));
  if (made === undefined) fail(`${manifest.name}: pnpm pack made no tarball`);
  else tarballOf.set(manifest.name, join(tarballs, made));
}

// 2. What each tarball holds.
const extracted = join(work, "extracted");
const shipped = new Map();
for (const [name, tarball] of tarballOf) {
  const into = join(extracted, name);
  mkdirSync(into, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", into, "--strip-components=1"]);
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(into, path));
    }
  };
  walk(into);
  const manifest = JSON.parse(readFileSync(join(into, "package.json"), "utf8"));
  shipped.set(name, manifest);
  const has = new Set(files);
  const workspaceDir = published.find((entry) => entry.manifest.name === name)?.dir ?? "";
  for (const file of files) {
    const compiled = /^dist\/(.+?)(\.d\.ts|\.js)$/.exec(file);
    if (compiled !== null && !existsSync(join(workspaceDir, "src", `${compiled[1]}.ts`)) && !existsSync(join(workspaceDir, "src", `${compiled[1]}.tsx`)))
      fail(`${name}: ships ${file}, stale build output with no source (rebuild from a clean dist)`);
    if (file.endsWith(".tsbuildinfo")) fail(`${name}: ships build info ${file}`);
    if (file.startsWith("src/") || (file.endsWith(".ts") && !file.endsWith(".d.ts"))) fail(`${name}: ships source ${file}`);
    if (file.endsWith(".map")) {
      const map = JSON.parse(readFileSync(join(into, file), "utf8"));
      const complete =
        Array.isArray(map.sourcesContent) && map.sourcesContent.length === map.sources.length && map.sourcesContent.every((text) => typeof text === "string");
      if (!complete) fail(`${name}: ${file} has no sourcesContent, and its sources are not shipped`);
    }
    if (file.endsWith(".js") || file.endsWith(".d.ts")) {
      const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(into, file), "utf8"))?.[1];
      if (reference !== undefined && !has.has(join(file, "..", reference))) fail(`${name}: ${file} points at the unshipped map ${reference}`);
    }
  }
  const targets = [];
  const collect = (value, path) => {
    if (typeof value === "string") targets.push([path, value]);
    else if (value !== null && typeof value === "object") for (const [key, inner] of Object.entries(value)) collect(inner, `${path}.${key}`);
  };
  collect(manifest.exports, "exports");
  collect(manifest.bin, "bin");
  for (const [path, target] of targets) {
    if (path.includes("@comedec/source")) fail(`${name}: ${path} is the workspace's source condition`);
    if (!target.includes("*") && !has.has(target.replace(/^\.\//, ""))) fail(`${name}: ${path} points at ${target}, not in the tarball`);
  }
  const text = JSON.stringify(manifest);
  if (text.includes("workspace:")) fail(`${name}: a workspace: range left in the manifest`);
  if (manifest.dependencies?.effect !== undefined || manifest.peerDependencies?.effect === undefined)
    fail(`${name}: effect must be a peer dependency, not a dependency`);
  if (typeof manifest.engines?.node !== "string") fail(`${name}: no engines.node`);
  if (typeof manifest.repository?.url !== "string") fail(`${name}: no repository.url`);
  if (typeof manifest.license !== "string") fail(`${name}: no license`);
}
const size = [...tarballOf.values()].reduce((total, file) => total + statSync(file).size, 0);
step(`${tarballOf.size} tarballs checked, ${(size / 1024).toFixed(0)} kB in all`);

// The @comedec packages a package needs at run time (its dependencies and required peers), transitively.
const closure = (name, seen = new Set()) => {
  const manifest = shipped.get(name);
  const optional = manifest?.peerDependenciesMeta ?? {};
  for (const dependency of [
    ...Object.keys(manifest?.dependencies ?? {}),
    ...Object.keys(manifest?.peerDependencies ?? {}).filter((peer) => optional[peer]?.optional !== true),
  ]) {
    if (dependency.startsWith("@comedec/") && !seen.has(dependency)) {
      seen.add(dependency);
      closure(dependency, seen);
    }
  }
  return seen;
};

// 3. Each package alone, with the companions its README lists: the README's `npm install` line.
const readmeInstall = (folder) => {
  const readme = readFileSync(join(root, "packages", folder, "README.md"), "utf8");
  const line = /^npm install (.+)$/m.exec(readme)?.[1];
  return line === undefined ? undefined : line.split(/\s+/).filter((word) => !word.startsWith("-"));
};
const peerRange = published[0].manifest.peerDependencies.effect;
for (const { folder, manifest } of published) {
  const listed = readmeInstall(folder);
  if (listed === undefined) {
    fail(`${manifest.name}: its README has no \`npm install\` line`);
    continue;
  }
  const missing = [manifest.name, ...closure(manifest.name), "effect"].filter((name) => !listed.includes(name));
  if (missing.length > 0) fail(`${manifest.name}: its README's npm install line misses ${missing.join(", ")}`);
}
for (const { folder, file, path } of published.flatMap(({ folder }) => {
  const dir = join(root, "packages", folder, "examples");
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith(".ts"))
        .map((file) => ({ folder, file, path: join(dir, file) }))
    : [];
})) {
  if (!readFileSync(join(root, "packages", folder, "README.md"), "utf8").includes(`\`\`\`ts\n${readFileSync(path, "utf8")}\`\`\``))
    fail(`packages/${folder}/README.md does not include examples/${file} as it is`);
}
const alone = ["@comedec/exchange-client", "@comedec/smartcard-simulator", "@comedec/connection-test", "@comedec/signed-message"];
for (const name of alone) {
  const folder = published.find((entry) => entry.manifest.name === name)?.folder;
  const dir = join(work, `alone-${folder}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `alone-${folder}`, private: true, type: "module" }));
  const listed = (readmeInstall(folder) ?? []).map((word) => tarballOf.get(word) ?? word);
  try {
    npm(["install", ...listed], dir);
    run(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(name)})`], { cwd: dir });
    if (name === "@comedec/connection-test" && existsSync(join(dir, "node_modules", "pkcs11js"))) fail(`${name}: installs pkcs11js for simulator users`);
    step(`${name} installed alone with its README's companions (${listed.length} packages) and imported`);
  } catch (error) {
    fail(
      `${name}: npm install of its README's line failed: ${String(error.stderr ?? error)
        .split("\n")
        .slice(0, 5)
        .join(" ")}`,
    );
  }
}

// 4. The consumer: every tarball and the examples, under each effect version the peer range admits at its ends.
const admitted = JSON.parse(run("npm", ["view", `effect@${peerRange}`, "version", "--json"]));
const versions = [...new Set([[admitted].flat()[0], [admitted].flat().at(-1)])];
const examples = published.flatMap(({ folder }) => {
  const dir = join(root, "packages", folder, "examples");
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith(".ts"))
        .map((file) => ({ folder, file, path: join(dir, file) }))
    : [];
});
const consumer = join(work, "consumer");
mkdirSync(join(consumer, "examples"), { recursive: true });
writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "editor-consumer", private: true, type: "module" }, null, 2));
for (const { folder, file, path } of examples) {
  mkdirSync(join(consumer, "examples", folder), { recursive: true });
  writeFileSync(join(consumer, "examples", folder, file), readFileSync(path, "utf8"));
}
const compilerOptions = {
  target: "ES2024",
  lib: ["ES2024"],
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  // As an application sets it: effect's own declarations need the DOM lib, and internal ones name vendor types.
  skipLibCheck: true,
  allowImportingTsExtensions: true,
};
writeFileSync(
  join(consumer, "tsconfig.nodenext.json"),
  JSON.stringify({ compilerOptions: { ...compilerOptions, module: "NodeNext", moduleResolution: "NodeNext" }, include: ["examples"] }, null, 2),
);
writeFileSync(
  join(consumer, "tsconfig.bundler.json"),
  JSON.stringify({ compilerOptions: { ...compilerOptions, module: "ESNext", moduleResolution: "Bundler" }, include: ["examples"] }, null, 2),
);
const typescript = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.typescript;
const typesNode = published[0].manifest.devDependencies["@types/node"];

// The embedded platform, for the examples that name COMEDEC_API: a temp data directory, a free port.
const platform = async () => {
  const main = join(root, "apps/api/dist/main.js");
  if (!existsSync(main)) throw new Error("apps/api is not built: turbo run build --filter @comedec/api");
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-pack-platform-"));
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const environment = { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: dataDir, PORT: String(port) };
  let output = "";
  const server = spawn(process.execPath, [main], { env: environment, stdio: ["ignore", "ignore", "pipe"] });
  server.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const base = `http://127.0.0.1:${port}`;
  for (let until = Date.now() + 90_000; ; ) {
    const up = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > until || server.exitCode !== null) throw new Error(`the platform did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    base,
    dataDir,
    environment,
    stop: async () => {
      server.kill("SIGTERM");
      await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once("exit", resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
const guidePath = join(root, "docs/editors.md");
const needsPlatform = existsSync(guidePath) || examples.some(({ path }) => readFileSync(path, "utf8").includes("COMEDEC_API"));
/** The guide's fenced blocks: language, info string, body; the English part before `# Guide des éditeurs`. */
function runGuide(path, platform, effectVersion) {
  const text = readFileSync(path, "utf8");
  const french = text.indexOf("\n# Guide des éditeurs");
  const blocksOf = (part) =>
    [...part.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)].map((match) => ({ language: match[1], info: match[2].trim(), body: match[3] }));
  const english = blocksOf(french < 0 ? text : text.slice(0, french));
  const frenchBodies = new Set(blocksOf(french < 0 ? "" : text.slice(french)).map((block) => block.body));
  const tested = english.filter((block) => block.language === "sh" && block.info === "test");
  for (const block of tested) if (french >= 0 && !frenchBodies.has(block.body)) fail(`docs/editors.md: the French part lacks the tested block\n${block.body}`);
  const dir = join(work, "guide");
  mkdirSync(dir);
  const environment = { ...platform.environment, COMEDEC_REPO: root, COMEDEC_API: platform.base, NODE_NO_WARNINGS: "1" };
  const guideStarted = Date.now();
  for (const [index, block] of english.entries()) {
    const file = /^file=(\S+)$/.exec(block.info)?.[1];
    if (file !== undefined) {
      writeFileSync(join(dir, file), block.body);
      continue;
    }
    if (!(block.language === "sh" && block.info === "test")) continue;
    // The registry has no @comedec packages of this tree: npm install takes their tarballs, and effect the version under test.
    const body = block.body.replace(
      /^npm install (.+)$/gm,
      (_, words) =>
        `npm install --no-audit --no-fund --loglevel=error ${words
          .split(/\s+/)
          .map((word) => (word === "effect" ? `effect@${effectVersion}` : (tarballOf.get(word) ?? word)))
          .join(" ")}`,
    );
    const ran = spawnSync("bash", ["-e", "-o", "pipefail", "-c", body], { cwd: dir, env: environment, encoding: "utf8", timeout: 300_000 });
    if (ran.status !== 0) {
      fail(`docs/editors.md, block ${index + 1} failed (exit ${ran.status}):\n${block.body}${ran.stdout}\n${ran.stderr}`);
      return;
    }
  }
  const installed = JSON.parse(readFileSync(join(dir, "node_modules/effect/package.json"), "utf8")).version;
  if (installed !== effectVersion) fail(`docs/editors.md: effect ${installed} installed, not ${effectVersion}`);
  step(`docs/editors.md: ${tested.length} tested blocks passed with effect@${installed} (${((Date.now() - guideStarted) / 1000).toFixed(0)} s)`);
}

let embedded;
try {
  if (needsPlatform) {
    embedded = await platform();
    step(`embedded platform on ${embedded.base}`);
  }
  for (const [index, version] of versions.entries()) {
    step(`npm install of the ${tarballOf.size} tarballs with effect@${version}`);
    npm(["install", ...tarballOf.values(), `effect@${version}`, `typescript@${typescript}`, `@types/node@${typesNode}`], consumer);
    const installed = JSON.parse(readFileSync(join(consumer, "node_modules/effect/package.json"), "utf8")).version;
    const copies = run("npm", ["ls", "effect", "--all", "--parseable"], { cwd: consumer }).trim().split("\n").filter(Boolean);
    if (installed !== version || new Set(copies).size !== 1) fail(`effect@${version}: installed ${installed}, ${new Set(copies).size} copies`);
    for (const resolution of ["nodenext", "bundler"]) {
      try {
        run(join(consumer, "node_modules/.bin/tsc"), ["-p", `tsconfig.${resolution}.json`], { cwd: consumer });
        step(`effect@${version}: the ${examples.length} examples type-check under moduleResolution ${resolution}`);
      } catch (error) {
        fail(`effect@${version}, moduleResolution ${resolution}:\n${error.stdout}`);
      }
    }
    for (const { folder, file } of examples) {
      const text = readFileSync(join(consumer, "examples", folder, file), "utf8");
      const environment = { ...process.env, NODE_NO_WARNINGS: "1" };
      if (text.includes("COMEDEC_CARD")) {
        // An officer with a published card and pending specimen requests: what `demo prepare` makes.
        const cli = join(root, "apps/api/dist/cli.js");
        const help = spawnSync(process.execPath, [cli, "demo", "prepare", "--help"], { env: embedded.environment, encoding: "utf8" });
        if (help.status !== 0) {
          fail(`${folder}/examples/${file} not run: \`comedec demo prepare\` is missing from apps/api/dist/cli.js`);
          continue;
        }
        const commune = ["69123", "13055"][index] ?? "69123";
        const prepared = JSON.parse(run(process.execPath, [cli, "demo", "prepare", "--commune", commune, "--json"], { env: embedded.environment }));
        Object.assign(environment, {
          COMEDEC_COMMUNE: commune,
          COMEDEC_CARDS: prepared.cards,
          COMEDEC_CARD: prepared.serial,
          COMEDEC_PIN: prepared.pin,
          COMEDEC_SPECIMEN_FILE: prepared.specimenFile,
        });
      }
      if (text.includes("COMEDEC_API")) {
        const token = run(
          process.execPath,
          [
            join(root, "apps/api/dist/cli.js"),
            "token",
            "issue",
            "--role",
            "national-administrator",
            "--site",
            "national",
            "--name",
            "pack test",
            "--purpose",
            "bootstrap",
          ],
          {
            env: embedded.environment,
          },
        ).trim();
        Object.assign(environment, { COMEDEC_API: embedded.base, COMEDEC_TOKEN: token });
      }
      try {
        const output = run(process.execPath, [join("examples", folder, file)], { cwd: consumer, env: environment, timeout: 120_000 });
        step(`effect@${version}: ran ${folder}/examples/${file}${output.trim() === "" ? "" : ` → ${output.trim().split("\n").at(-1).slice(0, 100)}`}`);
      } catch (error) {
        fail(`effect@${version}: ${folder}/examples/${file} failed:\n${error.stderr ?? error}`);
      }
    }
  }
  if (existsSync(guidePath)) runGuide(guidePath, embedded, versions[0]);
} finally {
  await embedded?.stop();
  if (!keep) rmSync(work, { recursive: true, force: true });
}
step(
  `${problems.length === 0 ? "passed" : `${problems.length} problems`} (effect ${versions.join(" and ")}, peer range ${peerRange})${keep ? `; kept ${work}` : ""}`,
);
process.exit(problems.length === 0 ? 0 : 1);
