import { type Cell, createCell } from "../cells/index.js";
import { ConfigError, ShapeError } from "../errors.js";
import { alloc, type Buf, type DType } from "../tensor.js";
import {
  directionsOf,
  outputWidthOf,
  type RecurrentConfig,
  type RegularizationConfig,
  stateWidthOf,
} from "./config.js";
import { MaskSite, type MaskSource, siteOf } from "./dropout.js";
import { InputDropout } from "./input-dropout.js";
import { RecurrentLayer } from "./layer.js";
import { hasLayerRates, LayerRegularizer } from "./layer-regularization.js";
import { layerNames, recurrentParamSpecs } from "./param-shapes.js";
import type { Params } from "./params.js";
import { Scratch } from "./scratch.js";
import { isTokenInput, type TokenInput } from "./token-projection.js";

/** What backpropagation through time returns besides parameter gradients: for every layer and
 *  direction l = k·D + d, hiddenGrads[l] [(T+1)·B×H_out] holds dL/dh_t for t = 0..T (row t·B + b,
 *  in the direction's own order of steps), and for an LSTM cellGrads[l] the same for dL/dc_t [H].
 *  inputGrad [T·B×I] is dL/dx (null when the input was an embedding's tokens: dE then went straight
 *  into the table's gradient). Buffers belong to the layers and are overwritten by the next
 *  backward: copy what you keep. */
export interface StackGrads {
  hiddenGrads: Buf[];
  cellGrads: Buf[];
  inputGrad: Buf | null;
}

export interface StackState {
  /** [L·D·B×H_out], block k·D + d for layer k, direction d (PyTorch's h_n) */
  h: Buf;
  /** [L·D·B×H], LSTM only (empty otherwise) */
  c: Buf;
}

/** Stacked recurrent layers; layer k > 0 reads layer k−1's outputs h_1..h_T.
 *  Bidirectional (D = 2): layers[k·2 + 1] runs each sequence b backwards over its own steps
 *  lengths[b]−1..0, on its input with those rows reversed in time (a permutation that is its own
 *  inverse, so the same gather un-reverses its outputs and carries gradients both ways). The layer's
 *  output row is [forward h_t, reverse h_t], D·H_out wide; the two directions' dL/dx add.
 *  Regularization (with a MaskSource; RegularizationConfig): layer k reads x̃ = x ⊙ M_k
 *  (input-dropout.ts: `dropout` on layer k−1's outputs, fresh per position, and `inputDropout`, one
 *  mask per sequence), drawn once per layer in its natural time order, so both directions of a
 *  bidirectional layer read the same x̃; recurrent dropout and zoneout run inside each layer. */
export class RecurrentStack {
  /** L·D layers, index k·D + d. */
  readonly layers: RecurrentLayer[];
  readonly directions: 1 | 2;
  private T = 0;
  private B = 0;
  private lengths: Int32Array | null = null;
  private statesOf: Buf[] = [];
  /** Bidirectional only: per layer k, its D·H_out-wide outputs and the reverse direction's input. */
  private readonly scratch: Scratch;
  private readonly ints = new Map<string, Int32Array>();
  /** The reverse direction's tokens, when the first layer reads an embedding's tokens. */
  private readonly reversedTokens: TokenInput = { tokens: new Int32Array(0), vocabSize: 0, table: "" };
  /** The arrays backward returns, refilled by every backward (as the buffers they point at are). */
  private readonly grads: StackGrads = { hiddenGrads: [], cellGrads: [], inputGrad: null };
  /** Per layer k: the dropout on what it reads, or null when its rates are 0. */
  private readonly inputDropouts: (InputDropout | null)[];

