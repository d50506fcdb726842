import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The CLI, DataParallel's workers and the README example run dist/: stop at once when it is older
    // than the sources (one line: run npm run build), rather than test two versions of the code.
    globalSetup: ["./test/helpers/check-build.ts"],
    // As the CLI does (node/relaxed-simd.ts): the WebAssembly kernels' relaxed SIMD build on Node 20.
    execArgv: ["--experimental-wasm-relaxed-simd"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
