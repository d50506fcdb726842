// "rnnlab" in Node (package.json "exports" ".", condition "node"): src/index.ts, whose explicit list
// is the pinned API (test/api.test.ts), with the relaxed-SIMD kernels on. Order: V8 reads the flag at each
// compile, but the kernel module compiles once, at the first product, and keeps that build; so the
// flag must be set before any product in the process (importing the library compiles nothing). It is
// process-wide: worker threads get it. A call, not a bare import: bundlers drop those from files
// that "sideEffects" calls pure.
import { enableRelaxedSimd } from "./relaxed-simd.js";

try {
  enableRelaxedSimd();
} catch {
  // Bun takes the "node" condition too, and its node:v8 sets no flags: the kernels load what compiles.
}

export * from "../src/index.js";
