import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // As the CLI does (node/relaxed-simd.ts): the WebAssembly kernels' relaxed SIMD build on Node 20.
    execArgv: ["--experimental-wasm-relaxed-simd"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
