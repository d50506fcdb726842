import { type Cell, createCell } from "../cells/index.js";
import { ShapeError } from "../errors.js";
import type { Buf, DType } from "../tensor.js";
import type { RecurrentConfig } from "./config.js";
import { RecurrentLayer } from "./layer.js";
import { recurrentParamSpecs } from "./param-shapes.js";
import type { Params } from "./params.js";
import { isTokenInput, type TokenInput } from "./token-projection.js";

/** What backpropagation through time returns besides parameter gradients: for every layer l,
 *  hiddenGrads[l] [(T+1)·B×H] holds dL/dh_t for t = 0..T (row t·B + b), and for an LSTM
 *  cellGrads[l] the same for dL/dc_t. inputGrad [T·B×I] is dL/dx (null when the input was an
 *  embedding's tokens: dE then went straight into the table's gradient). Buffers belong to the layers
 *  and are overwritten by the next backward: copy what you keep. */
export interface StackGrads {
  hiddenGrads: Buf[];
  cellGrads: Buf[];
  inputGrad: Buf | null;
}

export interface StackState {
  /** [L·B×H] */
  h: Buf;
  /** [L·B×H], LSTM only (empty otherwise) */
  c: Buf;
}

/** Stacked recurrent layers; layer l > 0 reads layer l−1's outputs h_1..h_T. */
export class RecurrentStack {
  readonly layers: RecurrentLayer[];
  private T = 0;
  private B = 0;
  private statesOf: Buf[] = [];
  /** The arrays backward returns, refilled by every backward (as the buffers they point at are). */
  private readonly grads: StackGrads = { hiddenGrads: [], cellGrads: [], inputGrad: null };

  constructor(
    readonly config: RecurrentConfig,
    readonly inputSize: number,
    readonly prefix: string,
    readonly dtype: DType,
    /** Builds layer k's cell; replace it to wire in a cell of your own. */
    cellFactory: (config: RecurrentConfig, layer: number) => Cell = createCell,
  ) {
    const cell = cellFactory(config, 0);
    if (config.skip > 0 && !cell.supportsSkip) {
      throw new ShapeError(
        `a skip connection (delay ${config.skip}) is defined for the vanilla RNN, not ${config.cell}`,
      );
    }
    this.layers = Array.from({ length: config.layers }, (_, k) => {
      const layerCell = k === 0 ? cell : cellFactory(config, k);
      return new RecurrentLayer(
        layerCell,
        k === 0 ? inputSize : config.hiddenSize,
        config.hiddenSize,
        config.skip,
        {
          weightIh: `${prefix}weight_ih_l${k}`,
          weightHh: `${prefix}weight_hh_l${k}`,
          biasIh: `${prefix}bias_ih_l${k}`,
          biasHh: `${prefix}bias_hh_l${k}`,
          weightSkip: config.skip > 0 ? `${prefix}weight_skip_l${k}` : null,
        },
        dtype,
      );
    });
  }

  get hasCellState(): boolean {
    return this.layers[0].cell.hasCellState;
  }

  paramSpecs() {
    return recurrentParamSpecs(this.config, this.inputSize, this.prefix);
  }

  /** x [T·B×I] (or the tokens of an embedding, token-projection.ts); initial state [L·B×H] or null for zeros; lengths [B] or null when every row has
   *  T steps. Returns the top layer's outputs h_1..h_T [T·B×H] (a view into the layer's buffer).
   *  Layer by layer: each projects all its inputs in one product, then runs its steps. */
  forward(
    params: Params,
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null = null,
    lengths: Int32Array | null = null,
  ): Buf {
    const top = this.begin(x, T, B, initial, lengths);
    for (const layer of this.layers) {
      layer.projectInputs(params, 0, T);
      for (let t = 1; t <= T; t++) layer.advance(params, t);
    }
    return top;
  }

  /** Starts a step-by-step forward: x [T·B×I] is read row block t−1 at advance(t), so the caller
   *  may write each step's input just before (fed-back tokens). Returns the top layer's outputs
   *  buffer [T·B×H], filled as the steps advance. */
  begin(
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null = null,
    lengths: Int32Array | null = null,
  ): Buf {
    const H = this.config.hiddenSize;
    const L = this.layers.length;
    this.check(x, T, B, initial, lengths);
    this.T = T;
    this.B = B;
    this.statesOf.length = L;
    let input: Buf | TokenInput = x;
    for (let k = 0; k < L; k++) {
      const h0 = initial?.h ? initial.h.subarray(k * B * H, (k + 1) * B * H) : null;
      const c0 = initial?.c ? initial.c.subarray(k * B * H, (k + 1) * B * H) : null;
      this.statesOf[k] = this.layers[k].begin(input, T, B, h0, c0, lengths);
      input = this.layers[k].outputs();
    }
    return this.layers[L - 1].outputs();
  }

