// The TensorFlow.js model of the workload, shared by the Node worker (worker.ts) and the Chromium
// worker (browser/tfjs-worker.ts): tf.layers embedding + simpleRNN/gru/lstm (or a bidirectional
// lstm) + dense, Adam, and the
// UnsortedSegmentSum kernel tfjs-backend-wasm lacks. Takes the tf namespace as loaded by each, so
// it imports no TensorFlow.js code itself.

import type * as TF from "@tensorflow/tfjs";
import { batchPool, type CellName, SkipError, type Trainer, WORKLOAD } from "./common.js";

export type Tf = typeof TF;
export type TfWasm = typeof import("@tensorflow/tfjs-backend-wasm");
type Info = Trainer["info"];

/** Makes tfjs-backend-wasm `tf`'s backend, asking it for `threads` threads; `info` gets the threads
 *  it actually runs (getThreadsCount) and whether it found SIMD and thread support. */
export async function useWasmBackend(tf: Tf, wasm: TfWasm, threads: number, info: Info): Promise<void> {
  wasm.setThreadsCount(threads);
  registerUnsortedSegmentSum(tf);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  info.simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;
  info.multithread = (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) as boolean;
  info.threads = wasm.getThreadsCount();
}

/** What UnsortedSegmentSum needs of the wasm backend object. */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: Float32Array): TF.TensorInfo;
}

/** tfjs-backend-wasm 4.x has no UnsortedSegmentSum kernel, which the gradient of tf.gather (so of
 *  the embedding layer) needs: without it training fails with "Kernel 'UnsortedSegmentSum' not
 *  registered for backend 'wasm'". This is the plain scatter-add in JS (B·T·E additions per step,
 *  negligible next to the recurrent layer). */
function registerUnsortedSegmentSum(tf: Tf): void {
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as TF.TensorInfo;
      const segmentIds = inputs.segmentIds as TF.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const wasm = backend as unknown as WasmBackendLike;
      const ids = wasm.readSync(segmentIds.dataId);
      const values = wasm.readSync(x.dataId);
      const width = ids.length === 0 ? 0 : values.length / ids.length;
      const out = new Float32Array(numSegments * width);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < width; j++) out[s * width + j] += values[i * width + j];
      }
      return wasm.makeOutput(
        [numSegments, ...x.shape.slice(segmentIds.shape.length)],
        x.dtype,
        undefined,
        out,
      );
    },
  });
}

/** The workload's recurrent layer. LSTM and GRU get PyTorch's gate nonlinearity, sigmoid (tfjs
 *  defaults to hardSigmoid). tfjs's GRU has only Keras' reset_after=false form, n = tanh(W_in x +
 *  W_hn (r ⊙ h) + b_n), where PyTorch's is tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)): the same
 *  products, so the same work. The bidirectional LSTM concatenates its two directions, as PyTorch. */
function recurrentLayer(tf: Tf, cell: CellName, args: TF.SimpleRNNLayerArgs): TF.layers.Layer {
  switch (cell) {
    case "rnn":
      return tf.layers.simpleRNN({ ...args, activation: "tanh" });
    case "gru":
      return tf.layers.gru({ ...args, recurrentActivation: "sigmoid" });
    case "lstm":
      return tf.layers.lstm({ ...args, recurrentActivation: "sigmoid" });
    case "bilstm":
      return tf.layers.bidirectional({
        layer: tf.layers.lstm({ ...args, recurrentActivation: "sigmoid" }),
        mergeMode: "concat",
      });
  }
}

/** How a trainer runs beyond the workload: its batch size B, and whether each step reads its loss
 *  back (the CPU backends) or only queues its work, read once by settle() (the WebGPU backend). */
export interface TfjsRun {
  batch?: number;
  queued?: boolean;
}

/** The workload's model on `tf`'s current backend, trained with optimizer.minimize (or
 *  model.trainOnBatch for `api` "fit"); `info` (what loaded) is returned with the trainer. */
