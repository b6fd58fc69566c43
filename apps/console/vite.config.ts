// The console is built into dist/ for the API to serve at /console: every asset (scripts, the
// DSFR's styles, the Marianne fonts, the icons) is a file of that folder, none inlined as data and
// none fetched from elsewhere, so it works on a town hall's network with no Internet and under the
// API's Content-Security-Policy of 'self'.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { offline } from "./offline.js";

export default defineConfig({
  base: "/console/",
  plugins: [react(), offline()],
  // The build's list of its thousand icon files says nothing useful in turbo's output.
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
    reportCompressedSize: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
