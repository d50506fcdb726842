// Shared by the coordinator (run.ts), the Node workers (worker.ts) and the Chromium workers
// (browser/): the workload, the flop count, the token stream and the protocol between them.
// torch_bench.py mirrors all of it in Python. It imports only types, so a browser worker bundles it.

import type { ModelOptions } from "../src/index.js";

/** The benchmark's workload, the same for every implementation. */
export const WORKLOAD = {
  vocab: 65,
  embedding: 64,
  seqLen: 64,
  batch: 32,
  lr: 2e-3,
  optimizer: "adam",
  dtype: "float32",
  /** batches generated up front and cycled through, so no implementation pays for data generation */
  pool: 8,
  seed: 1,
} as const;

/** The benchmark's recurrent layers: tanh RNN, GRU, LSTM, and a bidirectional LSTM (two LSTMs, one
 *  reading each sequence backwards, their outputs side by side: the readout sees 2·H). */
export type CellName = "rnn" | "gru" | "lstm" | "bilstm";
export const CELLS: readonly CellName[] = ["rnn", "gru", "lstm", "bilstm"];

/** One optimizer step on pool batch `i` (mod the pool); returns the step's loss (nats per target). */
export interface Trainer {
  step(i: number): number | Promise<number>;
  /** library version, backend, BLAS, threads actually used... */
  info: Record<string, string | number | boolean>;
  /** A GPU trainer's step only queues its work and returns NaN: settle() resolves once all the
   *  queued work has run (inside the timed window, so the GPU's time is counted). */
  settle?(): Promise<void>;
  /** After settle(), outside the timed window: the loss of the last step and of the very first. */
  losses?(): Promise<{ loss: number; initialLoss: number }>;
  /** Frees what keeps the process alive (Dawn's device). */
  close?(): void;
}

/** An implementation that cannot run here (not installed, no threads): listed as skipped. */
export class SkipError extends Error {}
export type ImplName =
  | "rnnlab"
  | "tfjs-cpu"
  | "tfjs-wasm"
  | "brainjs"
  | "torch"
  | "rnnlab-webgpu"
  | "tfjs-webgpu"
  | "torch-cuda";
/** Where a row ran: a Node process (worker.ts), Python (torch_bench.py) or a Chromium page. */
export type Runtime = "node" | "python" | "chromium";
export const NODE_IMPLS: readonly ImplName[] = [
  "rnnlab",
  "tfjs-cpu",
  "tfjs-wasm",
  "brainjs",
  "rnnlab-webgpu",
  "tfjs-webgpu",
];
/** The rows of `--device webgpu`: rnnlab on WebGPU (Dawn), TensorFlow.js's WebGPU backend (Dawn),
 *  PyTorch on CUDA (cuDNN). */
export const GPU_IMPLS: readonly ImplName[] = ["rnnlab-webgpu", "torch-cuda", "tfjs-webgpu"];

/** The implementation's GPU rows say this when their adapter is SwiftShader (Vulkan on the CPU). */
export const SWIFTSHADER_MARK = "(SwiftShader: a correctness check, not a speed)";

/** Whether a WebGPU adapter's description names SwiftShader. */
export function isSwiftShader(adapter: string): boolean {
  return /swiftshader/i.test(adapter);
}

/** Gate blocks per cell: the recurrent matrices are [G·H × in]. */
export function gates(cell: CellName): number {
  return cell === "rnn" ? 1 : cell === "gru" ? 3 : 4;
}

/** Directions of the layer: 2 for the bidirectional LSTM. */
export function directions(cell: CellName): number {
  return cell === "bilstm" ? 2 : 1;
}

/** Training flops per token (a multiply-add counts 2), matrix products only:
 *  recurrent layer 6·G·H·(E + H) per direction — forward x·W_ihᵀ and h·W_hhᵀ (2·G·H·(E + H)),
 *  backward the input and state gradients (2·G·H·(E + H)) and the weight gradients (2·G·H·(E + H)) —
 *  plus the readout 6·D·H·V (logits, dL/dh, dL/dW over the D·H outputs of D directions).
 *  Elementwise work (gates, softmax, Adam) is not counted. */
