import { type ActivationName, makeActivation } from "../kernels/activations.js";
import { tanhBackwardWasm, tanhForwardWasm, wasmPointwiseEnabled } from "../kernels/pointwise-wasm.js";
import type { Cell, CellStep } from "./cell.js";

/** Vanilla RNN, PyTorch's nn.RNN with any activation (the skip term arrives inside hiddenPart):
 *    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (+ M h_{t-k}),   h_t = act(a_t)
 *  backward:  da_t = dL/dh_t ⊙ act'(a_t),  d(inputPart) = d(hiddenPart) = da_t
 *  cache: a_t. A float32 tanh step (forward and backward) runs in WebAssembly
 *  (kernels/pointwise-wasm.ts) where it loads. */
export function rnnCell(activationName: ActivationName, straightThrough = false): Cell {
  const { apply, derivative } = makeActivation(activationName, straightThrough);
  return {
    kind: "rnn",
    gates: 1,
    hasCellState: false,
    cacheWidth: 1,
    supportsSkip: true,
    sharesPartGrad: true,
    forward(s: CellStep): void {
      const { inputPart, hiddenPart, cache, h } = s;
      const n = s.B * s.H;
      if (activationName === "tanh" && h instanceof Float32Array && wasmPointwiseEnabled()) {
        tanhForwardWasm(inputPart as Float32Array, hiddenPart as Float32Array, cache as Float32Array, h, n);
        return;
      }
      for (let i = 0; i < n; i++) {
        const a = inputPart[i] + hiddenPart[i];
        cache[i] = a;
        h[i] = apply(a);
      }
    },
    backward(s: CellStep): void {
      const { hGrad, cache, h, inputPartGrad, hiddenPartGrad } = s;
      const n = s.B * s.H;
      if (activationName === "tanh" && h instanceof Float32Array && wasmPointwiseEnabled()) {
        tanhBackwardWasm(
          hGrad as Float32Array,
          h,
          inputPartGrad as Float32Array,
          hiddenPartGrad as Float32Array,
          n,
        );
        return;
      }
      for (let i = 0; i < n; i++) {
        const preGrad = hGrad[i] * derivative(cache[i], h[i]);
        inputPartGrad[i] = preGrad;
        hiddenPartGrad[i] = preGrad;
      }
    },
  };
}
