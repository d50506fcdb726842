import { loadWasmKernels, type WasmVariant, wasmGemmEnabled, wasmKernelVariant } from "./gemm-wasm.js";
import { wasmPointwiseEnabled } from "./pointwise-wasm.js";

// Which kernels run a float32 model's work: the WebAssembly module (one module holds the matrix,
// pointwise and row kernels) or the TypeScript ones. float64 models run TypeScript throughout, and
// matmul keeps thin and tiny float32 products in TypeScript whatever the path.

export interface KernelPath {
  /** Matrix products: the WebAssembly build ("relaxed": relaxed SIMD with fused multiply-add;
   *  "simd": 128-bit SIMD), or "typescript" where it does not load or setWasmGemmEnabled(false). */
  gemm: WasmVariant | "typescript";
  /** The cells' steps, softmax, row reductions and Adam: "wasm" where the module loads and both
   *  setWasmGemmEnabled and setWasmPointwiseEnabled are on, else "typescript". */
  pointwise: "wasm" | "typescript";
}

/** The path float32 work takes now (loading the module synchronously if nothing has yet). */
export function kernelPath(): KernelPath {
  return {
    gemm: wasmGemmEnabled() ? (wasmKernelVariant() ?? "typescript") : "typescript",
    pointwise: wasmPointwiseEnabled() ? "wasm" : "typescript",
  };
}

/** Compiles the WebAssembly kernels asynchronously and resolves to the path that runs. Await it
 *  before the first product where synchronous compilation may be refused (a page's main thread);
 *  elsewhere the first product loads them and this is optional. Where they cannot load, it resolves
 *  to the TypeScript path and the library has said why in one console.warn line. */
export async function ready(): Promise<KernelPath> {
  await loadWasmKernels();
  return kernelPath();
}
