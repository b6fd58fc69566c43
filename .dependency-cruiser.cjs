// The layering of ARCHITECTURE.md, checked in CI: domain → policy → adapters/use cases → apps,
// arrows pointing inward only. Domain and policy packages import effect and each other, nothing else.
const domain = "^packages/(actor|commune|convention|agent|card|exchange)/src";
const policy = "^packages/rgs/src";
const contract = "^packages/http-contract/src";

module.exports = {
  forbidden: [
    {
      name: "domain-imports-only-effect-and-domain",
      comment: "Domain packages are pure: effect and other domain packages only.",
      severity: "error",
      from: { path: domain },
      to: { dependencyTypesNot: ["local"], pathNot: ["effect", "^packages/(actor|commune|convention|agent|card|exchange)/", "^node_modules/\\.pnpm/effect@"] },
    },
    {
      name: "domain-does-not-import-policy-or-outer-layers",
      severity: "error",
      from: { path: domain },
      to: { path: "^packages/(rgs|deployment|persistence|commune-reference|agaec|agaec-client|pgca|pgca-client|pki|card-agent|smartcard-[a-z0-9-]+)/|^apps/" },
    },
    {
      name: "policy-imports-only-effect-and-domain",
      severity: "error",
      from: { path: policy },
      to: {
        dependencyTypesNot: ["local"],
        pathNot: ["effect", "^packages/(actor|commune|convention|agent|card|exchange|rgs)/", "^node_modules/\\.pnpm/effect@"],
      },
    },
    {
      name: "contract-imports-only-effect-domain-and-policy",
      comment: "The HTTP contract is data over the domain's and the policy's Schemas: no use case, adapter or vendor library.",
      severity: "error",
      from: { path: contract },
      to: {
        dependencyTypesNot: ["local"],
        pathNot: ["effect", "^packages/(actor|commune|convention|agent|card|exchange|rgs|http-contract)/", "^node_modules/\\.pnpm/effect@"],
      },
    },
    {
      name: "inner-layers-do-not-import-the-contract",
      comment: "Domain and policy know nothing of HTTP: the contract reads them, not the other way round.",
      severity: "error",
      from: { path: "^packages/(actor|commune|convention|agent|card|exchange|rgs)/src" },
      to: { path: "^packages/http-contract/" },
    },
    {
      name: "card-agent-is-workstation-side",
      comment:
        "The card agent runs on the workstation: the contract, the card port and its drivers, the policy — never the platform's use cases, stores or CA.",
      severity: "error",
      from: { path: "^packages/card-agent/src" },
      to: { path: "^packages/(persistence|deployment|commune-reference|agaec|pgca|pki|exchange-platform)/" },
    },
    {
      name: "console-imports-only-clients-contract-and-domain",
      comment:
        "The web console runs in a browser: the contract's typed caller, the contract and the domain's and policy's Schemas — never the platform's use cases, stores, CA, card drivers or the agent.",
      severity: "error",
      from: { path: "^apps/console/src" },
      to: { path: "^(packages|apps)/", pathNot: "^packages/(actor|commune|convention|agent|card|exchange|rgs|http-contract|api-client)/|^apps/console/" },
    },
    {
      name: "console-reaches-no-node-builtin",
      comment: "Nothing the console's bundle reaches, through any package, may need Node's own modules.",
      severity: "error",
      from: { path: "^apps/console/src" },
      to: {
        path: "^(node:|(assert|buffer|child_process|crypto|dns|events|fs|http|http2|https|module|net|os|path|perf_hooks|process|readline|stream|tls|url|util|v8|vm|worker_threads|zlib)(/|$))",
        reachable: true,
      },
    },
    {
      name: "packages-never-import-apps",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "no-reaching-into-internals",
      comment: "A package's internal/ modules are its own.",
      severity: "error",
      from: { path: "^(packages|apps)/([^/]+)/" },
      to: { path: "^packages/([^/]+)/src/internal/", pathNot: "^packages/$2/src/internal/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|test)/" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["@comedec/source", "import", "types", "default"] },
  },
};
