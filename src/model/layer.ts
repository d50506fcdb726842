import type { Cell, CellStep } from "../cells/cell.js";
import { StateError } from "../errors.js";
import { addColumnSums, setRowVector } from "../kernels/elementwise.js";
import { linearForward } from "../kernels/linear.js";
import { matmul, matmulPacked, matmulTransA, matmulTransB, PackedOperand } from "../kernels/matmul.js";
import { alloc, type Buf, type DType } from "../tensor.js";
import type { LayerRegularizer } from "./layer-regularization.js";
import type { LayerNames } from "./param-shapes.js";
import type { Params } from "./params.js";
import { Scratch } from "./scratch.js";
import {
  gatherRows,
  isTokenInput,
  projectVocabulary,
  projectVocabularyBackward,
  type TokenInput,
  VocabularyRows,
} from "./token-projection.js";

/** Names of one layer's parameters inside a Params store (null: the config has none). */
export type LayerParamNames = LayerNames;

/** Per-(T, B) buffers of one layer; h and c hold the states h_0..h_T, so step s reads h[s-1]
 *  and writes h[s]; hiddenGrads[s] = dL/dh_s and cellGrads[s] = dL/dc_s for s = 0..T.
 *  P = H_out, the width of h: H, or the projection's size. */
class LayerWorkspace {
  inputProj!: Buf; // [T·B×G·H]  W_ih x_t + b_ih for every step
  hiddenPart!: Buf; // [B×G·H]
  h!: Buf; // [(T+1)·B×P]
  hOutputs!: Buf; // [T·B×P]  h_1..h_T, the layer's outputs
  hBefore!: Buf; // [T·B×P]  h_0..h_{T−1}, the states each step starts from
  maskedOutputs!: Buf; // [T·B×P]  with lengths: h_t, or 0 past the row's length (PyTorch's output)
  m!: Buf; // [T·B×H]  projection only: m_t = o ⊙ tanh(c_t), what the cell writes as its h
  mGrad!: Buf; // [B×H]  projection only: dL/dm_t of the step in backward
  c!: Buf; // [(T+1)·B×H] (LSTM) or empty
  cache!: Buf; // [T·B×cacheWidth·H]
  inputPartGrad!: Buf; // [T·B×G·H]
  hiddenPartGrad!: Buf; // [T·B×G·H]  kept for every step: dW_hh is one product after the loop
  //                        (inputPartGrad itself when the cell writes the same values to both)
  hiddenGrads!: Buf; // [(T+1)·B×P]
  outputGrads!: Buf; // [T·B×P]  dL/dh_1..dL/dh_T, where the gradient from above lands
  cellGrads!: Buf; // [(T+1)·B×H] (LSTM) or empty
  inputGrad!: Buf; // [T·B×I]
  stashH!: Buf; // [B×P] masked rows' gradients, set aside during a cell's backward
  stashC!: Buf; // [B×H]
  T = 0;
  B = 0;
  /** Per-step views, made once per shape so the step loops allocate nothing:
   *  hAt[s], cAt[s], hiddenGradAt[s], cellGradAt[s] for s = 0..T; inputPartAt[s], cacheAt[s],
   *  inputPartGradAt[s], hiddenPartGradAt[s] for step s = 1..T (index 0 unused). */
  hAt: Buf[] = [];
  cAt: Buf[] = [];
  hiddenGradAt: Buf[] = [];
  cellGradAt: Buf[] = [];
  mAt: Buf[] = [];
  inputPartAt: Buf[] = [];
  cacheAt: Buf[] = [];
  inputPartGradAt: Buf[] = [];
  hiddenPartGradAt: Buf[] = [];
  private readonly scratch: Scratch;

  constructor(
    private readonly I: number,
    private readonly H: number,
    private readonly P: number,
    private readonly cell: Cell,
    dtype: DType,
  ) {
    this.scratch = new Scratch(dtype);
  }