export function tfjsModelTrainer(
  tf: Tf,
  cell: CellName,
  H: number,
  api: "minimize" | "fit",
  info: Info,
  run: TfjsRun = {},
): Trainer {
  info.api = api;
  const { vocab: V, embedding: E, seqLen: T, lr } = WORKLOAD;
  const B = run.batch ?? WORKLOAD.batch;
  // PyTorch's initialization, as rnnlab and the torch worker have: N(0, 1) embeddings, U(±1/√H) for
  // the recurrent and readout weights and biases. (tf.layers' default orthogonal recurrent initializer
  // runs a QR decomposition in JS that takes minutes at H = 512 on the cpu backend.)
  const uniform = () =>
    tf.initializers.randomUniform({ minval: -1 / Math.sqrt(H), maxval: 1 / Math.sqrt(H) });
  const recurrent = {
    units: H,
    returnSequences: true,
    kernelInitializer: uniform(),
    recurrentInitializer: uniform(),
    biasInitializer: uniform(),
  };
  const model = tf.sequential();
  model.add(
    tf.layers.embedding({
      inputDim: V,
      outputDim: E,
      inputLength: T,
      embeddingsInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 }),
    }),
  );
  model.add(recurrentLayer(tf, cell, recurrent));
  model.add(
    tf.layers.dense({
      units: V,
      activation: api === "fit" ? "softmax" : "linear",
      kernelInitializer: uniform(),
      biasInitializer: uniform(),
    }),
  );
  const optimizer = tf.train.adam(lr);
  // Batch-major [B, T] (tf.layers' layout).
  const batches = batchPool(B).map((seqs) => {
    const x = tf.tensor2d(
      seqs.map((s) => s.slice(0, T)),
      [B, T],
      "int32",
    );
    const targets = tf.tensor2d(
      seqs.map((s) => s.slice(1, T + 1)),
      [B, T],
      "int32",
    );
    const oneHot = tf.tidy(() => tf.oneHot(targets, V).toFloat());
    const sparse = tf.tidy(() => targets.toFloat().expandDims(-1));
    return { x, oneHot, sparse };
  });
  if (api === "fit" && run.queued) {
    throw new SkipError("--tfjs-api fit reads every step's loss back: the GPU rows use minimize");
  }
  if (api === "fit") {
    model.compile({ optimizer, loss: "sparseCategoricalCrossentropy" });
    return {
      info,
      // trainOnBatch: fit() on one batch, without its callbacks and shuffling.
      step: async (i) => {
        const { x, sparse } = batches[i % batches.length];
        return (await model.trainOnBatch(x, sparse)) as number;
      },
    };
  }
  const minimize = (i: number): TF.Scalar => {
    const { x, oneHot } = batches[i % batches.length];
    const cost = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, { training: true }) as TF.Tensor) as TF.Scalar,
      true,
    );
    if (!cost) throw new Error("optimizer.minimize returned no cost");
    return cost;
  };
  if (run.queued) return queuedTrainer(minimize, info);
  return {
    info,
    step(i) {
      const cost = minimize(i);
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
  };
}

/** Steps that read nothing back (a read waits for the GPU): the first and the latest cost tensors
 *  are kept, settle() waits for the latest (so for all the work queued before it). */
function queuedTrainer(minimize: (i: number) => TF.Scalar, info: Info): Trainer {
  let first: TF.Scalar | null = null;
  let last: TF.Scalar | null = null;
  let loss = Number.NaN;
  return {
    info,
    step(i) {
      const cost = minimize(i);
      if (first === null) first = cost;
      else if (last !== first) last?.dispose();
      last = cost;
      return Number.NaN;
    },
    async settle() {
      if (last) loss = (await last.data())[0];
    },
    async losses() {
      const initialLoss = first ? (await first.data())[0] : Number.NaN;
      return { loss, initialLoss };
    },
  };
}
