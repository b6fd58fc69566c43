import shared from "@comedec/tooling-vitest";
import { defineConfig, mergeConfig } from "vitest/config";

// The browser suite starts the API, a card agent and Chromium: slower than the unit suites.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000, hookTimeout: 240_000, fileParallelism: false } }));