  /** Points every field at a view for (T, B), growing the backing buffers only when needed, so
   *  alternating shapes (training, validation, sampling one step at a time) allocate nothing. */
  use(T: number, B: number): this {
    if (T === this.T && B === this.B) return this;
    const { I, H, P, cell } = this;
    const GH = cell.gates * H;
    const states = (T + 1) * B * P;
    const cellStates = cell.hasCellState ? (T + 1) * B * H : 0;
    const projected = P !== H; // a projection is narrower than H
    this.inputProj = this.view("inputProj", T * B * GH);
    this.hiddenPart = this.view("hiddenPart", B * GH);
    this.h = this.view("h", states);
    this.hBefore = this.h.subarray(0, T * B * P);
    this.hOutputs = this.h.subarray(B * P);
    this.maskedOutputs = this.h.subarray(0, 0); // made by useMasked, when a pass has lengths
    this.m = this.view("m", projected ? T * B * H : 0);
    this.mGrad = this.view("mGrad", projected ? B * H : 0);
    this.c = this.view("c", cellStates);
    this.cache = this.view("cache", T * B * cell.cacheWidth * H);
    this.inputPartGrad = this.view("inputPartGrad", T * B * GH);
    this.hiddenPartGrad = cell.sharesPartGrad ? this.inputPartGrad : this.view("hiddenPartGrad", T * B * GH);
    this.hiddenGrads = this.view("hiddenGrads", states);
    this.outputGrads = this.hiddenGrads.subarray(B * P);
    this.cellGrads = this.view("cellGrads", cellStates);
    this.inputGrad = this.view("inputGrad", T * B * I);
    this.stashH = this.view("stashH", B * P);
    this.stashC = this.view("stashC", B * H);
    const rows = (buf: Buf, width: number, count: number) =>
      Array.from({ length: count }, (_, s) => buf.subarray(s * width, (s + 1) * width));
    const steps = (buf: Buf, width: number) => [buf.subarray(0, 0), ...rows(buf, width, T)];
    this.hAt = rows(this.h, B * P, T + 1);
    this.cAt = rows(this.c, cell.hasCellState ? B * H : 0, T + 1);
    this.mAt = projected ? steps(this.m, B * H) : [];
    this.hiddenGradAt = rows(this.hiddenGrads, B * P, T + 1);
    this.cellGradAt = rows(this.cellGrads, cell.hasCellState ? B * H : 0, T + 1);
    this.inputPartAt = steps(this.inputProj, B * GH);
    this.cacheAt = steps(this.cache, B * cell.cacheWidth * H);
    this.inputPartGradAt = steps(this.inputPartGrad, B * GH);
    this.hiddenPartGradAt = cell.sharesPartGrad ? this.inputPartGradAt : steps(this.hiddenPartGrad, B * GH);
    this.T = T;
    this.B = B;
    return this;
  }

  /** Points maskedOutputs at a view for this (T, B): only passes with lengths need it. */
  useMasked(): void {
    this.maskedOutputs = this.view("maskedOutputs", this.T * this.B * this.P);
  }

  private view(name: string, size: number): Buf {
    return this.scratch.view(name, size);
  }

  get bytes(): number {
    return this.scratch.bytes;
  }
}

/** One recurrent layer unrolled over time. The cell owns a step's math; the layer owns time: the
 *  input projection for all steps in one product, the recurrent and skip products per step (W_hh
 *  packed once per pass), masking of padded steps (a row b is active at step s iff s <= lengths[b];
 *  an inactive step copies the state and passes its gradient through untouched), and the weight
 *  gradients, each one product over all steps: dW_hh = Σ_t dA_tᵀ h_{t−1}.
 *  Options, as PyTorch has them:
 *  - no bias: hiddenPart starts at 0, and there are no bias gradients.
 *  - lengths: outputs() is h_t where t <= lengths[b] and 0 after (PyTorch's padded output), so a
 *    padded step's gradient from above is dropped; the state is carried, so h_T is the state after
 *    the row's last valid step, and dL/dh_T from outside reaches that step.
 *  - projection (LSTM, P = H_out < H): the cell writes m_t = o ⊙ tanh(c_t) [B×H], then
 *      h_t = m_t W_hrᵀ [B×P];  backward: dm_t = dh_t W_hr (the cell's hGrad),  dW_hr += Σ_t dh_tᵀ m_t
 *    (m is 0 on padded rows, so they add nothing). */
export class RecurrentLayer {
  private ws: LayerWorkspace | null = null;
  /** W_hh as the right operand of hPrev·W_hhᵀ (forward) and of dA·W_hh (backward). */
  private readonly recurrentT = new PackedOperand();
  private readonly recurrent = new PackedOperand();
  private input: Buf | TokenInput | null = null;
  /** Token input: P = E·W_ihᵀ + b_ih [V×GH] (token-projection.ts), computed at the pass's first
   *  projectInputs; S, its gradient by vocabulary row. */
  private vocabularyReady = false;
  private readonly vocabulary: Scratch;
  private readonly vocabularyRows = new VocabularyRows();
  private lengths: Int32Array | null = null;
  private readonly step: CellStep;
  /** backward's result, reused: its buffers are the workspace's anyway. */
  private readonly grads: { hiddenGrads: Buf; cellGrads: Buf; inputGrad: Buf | null };
  readonly skip: number;
  /** P = H_out: the width of h (hiddenSize, or the projection's size). */
  readonly stateSize: number;

