import { memoryFor, memoryView, wasmExports, wasmGemmEnabled, wasmScratchBase } from "./gemm-wasm.js";

// The pointwise work of a training step in WebAssembly SIMD (assembly/pointwise.ts and adam.ts, in
// the same module as the matrix kernel): the LSTM's, the GRU's and the tanh RNN's steps, softmax rows and the
// Adam update, their exponentials, square roots and divisions four at a time, where Math.exp and
// Math.tanh cost tens of nanoseconds each. Each call copies its buffers into the module's scratch
// and the results back. float32 only; the TypeScript code stays the reference (float64, gradient
// checks) and the fallback. Error: within a few float32 ulp of exp, σ and tanh
// (test/kernels-pointwise.test.ts).

interface Pointwise {
  pointwise: (which: number, x: number, y: number, n: number) => void;
  lstmForward: (...args: number[]) => void;
  lstmBackward: (...args: number[]) => void;
  gruForward: (ip: number, hp: number, hPrev: number, h: number, cache: number, B: number, H: number) => void;
  gruBackward: (...args: number[]) => void;
  tanhForward: (ip: number, hp: number, cache: number, h: number, n: number) => void;
  softmaxRows: (
    z: number,
    p: number,
    rowMax: number,
    rowSum: number,
    N: number,
    C: number,
    scale: number,
  ) => void;
  adamStep: (...args: number[]) => void;
  tanhBackward: (dh: number, h: number, da: number, n: number) => void;
  columnSums: (out: number, x: number, rows: number, cols: number) => void;
  scatterAddRows: (s: number, x: number, tokens: number, count: number, width: number) => void;
  blockSumSquares: (out: number, x: number, blocks: number, width: number) => void;
}

let fns: Pointwise | null = null;
/** The module instance fns came from (reloadWasmKernel makes a new one). */
let loadedFrom: Record<string, unknown> | null = null;
let enabled = true;

/** Turns the pointwise kernels on or off (on by default where WebAssembly loads); returns the
 *  previous setting. They also follow setWasmGemmEnabled. */
export function setWasmPointwiseEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

export function wasmPointwiseEnabled(): boolean {
  if (!enabled || !wasmGemmEnabled()) return false;
  const exports = wasmExports();
  if (exports !== loadedFrom) {
    loadedFrom = exports;
    fns = exports && typeof exports.gruForward === "function" ? (exports as unknown as Pointwise) : null;
  }
  return fns !== null;
}

/** The module's pointwise and row kernels (after wasmPointwiseEnabled() returned true). */
export function pointwiseKernels(): Pointwise {
  return fns!;
}

export const round4 = (n: number) => (n + 3) & ~3;

/** Byte offsets of consecutive float32 regions of the given lengths in the module's scratch, and
 *  the module's memory grown to hold them all: where a wrapper copies its buffers in and out. */
function scratchLayout(...lengths: number[]): { at: number[]; mem: Float32Array } {
  const at: number[] = [];
  let offset = wasmScratchBase();
  for (const length of lengths) {
    at.push(offset);
    offset += 4 * length;
  }
  return { at, mem: memoryFor(offset) };
}

/** y = exp(x), σ(x) or tanh(x) elementwise (which 0, 1, 2), through the kernel (tests). */
export function pointwiseWasm(which: 0 | 1 | 2, x: Float32Array, y: Float32Array): void {
  if (!wasmPointwiseEnabled()) throw new Error("the WebAssembly pointwise kernels are not available here");
  const n = x.length;
  const padded = round4(n);
  const {
    at: [xOff, yOff],
    mem,
  } = scratchLayout(padded, padded);
  mem.fill(0, xOff >> 2, (xOff >> 2) + padded);
  mem.set(x, xOff >> 2);
  fns!.pointwise(which, xOff, yOff, padded);
  y.set(memoryView(yOff, n));
}

/** The LSTM forward step of src/cells/lstm.ts (H a multiple of 4): inputPart, hiddenPart [B×4H],
 *  cPrev [B×H] in; c, h [B×H] and cache [B×5H] out. Call only when wasmPointwiseEnabled(). */
