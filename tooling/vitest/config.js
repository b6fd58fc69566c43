// Shared vitest settings: tests import workspace packages from their TypeScript sources (the
// "@comedec/source" export condition), so a test run needs no prior build of its dependencies.
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@comedec/source"] },
  ssr: { resolve: { conditions: ["@comedec/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