  constructor(
    readonly cell: Cell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    skip: number,
    readonly names: LayerParamNames,
    readonly dtype: DType,
    stateSize = hiddenSize,
    /** Recurrent dropout and zoneout (layer-regularization.ts), or null for none. */
    readonly regularizer: LayerRegularizer | null = null,
  ) {
    this.skip = names.weightSkip ? skip : 0;
    this.stateSize = names.weightHr ? stateSize : hiddenSize;
    this.vocabulary = new Scratch(dtype);
    const empty = alloc(dtype, 0);
    this.grads = { hiddenGrads: empty, cellGrads: empty, inputGrad: null };
    this.step = {
      B: 0,
      H: hiddenSize,
      inputPart: empty,
      hiddenPart: empty,
      hPrev: empty,
      cPrev: empty,
      h: empty,
      c: empty,
      cache: empty,
      hGrad: empty,
      cGrad: empty,
      inputPartGrad: empty,
      hiddenPartGrad: empty,
      hPrevGrad: empty,
      cPrevGrad: empty,
    };
  }

  /** The outputs [T·B×P] of the forward begun last: h_1..h_T (a view of begin's states), or with
   *  lengths the same masked to 0 at padded steps. */
  outputs(): Buf {
    const ws = this.ws as LayerWorkspace;
    return this.lengths ? ws.maskedOutputs : ws.hOutputs;
  }

  /** Bytes of the layer's buffers (workspace, vocabulary projection, regularizer's) now. */
  get bytes(): number {
    return (this.ws?.bytes ?? 0) + this.vocabulary.bytes + (this.regularizer?.bytes ?? 0);
  }

  /** The cell states c_0..c_T [(T+1)·B×H] of the last forward (LSTM; empty otherwise). */
  cellStates(): Buf {
    return this.ws ? this.ws.c : alloc(this.dtype, 0);
  }

  private workspace(T: number, B: number): LayerWorkspace {
    this.ws ??= new LayerWorkspace(this.inputSize, this.hiddenSize, this.stateSize, this.cell, this.dtype);
    return this.ws.use(T, B);
  }

  /** Starts a forward over x [T·B×I], or the tokens of an embedding (kept by reference until
   *  backward), from h0 [B×P], c0 [B×H] (null: zeros). Then projectInputs(from, to) must have run
   *  over a step's rows of x before advance(t), t = 1..T in order: all steps at once, or step by step
   *  when inputs arrive late (fed-back tokens). Returns the states h_0..h_T [(T+1)·B×P], filled as
   *  the steps advance. */
  begin(
    x: Buf | TokenInput,
    T: number,
    B: number,
    h0: Buf | null,
    c0: Buf | null,
    lengths: Int32Array | null,
  ): Buf {
    const ws = this.workspace(T, B);
    this.input = x;
    this.vocabularyReady = false;
    this.lengths = lengths;
    if (lengths) ws.useMasked();
    initState(ws.h, h0, B * this.stateSize);
    if (this.cell.hasCellState) initState(ws.c, c0, B * this.hiddenSize);
    this.regularizer?.begin(T, B);
    return ws.h;
  }

  /** inputPart = W_ih x_t + b_ih for steps from+1..to (rows from·B..to·B of x), in one product
   *  (tokens: rows of the vocabulary's projection). */
  projectInputs(params: Params, from: number, to: number): void {
    const ws = this.ws as LayerWorkspace;
    const { B } = ws;
    const GH = this.cell.gates * this.hiddenSize;
    const I = this.inputSize;
    const input = this.input!;
    const { weightIh, biasIh } = this.names;
    if (isTokenInput(input)) {
      const P = this.vocabulary.view("projection", input.vocabSize * GH);
      if (!this.vocabularyReady) {
        projectVocabulary(P, params, input, weightIh, biasIh, GH);
        this.vocabularyReady = true;
      }
      const rows = this.vocabularyRows.get(P, input.vocabSize, GH);
      gatherRows(ws.inputProj, rows, input.tokens, from * B, to * B, GH);
      return;
    }
    const out = ws.inputProj.subarray(from * B * GH, to * B * GH);
    const x = input.subarray(from * B * I, to * B * I);
    const bias = biasIh ? params.value(biasIh) : null;
    linearForward(out, x, params.value(weightIh), bias, (to - from) * B, I, GH);
  }