export function lstmForwardWasm(
  inputPart: Float32Array,
  hiddenPart: Float32Array,
  cPrev: Float32Array,
  c: Float32Array,
  h: Float32Array,
  cache: Float32Array,
  B: number,
  H: number,
): void {
  const gates = 4 * B * H;
  const state = B * H;
  const {
    at: [ip, hp, cp, cOut, hOut, cacheOut],
    mem,
  } = scratchLayout(gates, gates, state, state, state, 5 * state);
  mem.set(inputPart, ip >> 2);
  mem.set(hiddenPart, hp >> 2);
  mem.set(cPrev, cp >> 2);
  fns!.lstmForward(ip, hp, cp, cOut, hOut, cacheOut, B, H);
  c.set(memoryView(cOut, state));
  h.set(memoryView(hOut, state));
  cache.set(memoryView(cacheOut, 5 * state));
}

/** The LSTM backward step of src/cells/lstm.ts (H a multiple of 4): cache [B×5H], hGrad, cPrev
 *  [B×H] in; cGrad [B×H] in and out (the total dL/dc); cPrevGrad [B×H] accumulated; the gates'
 *  gradient [B×4H] out into inputPartGrad and hiddenPartGrad. Call only when wasmPointwiseEnabled(). */
export function lstmBackwardWasm(
  cache: Float32Array,
  hGrad: Float32Array,
  cGrad: Float32Array,
  cPrev: Float32Array,
  cPrevGrad: Float32Array,
  inputPartGrad: Float32Array,
  hiddenPartGrad: Float32Array,
  B: number,
  H: number,
): void {
  const state = B * H;
  const {
    at: [k, dh, dc, cp, dcp, da],
    mem,
  } = scratchLayout(5 * state, state, state, state, state, 4 * state);
  mem.set(cache, k >> 2);
  mem.set(hGrad, dh >> 2);
  mem.set(cGrad, dc >> 2);
  mem.set(cPrev, cp >> 2);
  mem.set(cPrevGrad, dcp >> 2);
  fns!.lstmBackward(k, dh, dc, cp, dcp, da, B, H);
  cGrad.set(memoryView(dc, state));
  cPrevGrad.set(memoryView(dcp, state));
  inputPartGrad.set(memoryView(da, 4 * state));
  if (hiddenPartGrad !== inputPartGrad) hiddenPartGrad.set(memoryView(da, 4 * state));
}

/** The GRU forward step of src/cells/gru.ts (H a multiple of 4): inputPart, hiddenPart [B×3H],
 *  hPrev [B×H] in; h [B×H] and cache [B×4H] (r, z, n, gh_n) out. Call only when
 *  wasmPointwiseEnabled(). */
export function gruForwardWasm(
  inputPart: Float32Array,
  hiddenPart: Float32Array,
  hPrev: Float32Array,
  h: Float32Array,
  cache: Float32Array,
  B: number,
  H: number,
): void {
  const gates = 3 * B * H;
  const state = B * H;
  const {
    at: [ip, hp, hIn, hOut, cacheOut],
    mem,
  } = scratchLayout(gates, gates, state, state, 4 * state);
  mem.set(inputPart, ip >> 2);
  mem.set(hiddenPart, hp >> 2);
  mem.set(hPrev, hIn >> 2);
  fns!.gruForward(ip, hp, hIn, hOut, cacheOut, B, H);
  h.set(memoryView(hOut, state));
  cache.set(memoryView(cacheOut, 4 * state));
}

/** The GRU backward step of src/cells/gru.ts (H a multiple of 4): cache [B×4H], hGrad, hPrev
 *  [B×H] in; hPrevGrad [B×H] accumulated; inputPartGrad and hiddenPartGrad [B×3H] out (they differ
 *  in the n block, so they must be two buffers). Call only when wasmPointwiseEnabled(). */
export function gruBackwardWasm(
  cache: Float32Array,
  hGrad: Float32Array,
  hPrev: Float32Array,
  hPrevGrad: Float32Array,
  inputPartGrad: Float32Array,
  hiddenPartGrad: Float32Array,
  B: number,
  H: number,
): void {
  const state = B * H;
  const {
    at: [k, dh, hIn, dhPrev, dip, dhp],
    mem,
  } = scratchLayout(4 * state, state, state, state, 3 * state, 3 * state);
  mem.set(cache, k >> 2);
  mem.set(hGrad, dh >> 2);
  mem.set(hPrev, hIn >> 2);
  mem.set(hPrevGrad, dhPrev >> 2);
  fns!.gruBackward(k, dh, hIn, dhPrev, dip, dhp, B, H);
  hPrevGrad.set(memoryView(dhPrev, state));
  inputPartGrad.set(memoryView(dip, 3 * state));
  hiddenPartGrad.set(memoryView(dhp, 3 * state));
}

