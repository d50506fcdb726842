import { type RecurrentConfig, stateWidthOf } from "../model/config.js";
import type { BufferRef, GpuContext, Plan } from "./context.js";
import {
  type CellStepBuffers,
  type CellStepSpec,
  cacheWidthOf,
  encodeCellBackward,
  encodeCellForward,
  gatesOf,
} from "./kernels/cell-steps.js";
import { encodeFill } from "./kernels/fill.js";
import { encodeMatmul } from "./kernels/matmul.js";
import { encodeColumnSums } from "./kernels/reduce.js";

/** Where one layer's parameters sit in the flat buffer (element offsets; null: absent). */
export interface LayerOffsets {
  weightIh: number;
  weightHh: number;
  biasIh: number | null;
  biasHh: number | null;
  weightSkip: number | null;
  /** W_hr [P×H] of an LSTM projection. */
  weightHr: number | null;
}

/** encodeBackward's options for gradients given from outside (a parity fixture's final-state
 *  weights): both default false. */
export interface LayerBackwardOptions {
  /** cellGrad already holds dL/dc_T (written before the run), so it is not zeroed (lstm). */
  keepCellGrad?: boolean;
  /** inputGrad += dL/dx instead of =: it already holds a gradient (dL/dh_T of the layer below). */
  accumulateInputGrad?: boolean;
}

/** One recurrent layer on the GPU for a (T, B) shape: its buffers, and the dispatches of its
 *  forward and backward. G gate blocks of H units, input width I, h P wide (P = H, or an LSTM
 *  projection's size: each step then also projects h_t = W_hr m_t, m_t kept in hTilde); time-major
 *  rows (t·B + b).
 *    forward:  inputProj [T·B×G·H] = x W_ihᵀ + b_ih (one product), then T fused cell steps
 *    backward: T+1 fused steps (hiddenGrads, dA), then dW_ih += dAᵀ x, dW_hh += dA_hᵀ h_{0..T−1},
 *              dM += dA_h[k..T]ᵀ h_{0..T−k}, dW_hr += dh_{1..T}ᵀ m_{1..T}, db += column sums,
 *              dx = dA W_ih (one product each)
 *  With `lengths` (i32 [B], written by the owner before each run) the steps run their padded
 *  variant (cell-steps.ts): outputs are then h_t or 0 past a row's length, and a padded step's gate
 *  gradients are 0, so its rows add nothing to dW and dx. */
export class GpuLayer {
  readonly spec: CellStepSpec;
  readonly buffers: CellStepBuffers;
  readonly I: number;
  /** G·H: the width of the gate pre-activations. */
  readonly GH: number;
  /** The width of h: H, or the projection's size. */
  readonly P: number;
  private readonly offsets: LayerOffsets;
  private readonly T: number;

  constructor(
    context: GpuContext,
    config: RecurrentConfig,
    offsets: LayerOffsets,
    params: GPUBuffer,
    I: number,
    T: number,
    B: number,
    label: string,
    lengths: GPUBuffer | null = null,
  ) {
    const H = config.hiddenSize;
    const P = offsets.weightHr === null ? H : stateWidthOf(config);
    const GH = gatesOf(config.cell) * H;
    this.spec = {
      cell: config.cell,
      activation: config.activation,
      straightThrough: config.straightThrough,
      skip: offsets.weightSkip === null ? 0 : config.skip,
      B,
      H,
      weightHh: offsets.weightHh,
      biasHh: offsets.biasHh,
      weightSkip: offsets.weightSkip,
      projSize: P === H ? 0 : P,
      weightHr: offsets.weightHr,
    };
    this.offsets = offsets;
    this.I = I;
    this.GH = GH;
    this.P = P;
    this.T = T;
    const lstm = config.cell === "lstm";
    const partGrad = context.buffer(T * B * GH, `${label} part grads`);
    this.buffers = {
      params,
      inputProj: context.buffer(T * B * GH, `${label} input projection`),
      states: context.buffer((T + 1) * B * P, `${label} states`),
      cells: lstm ? context.buffer((T + 1) * B * H, `${label} cells`) : null,
      cache: context.buffer(T * B * cacheWidthOf(config.cell) * H, `${label} cache`),
      outputGrad: context.buffer(T * B * P, `${label} output grads`),
      hiddenGrads: context.buffer((T + 1) * B * P, `${label} hidden grads`),
      inputPartGrad: partGrad,
      hiddenPartGrad:
        config.cell === "gru" ? context.buffer(T * B * GH, `${label} hidden part grads`) : partGrad,
      cellGrad: lstm ? context.buffer(B * H, `${label} cell grad`) : null,
      lengths,
      maskedOutputs: lengths ? context.buffer(T * B * P, `${label} masked outputs`) : null,
      hTilde: P === H ? null : context.buffer(T * B * H, `${label} projection inputs`),
    };
  }

  /** h_1..h_T [T·B×P] (with lengths: 0 past each row's length): the next layer's x and the
   *  readout's input. */
  get outputs(): BufferRef {
    const { maskedOutputs } = this.buffers;
    if (maskedOutputs) return { buffer: maskedOutputs, offset: 0 };
    return { buffer: this.buffers.states, offset: this.spec.B * this.P };
  }

