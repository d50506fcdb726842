import { lstmBackwardWasm, lstmForwardWasm, wasmPointwiseEnabled } from "../kernels/pointwise-wasm.js";
import type { Cell, CellStep } from "./cell.js";

/** LSTM, PyTorch's nn.LSTM, gate blocks i, f, g, o (a = inputPart + hiddenPart):
 *    i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)   c = f ⊙ c_prev + i ⊙ g   h = o ⊙ tanh(c)
 *  backward (dh = dL/dh; dc enters as the gradient through c_{t+1} and leaves as the total dL/dc):
 *    dc += dh ⊙ o ⊙ (1 − tanh²c)     dc_prev += dc ⊙ f
 *    da_i = dc ⊙ g ⊙ i(1 − i)   da_f = dc ⊙ c_prev ⊙ f(1 − f)   da_g = dc ⊙ i ⊙ (1 − g²)
 *    da_o = dh ⊙ tanh(c) ⊙ o(1 − o)          d(inputPart) = d(hiddenPart) = da
 *  cache per unit: i, f, g, o, tanh(c).
 *  The loops keep the step's buffers in locals and walk each gate block with its own index (the
 *  hot loop of training); σ(z) = 1 / (1 + e^{−z}) is written out, as in kernels/activations.
 *  A float32 step with H a multiple of 4 runs in WebAssembly (kernels/pointwise-wasm.ts). */
export function lstmCell(): Cell {
  return {
    kind: "lstm",
    gates: 4,
    hasCellState: true,
    cacheWidth: 5,
    supportsSkip: false,
    sharesPartGrad: true,
    forward(s: CellStep): void {
      const { B, H, inputPart, hiddenPart, cPrev, c, h, cache } = s;
      if (h instanceof Float32Array && H % 4 === 0 && wasmPointwiseEnabled()) {
        lstmForwardWasm(
          inputPart as Float32Array,
          hiddenPart as Float32Array,
          cPrev as Float32Array,
          c as Float32Array,
          h,
          cache as Float32Array,
          B,
          H,
        );
        return;
      }
      for (let b = 0; b < B; b++) {
        const row = b * H;
        // a_i, a_f, a_g, a_o of unit j at aI + j, aF + j, aG + j, aO + j; the cache likewise.
        const aI = 4 * row;
        const aF = aI + H;
        const aG = aF + H;
        const aO = aG + H;
        const cacheI = 5 * row;
        const cacheF = cacheI + H;
        const cacheG = cacheF + H;
        const cacheO = cacheG + H;
        const cacheTanhC = cacheO + H;
        for (let j = 0; j < H; j++) {
          const i = 1 / (1 + Math.exp(-(inputPart[aI + j] + hiddenPart[aI + j])));
          const f = 1 / (1 + Math.exp(-(inputPart[aF + j] + hiddenPart[aF + j])));
          const g = Math.tanh(inputPart[aG + j] + hiddenPart[aG + j]);
          const o = 1 / (1 + Math.exp(-(inputPart[aO + j] + hiddenPart[aO + j])));
          const cNew = f * cPrev[row + j] + i * g;
          const tanhC = Math.tanh(cNew);
          c[row + j] = cNew;
          h[row + j] = o * tanhC;
          cache[cacheI + j] = i;
          cache[cacheF + j] = f;
          cache[cacheG + j] = g;
          cache[cacheO + j] = o;
          cache[cacheTanhC + j] = tanhC;
        }
      }
    },
    backward(s: CellStep): void {
      const { B, H, cache, hGrad, cGrad, cPrev, cPrevGrad, inputPartGrad, hiddenPartGrad } = s;
      if (cache instanceof Float32Array && H % 4 === 0 && wasmPointwiseEnabled()) {
        lstmBackwardWasm(
          cache,
          hGrad as Float32Array,
          cGrad as Float32Array,
          cPrev as Float32Array,
          cPrevGrad as Float32Array,
          inputPartGrad as Float32Array,
          hiddenPartGrad as Float32Array,
          B,
          H,
        );
        return;
      }
      for (let b = 0; b < B; b++) {
        const row = b * H;
        const aI = 4 * row;
        const aF = aI + H;
        const aG = aF + H;
        const aO = aG + H;
        const cacheI = 5 * row;
        const cacheF = cacheI + H;
        const cacheG = cacheF + H;
        const cacheO = cacheG + H;
        const cacheTanhC = cacheO + H;
        for (let j = 0; j < H; j++) {
          const i = cache[cacheI + j];
          const f = cache[cacheF + j];
          const g = cache[cacheG + j];
          const o = cache[cacheO + j];
          const tanhC = cache[cacheTanhC + j];
          const dh = hGrad[row + j];
          const dc = cGrad[row + j] + dh * o * (1 - tanhC * tanhC);
          cGrad[row + j] = dc;
          cPrevGrad[row + j] += dc * f;
          const iPreGrad = dc * g * i * (1 - i);
          const fPreGrad = dc * cPrev[row + j] * f * (1 - f);
          const gPreGrad = dc * i * (1 - g * g);
          const oPreGrad = dh * tanhC * o * (1 - o);
          inputPartGrad[aI + j] = iPreGrad;
          inputPartGrad[aF + j] = fPreGrad;
          inputPartGrad[aG + j] = gPreGrad;
          inputPartGrad[aO + j] = oPreGrad;
          hiddenPartGrad[aI + j] = iPreGrad;
          hiddenPartGrad[aF + j] = fPreGrad;
          hiddenPartGrad[aG + j] = gPreGrad;
          hiddenPartGrad[aO + j] = oPreGrad;
        }
      }
    },
  };
}