  /** Step t (1-based): h_t from h_{t−1} (and h_{t−k}) and the projected input of step t. */
  advance(params: Params, t: number): void {
    const ws = this.ws as LayerWorkspace;
    const { B } = ws;
    const H = this.hiddenSize;
    const P = this.stateSize;
    const GH = this.cell.gates * H;
    const { weightHh, biasHh, weightSkip, weightHr } = this.names;
    const hPrev = ws.hAt[t - 1];
    const reg = this.regularizer;
    if (t === 1) this.recurrentT.load(params.value(weightHh), P, GH, true);
    // hiddenPart = b_hh (a copy per row, the same values as 0 + b_hh), then the products add into it.
    if (biasHh) setRowVector(ws.hiddenPart, params.value(biasHh), B, GH);
    else ws.hiddenPart.fill(0);
    const hRead = reg?.recurrentOn ? reg.dropRecurrent(t, hPrev) : hPrev;
    matmulPacked(ws.hiddenPart, hRead, this.recurrentT, B);
    if (weightSkip && t - this.skip >= 0) {
      matmulTransB(ws.hiddenPart, ws.hAt[t - this.skip], params.value(weightSkip), B, P, H);
    }
    const s = this.step;
    s.B = B;
    s.inputPart = ws.inputPartAt[t];
    s.hiddenPart = ws.hiddenPart;
    s.hPrev = hPrev;
    // With zoneout the cell writes h̃_t, c̃_t into the regularizer's buffers, mixed into h_t, c_t after.
    const hNew = reg?.zoneH ? reg.hTildeAt[t] : ws.hAt[t];
    s.h = weightHr ? ws.mAt[t] : hNew;
    s.cPrev = ws.cAt[t - 1];
    s.c = reg?.zoneC ? reg.cTildeAt[t] : ws.cAt[t];
    s.cache = ws.cacheAt[t];
    this.cell.forward(s);
    if (weightHr) {
      hNew.fill(0);
      matmulTransB(hNew, ws.mAt[t], params.value(weightHr), B, H, P);
    }
    if (reg && (reg.zoneH || reg.zoneC)) reg.zoneout(t, hPrev, ws.hAt[t], ws.cAt[t - 1], ws.cAt[t]);
    if (this.lengths) this.carryInactiveRows(t, ws);
  }

  /** Past its length a row keeps h_{t−1} (and c_{t−1}), its m is 0, and its output is 0. */
  private carryInactiveRows(t: number, ws: LayerWorkspace): void {
    const lengths = this.lengths as Int32Array;
    const { B } = ws;
    const H = this.hiddenSize;
    const P = this.stateSize;
    const h = ws.hAt[t];
    const hPrev = ws.hAt[t - 1];
    const out = ws.maskedOutputs;
    for (let b = 0; b < B; b++) {
      const outRow = ((t - 1) * B + b) * P;
      if (t <= lengths[b]) {
        out.set(h.subarray(b * P, (b + 1) * P), outRow);
        continue;
      }
      out.fill(0, outRow, outRow + P);
      h.set(hPrev.subarray(b * P, (b + 1) * P), b * P);
      if (this.cell.hasCellState) ws.cAt[t].set(ws.cAt[t - 1].subarray(b * H, (b + 1) * H), b * H);
      if (this.names.weightHr) ws.mAt[t].fill(0, b * H, (b + 1) * H);
    }
  }