  constructor(
    readonly config: RecurrentConfig & RegularizationConfig,
    readonly inputSize: number,
    readonly prefix: string,
    readonly dtype: DType,
    /** Builds layer k's cell; replace it to wire in a cell of your own. */
    cellFactory: (config: RecurrentConfig, layer: number) => Cell = createCell,
    /** Where dropout masks come from; null: the config's dropout rates are ignored. */
    masks: MaskSource | null = null,
  ) {
    const cell = cellFactory(config, 0);
    if (config.skip > 0 && !cell.supportsSkip) {
      throw new ShapeError(
        `a skip connection (delay ${config.skip}) is defined for the vanilla RNN, not ${config.cell}`,
      );
    }
    if (config.projSize && config.cell !== "lstm") {
      throw new ConfigError(`projSize ${config.projSize} is an LSTM projection, not ${config.cell}'s; use 0`);
    }
    this.directions = directionsOf(config);
    this.scratch = new Scratch(dtype);
    const D = this.directions;
    this.layers = Array.from({ length: config.layers * D }, (_, index) => {
      const k = Math.floor(index / D);
      const layerCell = index === 0 ? cell : cellFactory(config, k);
      const rates = {
        recurrentDropout: config.recurrentDropout ?? 0,
        zoneout: config.zoneout ?? 0,
        cellZoneout: layerCell.hasCellState ? (config.cellZoneout ?? 0) : 0,
      };
      const P = stateWidthOf(config);
      const regularizer =
        masks && hasLayerRates(rates)
          ? new LayerRegularizer(rates, masks, index, P, config.hiddenSize, dtype)
          : null;
      return new RecurrentLayer(
        layerCell,
        k === 0 ? inputSize : outputWidthOf(config),
        config.hiddenSize,
        config.skip,
        layerNames(config, k, index % D, prefix),
        dtype,
        P,
        regularizer,
      );
    });
    this.inputDropouts = Array.from({ length: config.layers }, (_, k) => {
      const pFresh = k > 0 ? (config.dropout ?? 0) : 0;
      const pSequence = config.inputDropout ?? 0;
      if (!masks || (pFresh === 0 && pSequence === 0)) return null;
      const width = k === 0 ? inputSize : outputWidthOf(config);
      const fresh = siteOf(MaskSite.between, k);
      return new InputDropout(pFresh, pSequence, width, fresh, siteOf(MaskSite.input, k), masks, dtype);
    });
  }

  /** Layer k's input as it reads it: x̃ = x ⊙ M_k (filled by fillInput) when its dropout is active
   *  this pass, else x itself. */
  private dropInput(k: number, x: Buf | TokenInput, T: number, B: number): Buf | TokenInput {
    const drop = this.inputDropouts[k];
    if (!drop) return x;
    if (drop.active && isTokenInput(x)) {
      throw new ConfigError(
        "input dropout needs the first layer's inputs as vectors, not an embedding's tokens: pass x (the model does this itself)",
      );
    }
    if (isTokenInput(x)) {
      drop.on = false;
      return x;
    }
    return drop.begin(x, T, B) ?? x;
  }

  /** x̃ of layer k for steps from+1..to, when its dropout is on. */
  private fillInput(k: number, from: number, to: number): void {
    const drop = this.inputDropouts[k];
    if (drop?.on) drop.fill(from, to);
  }

  /** The mask M_k [T·B×I_k] layer k's input was multiplied by in the last pass (dropout and input
   *  dropout), or null when none was drawn: for tests and figures. */
  inputMask(k: number): Buf | null {
    const drop = this.inputDropouts[k];
    return drop?.on ? drop.masks() : null;
  }

  /** Whether layer 0 must read vectors rather than tokens this pass (input dropout in training). */
  get needsInputVectors(): boolean {
    return this.inputDropouts[0]?.active ?? false;
  }

  /** Bytes of the stack's buffers now: its own, its layers' and its dropouts'. */
  get bytes(): number {
    let sum = this.scratch.bytes;
    for (const ints of this.ints.values()) sum += ints.byteLength;
    for (const layer of this.layers) sum += layer.bytes;
    for (const drop of this.inputDropouts) sum += drop?.bytes ?? 0;
    return sum;
  }

  get hasCellState(): boolean {
    return this.layers[0].cell.hasCellState;
  }

  paramSpecs() {
    return recurrentParamSpecs(this.config, this.inputSize, this.prefix);
  }

  /** x [T·B×I] (or the tokens of an embedding, token-projection.ts); initial state [L·D·B×H_out]
   *  (c: [L·D·B×H]) or null for zeros; lengths [B] or null when every row has T steps. Returns the
   *  top layer's outputs [T·B×D·H_out], 0 at padded steps (a view into a buffer of the stack's).
   *  Layer by layer: each projects all its inputs in one product, then runs its steps. */
  forward(
    params: Params,
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null = null,
    lengths: Int32Array | null = null,
  ): Buf {
    if (this.directions === 2) return this.forwardBidirectional(params, x, T, B, initial, lengths);
    const top = this.begin(x, T, B, initial, lengths);
    for (const [k, layer] of this.layers.entries()) {
      this.fillInput(k, 0, T);
      layer.projectInputs(params, 0, T);
      for (let t = 1; t <= T; t++) layer.advance(params, t);
    }
    return top;
  }

