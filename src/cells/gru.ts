import { sigmoid } from "../kernels/activations.js";
import type { Cell, CellStep } from "./cell.js";

/** GRU, PyTorch's nn.GRU, gate blocks r, z, n (gi = inputPart, gh = hiddenPart):
 *    r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r ⊙ gh_n)   h = (1 − z) ⊙ n + z ⊙ h_prev
 *  backward (dh = dL/dh):
 *    dn = dh ⊙ (1 − z)           dz = dh ⊙ (h_prev − n)        dh_prev += dh ⊙ z
 *    dn_a = dn ⊙ (1 − n²)        dgi_n = dn_a   dgh_n = dn_a ⊙ r   dr = dn_a ⊙ gh_n
 *    dgi_r = dgh_r = dr ⊙ r(1 − r)                 dgi_z = dgh_z = dz ⊙ z(1 − z)
 *  cache per unit: r, z, n, gh_n. */
export function gruCell(): Cell {
  return {
    kind: "gru",
    gates: 3,
    hasCellState: false,
    cacheWidth: 4,
    supportsSkip: false,
    forward(s: CellStep): void {
      const { B, H } = s;
      for (let b = 0; b < B; b++) {
        const gates = b * 3 * H;
        const row = b * H;
        const cache = b * 4 * H;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(s.inputPart[gates + j] + s.hiddenPart[gates + j]);
          const z = sigmoid(s.inputPart[gates + H + j] + s.hiddenPart[gates + H + j]);
          const ghN = s.hiddenPart[gates + 2 * H + j];
          const n = Math.tanh(s.inputPart[gates + 2 * H + j] + r * ghN);
          s.h[row + j] = (1 - z) * n + z * s.hPrev[row + j];
          s.cache[cache + j] = r;
          s.cache[cache + H + j] = z;
          s.cache[cache + 2 * H + j] = n;
          s.cache[cache + 3 * H + j] = ghN;
        }
      }
    },
    backward(s: CellStep): void {
      const { B, H } = s;
      for (let b = 0; b < B; b++) {
        const gates = b * 3 * H;
        const row = b * H;
        const cache = b * 4 * H;
        for (let j = 0; j < H; j++) {
          const r = s.cache[cache + j];
          const z = s.cache[cache + H + j];
          const n = s.cache[cache + 2 * H + j];
          const ghN = s.cache[cache + 3 * H + j];
          const hGrad = s.hGrad[row + j];
          const nPreGrad = hGrad * (1 - z) * (1 - n * n);
          const zPreGrad = hGrad * (s.hPrev[row + j] - n) * z * (1 - z);
          const rPreGrad = nPreGrad * ghN * r * (1 - r);
          s.hPrevGrad[row + j] += hGrad * z;
          s.inputPartGrad[gates + j] = rPreGrad;
          s.hiddenPartGrad[gates + j] = rPreGrad;
          s.inputPartGrad[gates + H + j] = zPreGrad;
          s.hiddenPartGrad[gates + H + j] = zPreGrad;
          s.inputPartGrad[gates + 2 * H + j] = nPreGrad;
          s.hiddenPartGrad[gates + 2 * H + j] = nPreGrad * r;
        }
      }
    },
  };
}