export function flopsPerToken(cell: CellName, hidden: number): number {
  const { embedding: E, vocab: V } = WORKLOAD;
  const D = directions(cell);
  return D * 6 * gates(cell) * hidden * (E + hidden) + 6 * D * hidden * V;
}

/** Deterministic tokens: a 32-bit LCG (Numerical Recipes' constants), token = (state >>> 16) mod V.
 *  Batch i of the pool is B sequences of T + 1 tokens from seed + i: sequence b, step t is entry
 *  b·(T + 1) + t; the input is steps 0..T−1 and the target steps 1..T. */
export function tokenStream(seed: number, count: number, vocab: number): Int32Array {
  const out = new Int32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 16) % vocab;
  }
  return out;
}

/** The pool of batches of B sequences (`--batch`; the workload's 32 by default) as [sequence][step]
 *  token arrays (T + 1 steps each). */
export function batchPool(B: number = WORKLOAD.batch): number[][][] {
  const { seqLen: T, vocab: V, pool, seed } = WORKLOAD;
  const batches: number[][][] = [];
  for (let i = 0; i < pool; i++) {
    const stream = tokenStream(seed + i, B * (T + 1), V);
    const seqs: number[][] = [];
    for (let b = 0; b < B; b++) seqs.push(Array.from(stream.subarray(b * (T + 1), (b + 1) * (T + 1))));
    batches.push(seqs);
  }
  return batches;
}

/** rnnlab's model of the workload (seeded with WORKLOAD.seed): embedding, one tanh RNN, GRU, LSTM
 *  or bidirectional LSTM layer, linear readout, softmax cross-entropy, float32. */
export function rnnlabModel(cell: CellName, hidden: number): ModelOptions {
  const { vocab: V, embedding: E } = WORKLOAD;
  return {
    cell: cell === "bilstm" ? "lstm" : cell,
    bidirectional: cell === "bilstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: hidden,
    layers: 1,
    input: { kind: "embedding", vocabSize: V, embeddingSize: E },
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float32",
  };
}

/** The pool for rnnlab, time-major: row t·B + b of `tokens` is sequence b at step t, and of
 *  `classes` its target (the token at step t + 1). */
export function timeMajorPool(B: number = WORKLOAD.batch): { tokens: Int32Array; classes: Int32Array }[] {
  const { seqLen: T } = WORKLOAD;
  return batchPool(B).map((seqs) => {
    const tokens = new Int32Array(T * B);
    const classes = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        tokens[t * B + b] = seqs[b][t];
        classes[t * B + b] = seqs[b][t + 1];
      }
    }
    return { tokens, classes };
  });
}

// ---- protocol: the coordinator writes one JSON command per line to the worker's stdin; the worker
// answers each with one line `@bench {json}` on stdout (anything else it prints is just logged).

export const MARK = "@bench ";

export type Command =
  | { cmd: "warmup"; seconds: number }
  | { cmd: "window"; seconds: number }
  | { cmd: "done" };

/** The first message: the worker built its model (and ran nothing yet), or cannot run. */
export interface Ready {
  ready: true;
  /** library version, backend, BLAS, threads actually used... */
  info: Record<string, string | number | boolean>;
}
export interface Skip {
  skip: string;
}
export interface Failure {
  error: string;
}
/** Answer to warmup/window: `steps` optimizer steps took `seconds`; `loss` of the last step, and of
 *  the very first step the worker ever ran (at the initial weights) in `initialLoss`. */
export interface WindowResult {
  steps: number;
  seconds: number;
  /** CPU time the worker process used in the window (all its threads): below `seconds` for a
   *  one-thread worker means other processes took the CPU from it */
  cpuSeconds?: number;
  loss: number;
  initialLoss?: number;
}
export interface DoneResult {
  /** peak resident memory of the worker's process (unknown where the platform cannot say) */
  maxRssKiB?: number;
}
export type Reply = Ready | Skip | Failure | WindowResult | DoneResult;

/** Matrix-product ceiling: n×n·n×n products, GFLOP/s of each window. */
export interface MatmulResult {
  kernel: string;
  size: number;
  threads: number;
  gflops: number[];
  info?: Record<string, string | number | boolean>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
