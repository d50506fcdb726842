import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/** Files that time the page's main thread (no long task over 100 ms while training): they run after
 *  the others, one at a time, so another test's load cannot show up as their long task. */
const TIMED = ["test/browser/web-lab.test.ts", "test/browser/web-lab-view.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // expect.poll waits on a worker or a page; on a loaded 2-core CI machine 1 s (vitest's default) is
    // not always enough for a claim or a step to start, and a poll that succeeds returns at once.
    expect: { poll: { timeout: 15_000 } },
    // The CLI, DataParallel's workers and the README example run dist/: stop at once when it is older
    // than the sources (one line: run npm run build), rather than test two versions of the code.
    globalSetup: ["./test/helpers/check-build.ts", "./test/helpers/store-env.ts"],
    // As the CLI does (node/relaxed-simd.ts): the WebAssembly kernels' relaxed SIMD build on Node 20.
    execArgv: ["--experimental-wasm-relaxed-simd"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        // A worker per core: vitest's default (cores − 1) runs the files one at a time on a 2-core
        // CI machine, which then idles while a test waits on a CLI process, a browser or Redis
        // (2026-12-06: 824 s with one worker, about 600 s with two).
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: TIMED,
          maxWorkers: availableParallelism(),
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: "timed", include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