  /** dL/dh_t from above, [T·B×P], for the layer above or the readout to write (with lengths: 0 at
   *  padded steps, but for dL/dh_T at step T; the layer above gives 0 there by itself). */
  get outputGrad(): BufferRef {
    return { buffer: this.buffers.outputGrad, offset: 0 };
  }

  /** dL/d(inputPart) [T·B×G·H]: the gradient of x W_ihᵀ + b_ih at every step. */
  get inputPartGrad(): BufferRef {
    return { buffer: this.buffers.inputPartGrad, offset: 0 };
  }

  get inputProj(): BufferRef {
    return { buffer: this.buffers.inputProj, offset: 0 };
  }

  /** Frees the layer's buffers (not the parameters). */
  destroy(): void {
    const { params, lengths, ...own } = this.buffers;
    for (const buffer of new Set(Object.values(own))) buffer?.destroy();
  }

  /** The input projection from x [T·B×I] (the input layer writes inputProj itself for tokens). */
  encodeProjectInputs(plan: Plan, x: BufferRef): void {
    const { params } = this.buffers;
    const { biasIh, weightIh } = this.offsets;
    encodeMatmul(plan, {
      M: this.T * this.spec.B,
      N: this.GH,
      K: this.I,
      a: x,
      transA: false,
      b: { buffer: params, offset: weightIh },
      transB: true,
      c: this.inputProj,
      accumulate: false,
      bias: biasIh === null ? null : { buffer: params, offset: biasIh },
    });
  }

  encodeSteps(plan: Plan): void {
    for (let t = 1; t <= this.T; t++) encodeCellForward(plan, this.spec, this.buffers, t, this.T);
  }

  /** BPTT through the layer, after outputGrad is written; parameter gradients accumulate (+=)
   *  into `grad`. With `inputGrad`, writes dL/dx [T·B×I] there (x = `x`, the layer's input).
   *  Afterwards hiddenGrads rows 0 hold dL/dh_0 and cellGrad dL/dc_0. */
  encodeBackward(
    plan: Plan,
    grad: GPUBuffer,
    x: BufferRef | null,
    inputGrad: BufferRef | null,
    options: LayerBackwardOptions = {},
  ): void {
    const { B, H, skip } = this.spec;
    const { T, GH, P, buffers, offsets } = this;
    if (buffers.cellGrad && !options.keepCellGrad)
      encodeFill(plan, { n: B * H, dst: { buffer: buffers.cellGrad, offset: 0 }, value: 0 });
    for (let t = T; t >= 0; t--) encodeCellBackward(plan, this.spec, buffers, t, T);
    const rows = T * B;
    const dInput = this.inputPartGrad;
    const dHidden = { buffer: buffers.hiddenPartGrad, offset: 0 };
    const states = { buffer: buffers.states, offset: 0 };
    const at = (offset: number) => ({ buffer: grad, offset });
    // dW = dAᵀ · (what the weight multiplied), summed over all steps in one product.
    if (x) product(plan, GH, this.I, rows, dInput, true, x, false, at(offsets.weightIh), true);
    product(plan, GH, P, rows, dHidden, true, states, false, at(offsets.weightHh), true);
    if (offsets.weightHr !== null && buffers.hTilde) {
      // dW_hr += Σ_t dh_tᵀ m_t: hiddenGrads' rows 1..T against hTilde's.
      const dh = { buffer: buffers.hiddenGrads, offset: B * P };
      const m = { buffer: buffers.hTilde, offset: 0 };
      product(plan, P, H, rows, dh, true, m, false, at(offsets.weightHr), true);
    }
    if (offsets.weightSkip !== null && T >= skip) {
      const skipRows = (T - skip + 1) * B;
      const from = { buffer: buffers.hiddenPartGrad, offset: (skip - 1) * B * GH };
      product(plan, H, H, skipRows, from, true, states, false, at(offsets.weightSkip), true);
    }
    if (offsets.biasIh !== null && offsets.biasHh !== null) {
      encodeColumnSums(plan, { rows, cols: GH, src: dInput, dst: at(offsets.biasIh), accumulate: true });
      encodeColumnSums(plan, { rows, cols: GH, src: dHidden, dst: at(offsets.biasHh), accumulate: true });
    }
    if (inputGrad) {
      const weightIh = { buffer: buffers.params, offset: offsets.weightIh };
      const accumulate = options.accumulateInputGrad ?? false;
      product(plan, rows, this.I, GH, dInput, false, weightIh, false, inputGrad, accumulate);
    }
  }
}

/** C [M×N] (+)= op(A) op(B), K the inner dimension. */
function product(
  plan: Plan,
  M: number,
  N: number,
  K: number,
  a: BufferRef,
  transA: boolean,
  b: BufferRef,
  transB: boolean,
  c: BufferRef,
  accumulate: boolean,
): void {
  encodeMatmul(plan, { M, N, K, a, transA, b, transB, c, accumulate, bias: null });
}