  /** Starts a step-by-step forward (one direction only): x [T·B×I] is read row block t−1 at
   *  advance(t), so the caller may write each step's input just before (fed-back tokens). Returns
   *  the top layer's outputs buffer [T·B×H_out], filled as the steps advance. */
  begin(
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null = null,
    lengths: Int32Array | null = null,
  ): Buf {
    if (this.directions === 2) {
      throw new ConfigError(
        "a bidirectional stack reads whole sequences: call forward, not begin/advance (no step-by-step feeding)",
      );
    }
    this.start(x, T, B, initial, lengths);
    let input: Buf | TokenInput = x;
    for (const [k, layer] of this.layers.entries()) {
      this.statesOf[k] = layer.begin(
        this.dropInput(k, input, T, B),
        T,
        B,
        this.initialOf(initial?.h, k),
        this.cellInitialOf(initial?.c, k),
        lengths,
      );
      input = layer.outputs();
    }
    return this.layers[this.layers.length - 1].outputs();
  }

  /** Step t (1-based) through every layer, bottom to top. */
  advance(params: Params, t: number): void {
    for (const [k, layer] of this.layers.entries()) {
      this.fillInput(k, t - 1, t);
      layer.projectInputs(params, t - 1, t);
      layer.advance(params, t);
    }
  }

  private start(
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null,
    lengths: Int32Array | null,
  ): void {
    this.check(x, T, B, initial, lengths);
    this.T = T;
    this.B = B;
    this.lengths = lengths;
    this.statesOf.length = this.layers.length;
  }

  private initialOf(h: Buf | undefined, index: number): Buf | null {
    const size = this.B * stateWidthOf(this.config);
    return h ? h.subarray(index * size, (index + 1) * size) : null;
  }

  private cellInitialOf(c: Buf | undefined, index: number): Buf | null {
    const size = this.B * this.config.hiddenSize;
    return c ? c.subarray(index * size, (index + 1) * size) : null;
  }

  /** Each layer k: the forward direction on its input, the reverse one on the input reversed per
   *  row, then outputs[t·B + b] = [forward h_t, reverse h at its step lengths[b]−1−t]. */
  private forwardBidirectional(
    params: Params,
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null,
    lengths: Int32Array | null,
  ): Buf {
    this.start(x, T, B, initial, lengths);
    const P = stateWidthOf(this.config);
    let input: Buf | TokenInput = x;
    for (let k = 0; k < this.config.layers; k++) {
      const read = this.dropInput(k, input, T, B);
      this.fillInput(k, 0, T);
      const reversedInput = this.reversed(read, k, T, B);
      for (let d = 0; d < 2; d++) {
        const index = 2 * k + d;
        const layer = this.layers[index];
        const h0 = this.initialOf(initial?.h, index);
        const c0 = this.cellInitialOf(initial?.c, index);
        this.statesOf[index] = layer.begin(d === 0 ? read : reversedInput, T, B, h0, c0, lengths);
        layer.projectInputs(params, 0, T);
        for (let t = 1; t <= T; t++) layer.advance(params, t);
      }
      const outputs = this.scratch.view(`outputs${k}`, T * B * 2 * P);
      copyColumns(outputs, 2 * P, 0, this.layers[2 * k].outputs(), P, T, B, null);
      copyColumns(outputs, 2 * P, P, this.layers[2 * k + 1].outputs(), P, T, B, this.timeOrder());
      input = outputs;
    }
    return input as Buf;
  }

  /** Row n's source row when reversing each sequence within its length (null: no lengths, T). */
  private timeOrder(): Int32Array {
    const { T, B } = this;
    const order = this.scratchInt("order", T * B);
    for (let b = 0; b < B; b++) {
      const length = this.lengths ? this.lengths[b] : T;
      for (let t = 0; t < T; t++) order[t * B + b] = (t < length ? length - 1 - t : t) * B + b;
    }
    return order;
  }