  /** Backpropagation through time over the last forward. outputGrad [T·B×P] = dL/d(outputs) from
   *  above (or null), hnGrad [B×P] / cnGrad [B×H] = dL/dh_T, dL/dc_T from outside (or null).
   *  Accumulates parameter gradients (+=) into params' gradient views. Returns hiddenGrads
   *  [(T+1)·B×P] (dL/dh_s for s = 0..T, total), cellGrads (LSTM) and, if wanted, inputGrad. */
  backward(
    params: Params,
    outputGrad: Buf | null,
    hnGrad: Buf | null,
    cnGrad: Buf | null,
    wantInputGrad: boolean,
  ): { hiddenGrads: Buf; cellGrads: Buf; inputGrad: Buf | null } {
    const ws = this.ws;
    const x = this.input;
    if (!ws || !x) throw new StateError("backward() called before forward(): run forward on the batch first");
    const { T, B } = ws;
    const H = this.hiddenSize;
    const P = this.stateSize;
    const GH = this.cell.gates * H;
    const { weightHh, biasIh, biasHh, weightSkip, weightHr } = this.names;
    const biasHhGrad = biasHh ? params.gradOf(biasHh) : null;

    ws.hiddenGrads.fill(0);
    if (outputGrad) {
      ws.outputGrads.set(outputGrad);
      if (this.lengths) this.dropPaddedOutputGrads(ws);
    }
    if (hnGrad) addInto(ws.hiddenGrads, hnGrad, T * B * P);
    if (this.cell.hasCellState) {
      ws.cellGrads.fill(0);
      if (cnGrad) addInto(ws.cellGrads, cnGrad, T * B * H);
    }

    this.recurrent.load(params.value(weightHh), GH, P, false);
    const projection = weightHr ? params.value(weightHr) : null;
    const skipWeight = weightSkip ? params.value(weightSkip) : null;
    const s = this.step;
    const reg = this.regularizer;
    const zoneH = reg?.zoneH ?? false;
    const zoneC = reg?.zoneC ?? false;
    s.B = B;
    for (let t = T; t >= 1; t--) {
      s.hPrev = ws.hAt[t - 1];
      s.h = projection ? ws.mAt[t] : zoneH ? reg!.hTildeAt[t] : ws.hAt[t];
      s.hPrevGrad = ws.hiddenGradAt[t - 1];
      s.cPrev = ws.cAt[t - 1];
      s.c = zoneC ? reg!.cTildeAt[t] : ws.cAt[t];
      s.cPrevGrad = ws.cellGradAt[t - 1];
      s.cache = ws.cacheAt[t];
      s.inputPartGrad = ws.inputPartGradAt[t];
      s.hiddenPartGrad = ws.hiddenPartGradAt[t];
      const masked = this.lengths ? this.passInactiveRows(t, ws) : false;
      // Zoneout first splits dh_t (dc_t) between h_{t−1} and the cell's h̃_t (c̃_t).
      const cellOutGrad = zoneH
        ? reg!.zoneoutHBackward(t, ws.hiddenGradAt[t], s.hPrevGrad)
        : ws.hiddenGradAt[t];
      s.cGrad = zoneC ? reg!.zoneoutCBackward(t, ws.cellGradAt[t], s.cPrevGrad) : ws.cellGradAt[t];
      s.hGrad = projection ? ws.mGrad : cellOutGrad;
      if (projection) {
        ws.mGrad.fill(0);
        matmul(ws.mGrad, cellOutGrad, projection, B, P, H);
      }
      this.cell.backward(s);
      if (masked) this.restoreInactiveRows(t, ws);

      if (reg?.recurrentOn) reg.recurrentBackward(s.hPrevGrad, s.hiddenPartGrad, this.recurrent, B);
      else matmulPacked(s.hPrevGrad, s.hiddenPartGrad, this.recurrent, B);
      if (skipWeight && t - this.skip >= 0) {
        matmul(ws.hiddenGradAt[t - this.skip], s.hiddenPartGrad, skipWeight, B, H, P);
      }
    }

    // dW_hh += Σ_{t=1..T} dA_tᵀ h_{t−1}, dM += Σ_{t=k..T} dA_tᵀ h_{t−k}, dW_hr += Σ_t dh_tᵀ m_t:
    // rows of the per-step buffers are consecutive in t, so each is one product over the steps' rows.
    const hRead = reg?.recurrentOn ? reg.hDropped : ws.hBefore;
    matmulTransA(params.gradOf(weightHh), ws.hiddenPartGrad, hRead, GH, T * B, P);
    const hTildeGrads = zoneH ? reg!.hTildeGrad : ws.outputGrads;
    if (weightHr) matmulTransA(params.gradOf(weightHr), hTildeGrads, ws.m, P, T * B, H);
    // db_hh += Σ_n dA_n; with tokens in and one gradient for both parts that is Σ_v S[v] (S sums
    // the same rows by token), V rows to add instead of T·B: done after S below.
    const biasFromVocabulary = isTokenInput(x) && this.cell.sharesPartGrad;
    if (biasHhGrad && !biasFromVocabulary) addColumnSums(biasHhGrad, ws.hiddenPartGrad, T * B, GH);
    if (weightSkip && T >= this.skip) {
      const rows = (T - this.skip + 1) * B;
      const from = (this.skip - 1) * B * GH;
      const dA = ws.hiddenPartGrad.subarray(from, from + rows * GH);
      matmulTransA(params.gradOf(weightSkip), dA, ws.h, H, rows, P);
    }

    const { weightIh } = this.names;
    if (isTokenInput(x)) {
      // dE goes straight into the table's gradient: no inputGrad.
      const S = this.vocabulary.view("projectionGrad", x.vocabSize * GH);
      projectVocabularyBackward(S, params, x, ws.inputPartGrad, weightIh, biasIh, GH, wantInputGrad);
      if (biasHhGrad && biasFromVocabulary) addColumnSums(biasHhGrad, S, x.vocabSize, GH);
      return this.result(ws, null);
    }
    matmulTransA(params.gradOf(weightIh), ws.inputPartGrad, x, GH, T * B, this.inputSize);
    if (biasIh) addColumnSums(params.gradOf(biasIh), ws.inputPartGrad, T * B, GH);
    let inputGrad: Buf | null = null;
    if (wantInputGrad) {
      ws.inputGrad.fill(0);
      matmul(ws.inputGrad, ws.inputPartGrad, params.value(weightIh), T * B, GH, this.inputSize);
      inputGrad = ws.inputGrad;
    }
    return this.result(ws, inputGrad);
  }