/** cache = inputPart + hiddenPart, h = tanh(cache) over n = B·H values (the tanh RNN's forward
 *  step). Call only when wasmPointwiseEnabled(). */
export function tanhForwardWasm(
  inputPart: Float32Array,
  hiddenPart: Float32Array,
  cache: Float32Array,
  h: Float32Array,
  n: number,
): void {
  const padded = round4(n);
  const {
    at: [ip, hp, aOut, hOut],
    mem,
  } = scratchLayout(padded, padded, padded, padded);
  mem.set(inputPart.length === n ? inputPart : inputPart.subarray(0, n), ip >> 2);
  mem.set(hiddenPart.length === n ? hiddenPart : hiddenPart.subarray(0, n), hp >> 2);
  fns!.tanhForward(ip, hp, aOut, hOut, padded);
  cache.set(memoryView(aOut, n));
  h.set(memoryView(hOut, n));
}

/** inputPartGrad = hiddenPartGrad = hGrad ⊙ (1 − h²) over n = B·H values (the tanh RNN's backward
 *  step). Call only when wasmPointwiseEnabled(). */
export function tanhBackwardWasm(
  hGrad: Float32Array,
  h: Float32Array,
  inputPartGrad: Float32Array,
  hiddenPartGrad: Float32Array,
  n: number,
): void {
  const padded = round4(n);
  const {
    at: [dh, hIn, da],
    mem,
  } = scratchLayout(padded, padded, padded);
  mem.set(hGrad.length === n ? hGrad : hGrad.subarray(0, n), dh >> 2);
  mem.set(h.length === n ? h : h.subarray(0, n), hIn >> 2);
  fns!.tanhBackward(dh, hIn, da, padded);
  inputPartGrad.set(memoryView(da, n));
  if (hiddenPartGrad !== inputPartGrad) hiddenPartGrad.set(memoryView(da, n));
}

/** probs [N×C] = softmax of each row of logits, times `scale`; rowMax, rowSum [N] = each row's max
 *  and Σ exp(z − max), so logsumexp = max + log(sum). Call only when wasmPointwiseEnabled(). */
export function softmaxRowsWasm(
  probs: Float32Array,
  logits: Float32Array,
  rowMax: Float32Array,
  rowSum: Float32Array,
  N: number,
  C: number,
  scale = 1,
): void {
  const size = N * C;
  const {
    at: [z, p, m, s],
    mem,
  } = scratchLayout(size, size, N, N);
  mem.set(logits.length === size ? logits : logits.subarray(0, size), z >> 2);
  fns!.softmaxRows(z, p, m, s, N, C, scale);
  probs.set(memoryView(p, size));
  rowMax.set(memoryView(m, N));
  rowSum.set(memoryView(s, N));
}

/** The Adam / AdamW update of src/train/optim/adam.ts on n = p.length float32 values, in float32
 *  arithmetic (assembly/adam.ts): p, m, v updated in place from g; the hyperparameters as numbers
 *  (no object per step). Call only when wasmPointwiseEnabled(). */
export function adamStepWasm(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  beta1: number,
  beta2: number,
  stepSize: number,
  biasCorrection2Sqrt: number,
  eps: number,
  weightDecay: number,
  decoupled: boolean,
  decay: number,
): void {
  const n = p.length;
  const padded = round4(n);
  const {
    at: [pOff, gOff, mOff, vOff],
    mem,
  } = scratchLayout(padded, padded, padded, padded);
  mem.set(p, pOff >> 2);
  mem.set(g, gOff >> 2);
  mem.set(m, mOff >> 2);
  mem.set(v, vOff >> 2);
  fns!.adamStep(
    pOff,
    gOff,
    mOff,
    vOff,
    padded,
    beta1,
    beta2,
    stepSize,
    biasCorrection2Sqrt,
    eps,
    weightDecay,
    decoupled ? 1 : 0,
    decay,
  );
  p.set(memoryView(pOff, n));
  m.set(memoryView(mOff, n));
  v.set(memoryView(vOff, n));
}
