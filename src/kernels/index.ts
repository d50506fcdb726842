// rnnlab/kernels: the numeric kernels and the switches between their builds (for benchmarks, tests
// and research code that wants a product or an activation without a model).

export {
  type Activation,
  type ActivationName,
  activationNames,
  makeActivation,
  sigmoid,
} from "./activations.js";
export {
  loadWasmKernels,
  reloadWasmKernel,
  setWasmGemmEnabled,
  setWasmGemmSums,
  type WasmVariant,
  wasmGemmAvailable,
  wasmGemmEnabled,
  wasmKernelVariant,
} from "./gemm-wasm.js";
export { type KernelPath, kernelPath, ready } from "./kernel-path.js";
export { matmul, matmulReference, matmulTransA, matmulTransB } from "./matmul.js";
export { setWasmPointwiseEnabled, wasmPointwiseEnabled } from "./pointwise-wasm.js";