  private result(ws: LayerWorkspace, inputGrad: Buf | null) {
    const grads = this.grads;
    grads.hiddenGrads = ws.hiddenGrads;
    grads.cellGrads = ws.cellGrads;
    grads.inputGrad = inputGrad;
    return grads;
  }

  /** A padded step's output is the constant 0: no gradient from above reaches the state there. */
  private dropPaddedOutputGrads(ws: LayerWorkspace): void {
    const lengths = this.lengths as Int32Array;
    const { T, B } = ws;
    const P = this.stateSize;
    for (let t = 1; t <= T; t++) {
      for (let b = 0; b < B; b++) {
        if (t > lengths[b]) ws.outputGrads.fill(0, ((t - 1) * B + b) * P, ((t - 1) * B + b + 1) * P);
      }
    }
  }

  /** h_t = h_{t-1} on an inactive row: its gradient goes straight to h_{t-1} (and c_{t-1}); the
   *  cell sees zero there, so (being linear in its incoming gradients) it contributes nothing. */
  private passInactiveRows(t: number, ws: LayerWorkspace): boolean {
    const lengths = this.lengths as Int32Array;
    const P = this.stateSize;
    const H = this.hiddenSize;
    const hGrad = ws.hiddenGradAt[t];
    const hPrevGrad = ws.hiddenGradAt[t - 1];
    const cGrad = ws.cellGradAt[t];
    const cPrevGrad = ws.cellGradAt[t - 1];
    let any = false;
    for (let b = 0; b < ws.B; b++) {
      if (t <= lengths[b]) continue;
      any = true;
      for (let j = b * P; j < (b + 1) * P; j++) {
        ws.stashH[j] = hGrad[j];
        hPrevGrad[j] += hGrad[j];
        hGrad[j] = 0;
      }
      if (!this.cell.hasCellState) continue;
      for (let j = b * H; j < (b + 1) * H; j++) {
        ws.stashC[j] = cGrad[j];
        cPrevGrad[j] += cGrad[j];
        cGrad[j] = 0;
      }
    }
    return any;
  }

  private restoreInactiveRows(t: number, ws: LayerWorkspace): void {
    const lengths = this.lengths as Int32Array;
    const P = this.stateSize;
    const H = this.hiddenSize;
    const GH = this.cell.gates * H;
    const s = this.step;
    for (let b = 0; b < ws.B; b++) {
      if (t <= lengths[b]) continue;
      ws.hiddenGradAt[t].set(ws.stashH.subarray(b * P, (b + 1) * P), b * P);
      if (this.cell.hasCellState) ws.cellGradAt[t].set(ws.stashC.subarray(b * H, (b + 1) * H), b * H);
      s.inputPartGrad.fill(0, b * GH, (b + 1) * GH);
      s.hiddenPartGrad.fill(0, b * GH, (b + 1) * GH);
    }
  }
}

function initState(states: Buf, initial: Buf | null, size: number): void {
  if (initial) states.set(initial.subarray(0, size), 0);
  else states.fill(0, 0, size);
}

function addInto(target: Buf, source: Buf, offset: number): void {
  for (let i = 0; i < source.length; i++) target[offset + i] += source[i];
}