  private scratchInt(name: string, size: number): Int32Array {
    let buf = this.ints.get(name);
    if (!buf || buf.length < size) {
      buf = new Int32Array(size);
      this.ints.set(name, buf);
    }
    return buf.length === size ? buf : buf.subarray(0, size);
  }

  /** Layer k's input with each row's steps reversed within its length. */
  private reversed(input: Buf | TokenInput, k: number, T: number, B: number): Buf | TokenInput {
    const order = this.timeOrder();
    if (isTokenInput(input)) {
      const reversed = this.reversedTokens;
      reversed.tokens = this.scratchInt("reversedTokens", T * B);
      reversed.vocabSize = input.vocabSize;
      reversed.table = input.table;
      for (let n = 0; n < T * B; n++) reversed.tokens[n] = input.tokens[order[n]];
      return reversed;
    }
    const width = input.length / (T * B);
    const out = this.scratch.view(`reversedInput${k}`, input.length);
    gatherRows(out, input, width, order);
    return out;
  }

  private check(
    x: Buf | TokenInput,
    T: number,
    B: number,
    initial: Partial<StackState> | null,
    lengths: Int32Array | null,
  ): void {
    const count = this.layers.length * B;
    if (isTokenInput(x)) {
      if (x.tokens.length !== T * B) {
        throw new ShapeError(`tokens has ${x.tokens.length} entries, expected T·B = ${T * B}`);
      }
    } else if (x.length !== T * B * this.inputSize) {
      throw new ShapeError(`input has ${x.length} values, expected T·B·I = ${T}·${B}·${this.inputSize}`);
    }
    checkState(initial?.h, count * stateWidthOf(this.config), "initial h", this.stateShape(true));
    if (this.hasCellState)
      checkState(initial?.c, count * this.config.hiddenSize, "initial c", this.stateShape(false));
    if (lengths) checkLengths(lengths, T, B);
  }

  /** How a state's size is made up, for messages: L·B·H, L·D·B·H_out, ... */
  private stateShape(h: boolean): string {
    const width = h && this.config.projSize ? "H_out" : "H";
    return this.directions === 2 ? `L·D·B·${width}` : `L·B·${width}`;
  }

  /** The state after the last forward: of every layer and direction, the state after the row's last
   *  step (h_T, carried past a row's length), copied into `out` when given. */
  finalState(out?: StackState): StackState {
    const { T, B } = this;
    const H = this.config.hiddenSize;
    const P = stateWidthOf(this.config);
    const count = this.layers.length;
    const h = out?.h ?? alloc(this.dtype, count * B * P);
    const c = out?.c ?? alloc(this.dtype, this.hasCellState ? count * B * H : 0);
    for (let k = 0; k < count; k++) {
      h.set(this.statesOf[k].subarray(T * B * P, (T + 1) * B * P), k * B * P);
      if (this.hasCellState)
        c.set(this.layers[k].cellStates().subarray(T * B * H, (T + 1) * B * H), k * B * H);
    }
    return { h, c };
  }

  /** The states h_0..h_T [(T+1)·B×H_out] of layer (and direction) k from the last forward. */
  hiddenStates(k: number): Buf {
    return this.statesOf[k];
  }

  /** BPTT over the last forward. outputGrad [T·B×D·H_out] = dL/d(top outputs) or null; finalGrad =
   *  dL/d(h_T, c_T) per layer and direction [L·D·B×H_out], [L·D·B×H] or null. Parameter gradients
   *  accumulate (+=). */
  backward(
    params: Params,
    outputGrad: Buf | null,
    finalGrad: Partial<StackState> | null = null,
    wantInputGrad = false,
  ): StackGrads {
    const count = this.layers.length;
    const shapeH = this.stateShape(true);
    checkState(finalGrad?.h, count * this.B * stateWidthOf(this.config), "final h gradient", shapeH);
    if (this.hasCellState) {
      checkState(
        finalGrad?.c,
        count * this.B * this.config.hiddenSize,
        "final c gradient",
        this.stateShape(false),
      );
    }
    const result = this.grads;
    result.hiddenGrads.length = count;
    result.cellGrads.length = count;
    const D = this.directions;
    let gradFromAbove = outputGrad;
    for (let k = this.config.layers - 1; k >= 0; k--) {
      const wantGrad = k > 0 || wantInputGrad;
      gradFromAbove =
        D === 1
          ? this.layerBackward(params, k, gradFromAbove, finalGrad, wantGrad)
          : this.bidirectionalBackward(params, k, gradFromAbove, finalGrad, wantGrad);
      // dx = dx̃ ⊙ M_k (in place: the buffer is the layer's, or the stack's for D = 2).
      if (gradFromAbove) this.inputDropouts[k]?.backward(gradFromAbove);
    }
    result.inputGrad = gradFromAbove;
    return result;
  }

