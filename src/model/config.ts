import type { ActivationName } from "../kernels/activations.js";
import type { DType } from "../tensor.js";

export type CellKind = "rnn" | "gru" | "lstm";

/** How tokens (or feature vectors) enter the first recurrent layer. */
export type InputConfig =
  | { kind: "embedding"; vocabSize: number; embeddingSize: number }
  | { kind: "onehot"; vocabSize: number }
  | { kind: "dense"; size: number };

export type LossName = "cross-entropy" | "bce" | "mse";

export interface RecurrentConfig {
  cell: CellKind;
  /** Vanilla RNN only (GRU and LSTM have fixed nonlinearities). */
  activation: ActivationName;
  /** For the step activation: use derivative 1 (straight-through) instead of 0 in backward. */
  straightThrough: boolean;
  /** Vanilla RNN only: delay k >= 2 of the skip term M h_{t-k}; 0 for none. */
  skip: number;
  hiddenSize: number;
  layers: number;
}

export interface ModelConfig extends RecurrentConfig {
  input: InputConfig;
  /** Width of the linear readout (the vocabulary for a language model); 0 for none. */
  outputSize: number;
  loss: LossName;
  dtype: DType;
}

/** Parameter names follow PyTorch's nn.Embedding / nn.RNN|GRU|LSTM / nn.Linear state_dict:
 *  embedding.weight [V][E]; rnn.weight_ih_l{k} [G·H][in_k], rnn.weight_hh_l{k} [G·H][H],
 *  rnn.bias_ih_l{k} [G·H], rnn.bias_hh_l{k} [G·H]; rnn.weight_skip_l{k} [H][H] (rnnlab's own, the
 *  M of the skip term); linear.weight [out][H], linear.bias [out]. */
export const PARAM_PREFIX = { embedding: "embedding.", recurrent: "rnn.", readout: "linear." } as const;
