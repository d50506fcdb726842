import { gruBackwardWasm, gruForwardWasm, wasmPointwiseEnabled } from "../kernels/pointwise-wasm.js";
import type { Cell, CellStep } from "./cell.js";

/** GRU, PyTorch's nn.GRU, gate blocks r, z, n (gi = inputPart, gh = hiddenPart):
 *    r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r ⊙ gh_n)   h = (1 − z) ⊙ n + z ⊙ h_prev
 *  backward (dh = dL/dh):
 *    dn = dh ⊙ (1 − z)           dz = dh ⊙ (h_prev − n)        dh_prev += dh ⊙ z
 *    dn_a = dn ⊙ (1 − n²)        dgi_n = dn_a   dgh_n = dn_a ⊙ r   dr = dn_a ⊙ gh_n
 *    dgi_r = dgh_r = dr ⊙ r(1 − r)                 dgi_z = dgh_z = dz ⊙ z(1 − z)
 *  cache per unit: r, z, n, gh_n.
 *  The loops keep the step's buffers in locals and walk each gate block with its own index;
 *  σ(x) = 1 / (1 + e^{−x}) is written out, as in kernels/activations.
 *  A float32 step with H a multiple of 4 runs in WebAssembly (kernels/pointwise-wasm.ts); this
 *  TypeScript step is the reference (float64, gradient checks) and the fallback. */
export function gruCell(): Cell {
  return {
    kind: "gru",
    gates: 3,
    hasCellState: false,
    cacheWidth: 4,
    supportsSkip: false,
    sharesPartGrad: false,
    forward(s: CellStep): void {
      const { B, H, inputPart, hiddenPart, hPrev, h, cache } = s;
      if (h instanceof Float32Array && H % 4 === 0 && wasmPointwiseEnabled()) {
        gruForwardWasm(
          inputPart as Float32Array,
          hiddenPart as Float32Array,
          hPrev as Float32Array,
          h,
          cache as Float32Array,
          B,
          H,
        );
        return;
      }
      for (let b = 0; b < B; b++) {
        const row = b * H;
        // gate r, z, n of unit j at gR + j, gZ + j, gN + j (in gi and gh); the cache likewise.
        const gR = 3 * row;
        const gZ = gR + H;
        const gN = gZ + H;
        const cacheR = 4 * row;
        const cacheZ = cacheR + H;
        const cacheN = cacheZ + H;
        const cacheGhN = cacheN + H;
        for (let j = 0; j < H; j++) {
          const r = 1 / (1 + Math.exp(-(inputPart[gR + j] + hiddenPart[gR + j])));
          const z = 1 / (1 + Math.exp(-(inputPart[gZ + j] + hiddenPart[gZ + j])));
          const ghN = hiddenPart[gN + j];
          const n = Math.tanh(inputPart[gN + j] + r * ghN);
          h[row + j] = (1 - z) * n + z * hPrev[row + j];
          cache[cacheR + j] = r;
          cache[cacheZ + j] = z;
          cache[cacheN + j] = n;
          cache[cacheGhN + j] = ghN;
        }
      }
    },
    backward(s: CellStep): void {
      const { B, H, cache, hGrad, hPrev, hPrevGrad, inputPartGrad, hiddenPartGrad } = s;
      if (cache instanceof Float32Array && H % 4 === 0 && wasmPointwiseEnabled()) {
        gruBackwardWasm(
          cache,
          hGrad as Float32Array,
          hPrev as Float32Array,
          hPrevGrad as Float32Array,
          inputPartGrad as Float32Array,
          hiddenPartGrad as Float32Array,
          B,
          H,
        );
        return;
      }
      for (let b = 0; b < B; b++) {
        const row = b * H;
        const gR = 3 * row;
        const gZ = gR + H;
        const gN = gZ + H;
        const cacheR = 4 * row;
        const cacheZ = cacheR + H;
        const cacheN = cacheZ + H;
        const cacheGhN = cacheN + H;
        for (let j = 0; j < H; j++) {
          const r = cache[cacheR + j];
          const z = cache[cacheZ + j];
          const n = cache[cacheN + j];
          const ghN = cache[cacheGhN + j];
          const dh = hGrad[row + j];
          const nPreGrad = dh * (1 - z) * (1 - n * n);
          const zPreGrad = dh * (hPrev[row + j] - n) * z * (1 - z);
          const rPreGrad = nPreGrad * ghN * r * (1 - r);
          hPrevGrad[row + j] += dh * z;
          inputPartGrad[gR + j] = rPreGrad;
          hiddenPartGrad[gR + j] = rPreGrad;
          inputPartGrad[gZ + j] = zPreGrad;
          hiddenPartGrad[gZ + j] = zPreGrad;
          inputPartGrad[gN + j] = nPreGrad;
          hiddenPartGrad[gN + j] = nPreGrad * r;
        }
      }
    },
  };
}