  private layerBackward(
    params: Params,
    index: number,
    outputGrad: Buf | null,
    finalGrad: Partial<StackState> | null,
    wantInputGrad: boolean,
  ): Buf | null {
    const hn = this.initialOf(finalGrad?.h, index);
    const cn = this.cellInitialOf(finalGrad?.c, index);
    const grads = this.layers[index].backward(params, outputGrad, hn, cn, wantInputGrad);
    this.grads.hiddenGrads[index] = grads.hiddenGrads;
    this.grads.cellGrads[index] = grads.cellGrads;
    return grads.inputGrad;
  }

  /** The gradient from above splits by columns (the reverse half gathered into its own order); the
   *  two directions' input gradients add, the reverse one's gathered back. */
  private bidirectionalBackward(
    params: Params,
    k: number,
    outputGrad: Buf | null,
    finalGrad: Partial<StackState> | null,
    wantInputGrad: boolean,
  ): Buf | null {
    const { T, B } = this;
    const P = stateWidthOf(this.config);
    const order = this.timeOrder();
    let forwardGrad: Buf | null = null;
    let reverseGrad: Buf | null = null;
    if (outputGrad) {
      forwardGrad = this.scratch.view("forwardGrad", T * B * P);
      reverseGrad = this.scratch.view("reverseGrad", T * B * P);
      copyColumnsOut(forwardGrad, outputGrad, 2 * P, 0, P, T, B, null);
      copyColumnsOut(reverseGrad, outputGrad, 2 * P, P, P, T, B, order);
    }
    const forwardInputGrad = this.layerBackward(params, 2 * k, forwardGrad, finalGrad, wantInputGrad);
    const reverseInputGrad = this.layerBackward(params, 2 * k + 1, reverseGrad, finalGrad, wantInputGrad);
    if (!forwardInputGrad || !reverseInputGrad) return null;
    const width = forwardInputGrad.length / (T * B);
    const inputGrad = this.scratch.view(`inputGrad${k}`, forwardInputGrad.length);
    inputGrad.set(forwardInputGrad);
    for (let n = 0; n < T * B; n++) {
      const from = order[n] * width;
      for (let j = 0; j < width; j++) inputGrad[n * width + j] += reverseInputGrad[from + j];
    }
    return inputGrad;
  }
}

/** out[n] = source[order[n]] for rows of `width`. */
function gatherRows(out: Buf, source: Buf, width: number, order: Int32Array): void {
  for (let n = 0; n < order.length; n++)
    out.set(source.subarray(order[n] * width, (order[n] + 1) * width), n * width);
}

/** Columns offset..offset+P of out [T·B×outWidth] = rows of source [T·B×P] (gathered by `order`). */
function copyColumns(
  out: Buf,
  outWidth: number,
  offset: number,
  source: Buf,
  P: number,
  T: number,
  B: number,
  order: Int32Array | null,
): void {
  for (let n = 0; n < T * B; n++) {
    const from = (order ? order[n] : n) * P;
    out.set(source.subarray(from, from + P), n * outWidth + offset);
  }
}

/** out [T·B×P] = columns offset..offset+P of source [T·B×sourceWidth] (gathered by `order`). */
function copyColumnsOut(
  out: Buf,
  source: Buf,
  sourceWidth: number,
  offset: number,
  P: number,
  T: number,
  B: number,
  order: Int32Array | null,
): void {
  for (let n = 0; n < T * B; n++) {
    const from = (order ? order[n] : n) * sourceWidth + offset;
    out.set(source.subarray(from, from + P), n * P);
  }
}

function checkState(state: Buf | undefined, size: number, what: string, shape = "L·B·H"): void {
  if (state && state.length !== size) {
    throw new ShapeError(`${what} has ${state.length} values, expected ${shape} = ${size}`);
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