  /** Step t (1-based) through every layer, bottom to top. */
  advance(params: Params, t: number): void {
    for (const layer of this.layers) {
      layer.projectInputs(params, t - 1, t);
      layer.advance(params, t);
    }
  }

  private check(
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null,
    lengths: Int32Array | null,
  ): void {
    const size = this.layers.length * B * this.config.hiddenSize;
    if (isTokenInput(x)) {
      if (x.tokens.length !== T * B) {
        throw new ShapeError(`tokens has ${x.tokens.length} entries, expected T·B = ${T * B}`);
      }
    } else if (x.length !== T * B * this.inputSize) {
      throw new ShapeError(`input has ${x.length} values, expected T·B·I = ${T}·${B}·${this.inputSize}`);
    }
    checkState(initial?.h, size, "initial h");
    if (this.hasCellState) checkState(initial?.c, size, "initial c");
    if (lengths) checkLengths(lengths, T, B);
  }

  /** The state after the last forward: h_T (and c_T) of every layer, copied into `out` when given. */
  finalState(out?: StackState): StackState {
    const { T, B } = this;
    const H = this.config.hiddenSize;
    const L = this.layers.length;
    const h = out?.h ?? new (this.dtype === "float64" ? Float64Array : Float32Array)(L * B * H);
    const c =
      out?.c ??
      new (this.dtype === "float64" ? Float64Array : Float32Array)(this.hasCellState ? L * B * H : 0);
    for (let k = 0; k < L; k++) {
      h.set(this.statesOf[k].subarray(T * B * H, (T + 1) * B * H), k * B * H);
      if (this.hasCellState)
        c.set(this.layers[k].cellStates().subarray(T * B * H, (T + 1) * B * H), k * B * H);
    }
    return { h, c };
  }

  /** The states h_0..h_T of layer k [(T+1)·B×H] from the last forward. */
  hiddenStates(k: number): Buf {
    return this.statesOf[k];
  }

  /** BPTT over the last forward. outputGrad [T·B×H] = dL/d(top outputs) or null; finalGrad =
   *  dL/d(h_T, c_T) per layer [L·B×H] or null. Parameter gradients accumulate (+=). */
  backward(
    params: Params,
    outputGrad: Buf | null,
    finalGrad: Partial<StackState> | null = null,
    wantInputGrad = false,
  ): StackGrads {
    const { B } = this;
    const H = this.config.hiddenSize;
    const L = this.layers.length;
    checkState(finalGrad?.h, L * B * H, "final h gradient");
    if (this.hasCellState) checkState(finalGrad?.c, L * B * H, "final c gradient");
    const result = this.grads;
    result.hiddenGrads.length = L;
    result.cellGrads.length = L;
    let gradFromAbove = outputGrad;
    for (let k = L - 1; k >= 0; k--) {
      const hn = finalGrad?.h ? finalGrad.h.subarray(k * B * H, (k + 1) * B * H) : null;
      const cn = finalGrad?.c ? finalGrad.c.subarray(k * B * H, (k + 1) * B * H) : null;
      const grads = this.layers[k].backward(params, gradFromAbove, hn, cn, k > 0 || wantInputGrad);
      result.hiddenGrads[k] = grads.hiddenGrads;
      result.cellGrads[k] = grads.cellGrads;
      gradFromAbove = grads.inputGrad;
    }
    result.inputGrad = gradFromAbove;
    return result;
  }
}

function checkState(state: Buf | undefined, size: number, what: string): void {
  if (state && state.length !== size) {
    throw new ShapeError(`${what} has ${state.length} values, expected L·B·H = ${size}`);
  }
}

function checkLengths(lengths: Int32Array, T: number, B: number): void {
  if (lengths.length !== B)
    throw new ShapeError(`lengths has ${lengths.length} entries, expected one per row (B = ${B})`);
  for (let b = 0; b < B; b++) {
    if (!Number.isInteger(lengths[b]) || lengths[b] < 0 || lengths[b] > T) {
      throw new ShapeError(`lengths[${b}] = ${lengths[b]} is outside 0..T (T = ${T})`);
    }
  }
}
