import type { ActivationName } from "../kernels/activations.js";
import { PARAM_PREFIX } from "../model/config.js";
import type { SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import type { RecurrentBound } from "./protocol.js";

// What the page needs to draw a vanilla RNN's bound on the gradient through time, measured as W
// moves: ‖∂h_T/∂h_{T−k}‖₂ ≤ (γ‖W‖₂)^k, since each step's Jacobian diag(f′(z_t)) W has 2-norm at
// most γ‖W‖₂, with γ = max f′ (the seed's Q3, there with the sigmoid's 1/4).

/** Power iterations per step at most: warm started from the last step's vector, W moves little. */
const MAX_ITERATIONS = 30;
/** Stop once an iteration changes the estimate by less than this (relative). */
const TOLERANCE = 1e-7;
/** The share of a fixed random vector mixed into v before each measure: a warm start that has
 *  lost every component along W's new top singular vector would never find it again. */
const JITTER = 1e-2;

/** The largest derivative of an activation: 1/4 for the sigmoid (at z = 0), 1 for tanh, relu and
 *  identity; the step's is 0, or 1 with the straight-through estimator. */
export function maxDerivative(name: ActivationName, straightThrough: boolean): number {
  switch (name) {
    case "sigmoid":
      return 0.25;
    case "step":
      return straightThrough ? 1 : 0;
    default:
      return 1;
  }
}

/**
 * The spectral norm of a vanilla RNN's top recurrent matrix W_hh [H×H], tracked across steps by
 * power iteration on WᵀW: v ← WᵀW v / ‖WᵀW v‖, σ = ‖W v‖. Each step starts from the last step's v,
 * so a few iterations follow W as training moves it. The estimate approaches σ_max from below.
 */
export class RecurrentNormTracker {
  private readonly v: Float64Array;
  private readonly w: Float64Array;
  private readonly jitter: Float64Array;

  private constructor(
    private readonly model: SequenceModel,
    private readonly name: string,
    private readonly gamma: number,
    readonly H: number,
  ) {
    const rng = new Rng(H);
    this.jitter = Float64Array.from({ length: H }, () => rng.normal());
    normalize(this.jitter);
    this.v = this.jitter.slice();
    this.w = new Float64Array(H);
  }

  /** A tracker for a vanilla RNN; null for a GRU or an LSTM, where the bound does not apply. */
  static of(model: SequenceModel): RecurrentNormTracker | null {
    const { cell, activation, straightThrough, layers, hiddenSize } = model.config;
    if (cell !== "rnn") return null;
    const name = `${PARAM_PREFIX.recurrent}weight_hh_l${layers - 1}`;
    return new RecurrentNormTracker(model, name, maxDerivative(activation, straightThrough), hiddenSize);
  }

  measure(): RecurrentBound {
    return { gamma: this.gamma, normW: this.spectralNorm() };
  }

  private spectralNorm(): number {
    const W = this.model.params.value(this.name);
    const { v, w, H } = this;
    for (let c = 0; c < H; c++) v[c] += JITTER * this.jitter[c];
    normalize(v);
    let sigma = 0;
    for (let i = 0; i < MAX_ITERATIONS; i++) {
      // w = W v, then v = Wᵀ w / ‖Wᵀ w‖.
      let wNorm = 0;
      for (let r = 0; r < H; r++) {
        let sum = 0;
        for (let c = 0; c < H; c++) sum += W[r * H + c] * v[c];
        w[r] = sum;
        wNorm += sum * sum;
      }
      const previous = sigma;
      sigma = Math.sqrt(wNorm);
      if (!(sigma > 0 && Number.isFinite(sigma))) return sigma; // W is 0 or not finite: v is kept
      v.fill(0);
      for (let r = 0; r < H; r++) for (let c = 0; c < H; c++) v[c] += W[r * H + c] * w[r];
      normalize(v);
      if (Math.abs(sigma - previous) <= TOLERANCE * sigma) break;
    }
    return sigma;
  }
}

function normalize(v: Float64Array): void {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] /= norm;
}
