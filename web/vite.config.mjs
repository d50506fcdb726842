import { defineConfig } from "vite";

// The web lab: `npm run build` builds it into dist/web/, which `rnnlab ui` serves.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  logLevel: "warn",
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1000 },
  worker: { format: "es" },
});
