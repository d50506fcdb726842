// Q4's shared set-up: an n-gram oracle fitted to a slice of the corpus generates the training and
// validation text, so the true next-token distribution of every context is known. The budgets (one
// for the full run, one for --quick) size everything the four claims measure.

import { type CellKind, NGramModel, sequentialBatches, type TokenBatch, Tokenizer } from "../../src/index.js";
import type { LabContext } from "../types.js";

/** Sizes and budgets of the Q4 experiments (one for the full run, one for --quick). */
export interface Q4Setup {
  /** Characters at the start of ctx.corpus() the oracle is fitted to. */
  corpusChars: number;
  /** The oracle's order n: P(x_t | the previous n − 1 characters). */
  order: number;
  /** Oracle text to train on, and to validate on (generated after it, same process). */
  trainTokens: number;
  valTokens: number;
  cell: CellKind;
  hidden: number;
  embedding: number;
  seqLen: number;
  batch: number;
  /** Optimizer steps per model (every mode gets the same). */
  steps: number;
  lr: number;
  clipNorm: number;
  /** The validation loss and KL are measured every this many steps (and at step 0). */
  evalEvery: number;
  valBatches: number;
  /** Training seeds (initialization and data order) per mode. */
  seeds: number;
  /** Steps at which the parameters are kept, to measure exposure bias along training (the last
   *  one is `steps`). */
  snapshots: number[];
  /** Rollouts for the exposure-bias and error-injection measures, in `groups` equal groups (the
   *  spread between groups gives the Monte-Carlo standard error). */
  rollouts: number;
  groups: number;
  /** True (oracle) prefix before every rollout. */
  prefixLength: number;
  /** L: rollout length, lengths l = 1..L. */
  maxLength: number;
}

export function q4Setup(quick: boolean): Q4Setup {
  const common = {
    corpusChars: 100_000,
    order: 3,
    trainTokens: 180_000,
    valTokens: 20_000,
    cell: "lstm" as const,
    hidden: 32,
    embedding: 16,
    seqLen: 32,
    batch: 16,
    lr: 1e-2,
    clipNorm: 1,
    prefixLength: 16,
  };
  return quick
    ? {
        ...common,
        steps: 150,
        evalEvery: 25,
        valBatches: 8,
        seeds: 1,
        snapshots: [50, 100, 150],
        rollouts: 128,
        groups: 4,
        maxLength: 50,
      }
    : {
        ...common,
        steps: 400,
        evalEvery: 25,
        valBatches: 16,
        seeds: 3,
        snapshots: [100, 200, 300, 400],
        rollouts: 256,
        groups: 4,
        maxLength: 200,
      };
}

/** The oracle and the text it generated. */
export interface OracleText {
  V: number;
  vocab: readonly string[];
  oracle: NGramModel;
  train: Int32Array;
  val: Int32Array;
  /** Fixed validation windows of `val` (sequentialBatches): window j·B + b starts at (j·B + b)·T. */
  valBatches: TokenBatch[];
  /** P_oracle(· | the true preceding n − 1 tokens) at every validation position, [positions×V]
   *  in the order of valBatches (batch, then row t·B + b). */
  valOracle: Float64Array;
  /** The oracle's own loss on the validation targets: its cross-entropy, the floor of every model. */
  oracleLoss: number;
}

export function oracleText(ctx: LabContext, setup: Q4Setup): OracleText {
  const key = `q4:oracle:${setup.corpusChars}:${setup.order}:${setup.trainTokens}:${setup.valTokens}:${setup.seqLen}:${setup.batch}:${setup.valBatches}`;
  return ctx.shared(key, () => {
    ctx.progress(`Q4: fitting a ${setup.order}-gram oracle and generating its text`);
    const text = Array.from(ctx.corpus()).slice(0, setup.corpusChars).join("");
    const tokenizer = Tokenizer.fromText("char", text);
    const V = tokenizer.size;
    const real = tokenizer.encode(text);
    const oracle = NGramModel.fit(real, setup.order, V);
    const stream = oracle.sample(
      setup.trainTokens + setup.valTokens,
      ctx.rng("q4:oracle-text"),
      real.subarray(0, setup.order - 1),
    );
    const train = stream.subarray(0, setup.trainTokens);
    const val = stream.subarray(setup.trainTokens);
    const valBatches = sequentialBatches(val, setup.seqLen, setup.batch, setup.valBatches);
    const positions = valBatches.reduce((s, b) => s + b.T * b.B, 0);
    const valOracle = new Float64Array(positions * V);
    const keep = setup.order - 1;
    let row = 0;
    let loss = 0;
    for (const [j, batch] of valBatches.entries()) {
      for (let t = 0; t < batch.T; t++) {
        for (let b = 0; b < batch.B; b++) {
          // The token fed at step t sits at val[o + t]; the oracle conditions on it and the
          // n − 2 before it (the true stream, also across the window's start).
          const end = setup.trainTokens + (j * setup.batch + b) * setup.seqLen + t + 1;
          const p = valOracle.subarray(row * V, (row + 1) * V);
          oracle.distribution(stream.subarray(Math.max(0, end - keep), end), p);
          loss -= Math.log(p[batch.classes[t * batch.B + b]]);
          row++;
        }
      }
    }
    return {
      V,
      vocab: tokenizer.vocab,
      oracle,
      train,
      val,
      valBatches,
      valOracle,
      oracleLoss: loss / positions,
    };
  });
}

/** What every Q4 measure starts from: the budget and the oracle's text. */
export interface Q4Context {
  setup: Q4Setup;
  data: OracleText;
}

export function q4Context(ctx: LabContext): Q4Context {
  const setup = q4Setup(ctx.quick);
  return { setup, data: oracleText(ctx, setup) };
}
