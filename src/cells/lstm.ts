import { sigmoid } from "../kernels/activations.js";
import type { Cell, CellStep } from "./cell.js";

/** LSTM, PyTorch's nn.LSTM, gate blocks i, f, g, o (a = inputPart + hiddenPart):
 *    i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)   c = f ⊙ c_prev + i ⊙ g   h = o ⊙ tanh(c)
 *  backward (dh = dL/dh; dc enters as the gradient through c_{t+1} and leaves as the total dL/dc):
 *    dc += dh ⊙ o ⊙ (1 − tanh²c)     dc_prev += dc ⊙ f
 *    da_i = dc ⊙ g ⊙ i(1 − i)   da_f = dc ⊙ c_prev ⊙ f(1 − f)   da_g = dc ⊙ i ⊙ (1 − g²)
 *    da_o = dh ⊙ tanh(c) ⊙ o(1 − o)          d(inputPart) = d(hiddenPart) = da
 *  cache per unit: i, f, g, o, tanh(c). */
export function lstmCell(): Cell {
  return {
    kind: "lstm",
    gates: 4,
    hasCellState: true,
    cacheWidth: 5,
    supportsSkip: false,
    forward(s: CellStep): void {
      const { B, H } = s;
      for (let b = 0; b < B; b++) {
        const gates = b * 4 * H;
        const row = b * H;
        const cache = b * 5 * H;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(s.inputPart[gates + j] + s.hiddenPart[gates + j]);
          const f = sigmoid(s.inputPart[gates + H + j] + s.hiddenPart[gates + H + j]);
          const g = Math.tanh(s.inputPart[gates + 2 * H + j] + s.hiddenPart[gates + 2 * H + j]);
          const o = sigmoid(s.inputPart[gates + 3 * H + j] + s.hiddenPart[gates + 3 * H + j]);
          const c = f * s.cPrev[row + j] + i * g;
          const tanhC = Math.tanh(c);
          s.c[row + j] = c;
          s.h[row + j] = o * tanhC;
          s.cache[cache + j] = i;
          s.cache[cache + H + j] = f;
          s.cache[cache + 2 * H + j] = g;
          s.cache[cache + 3 * H + j] = o;
          s.cache[cache + 4 * H + j] = tanhC;
        }
      }
    },
    backward(s: CellStep): void {
      const { B, H } = s;
      for (let b = 0; b < B; b++) {
        const gates = b * 4 * H;
        const row = b * H;
        const cache = b * 5 * H;
        for (let j = 0; j < H; j++) {
          const i = s.cache[cache + j];
          const f = s.cache[cache + H + j];
          const g = s.cache[cache + 2 * H + j];
          const o = s.cache[cache + 3 * H + j];
          const tanhC = s.cache[cache + 4 * H + j];
          const hGrad = s.hGrad[row + j];
          const cGrad = s.cGrad[row + j] + hGrad * o * (1 - tanhC * tanhC);
          s.cGrad[row + j] = cGrad;
          s.cPrevGrad[row + j] += cGrad * f;
          const iPreGrad = cGrad * g * i * (1 - i);
          const fPreGrad = cGrad * s.cPrev[row + j] * f * (1 - f);
          const gPreGrad = cGrad * i * (1 - g * g);
          const oPreGrad = hGrad * tanhC * o * (1 - o);
          s.inputPartGrad[gates + j] = iPreGrad;
          s.inputPartGrad[gates + H + j] = fPreGrad;
          s.inputPartGrad[gates + 2 * H + j] = gPreGrad;
          s.inputPartGrad[gates + 3 * H + j] = oPreGrad;
          s.hiddenPartGrad[gates + j] = iPreGrad;
          s.hiddenPartGrad[gates + H + j] = fPreGrad;
          s.hiddenPartGrad[gates + 2 * H + j] = gPreGrad;
          s.hiddenPartGrad[gates + 3 * H + j] = oPreGrad;
        }
      }
    },
  };
}
