import { setFlagsFromString } from "node:v8";

// Node 20's V8 compiles WebAssembly relaxed SIMD (here: fused multiply-add in the matrix kernel,
// about 1.5x its products) only behind a flag; Node 22 and browsers have it on. The flag is read when
// a module is compiled, so this must run before the first product (the kernel compiles lazily);
// it is process-wide, so worker threads started later see it too.

/** Lets the WebAssembly kernels use relaxed SIMD on Node 20 (a no-op where it is already on). */
export function enableRelaxedSimd(): void {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
}
