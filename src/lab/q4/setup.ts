// Q4's shared set-up: an n-gram oracle fitted to a slice of the corpus generates the training and
// validation text (so the true next-token distribution of every context is known), and small
// character models are trained on it with each feeding mode under the same budget. Everything is
// computed once per lab run through ctx.shared and reused by the four claims.

import { type TokenBatch, sequentialBatches } from "../../data/windows.js";
import { Tokenizer } from "../../data/tokenizer.js";
import { NGramModel } from "../../eval/ngram.js";
import type { CellKind, ModelConfig } from "../../model/config.js";
import { SequenceModel } from "../../model/sequence-model.js";
import { type EpsSchedule, type FeedMode, checkEpsSchedule, epsAt } from "../../train/feeding.js";
import { createOptimizer } from "../../train/optimizers.js";
import { Trainer } from "../../train/trainer.js";
import type { LabContext } from "../types.js";
import { klRow, logSoftmaxRow } from "./stats.js";

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

/** A feeding mode as the experiments name it: scheduled sampling by the eps it ends the budget
 *  with, resolved to the schedule's constants for the budget by `resolveFeed`. */
export type FeedSpec =
  | { kind: "teacher-forcing" }
  | { kind: "free-running"; prefix: number }
  | {
      kind: "scheduled-sampling";
      schedule: ScheduleSpec;
      pick: "sample" | "argmax";
    };

/** Bengio et al.'s three decays, each from eps_0 = 1 (or `constant`), its constants chosen so that
 *  eps at the last step is `endEps`: linear eps_i = max(endEps, 1 − c·i) with c = (1 − endEps)/steps;
 *  exponential eps_i = k^i with k = endEps^(1/steps); inverse sigmoid eps_i = k/(k + exp(i/k)) with
 *  k solving k/(k + exp(steps/k)) = endEps. */
export type ScheduleSpec =
  | { kind: "linear"; endEps: number }
  | { kind: "exponential"; endEps: number }
  | { kind: "inverse-sigmoid"; endEps: number }
  | { kind: "constant"; eps: number };

export function resolveSchedule(spec: ScheduleSpec, steps: number): EpsSchedule {
  switch (spec.kind) {
    case "constant":
      return checkEpsSchedule({ kind: "constant", eps: spec.eps });
    case "linear":
      return checkEpsSchedule({ kind: "linear", k: 1, c: (1 - spec.endEps) / steps, min: spec.endEps });
    case "exponential":
      return checkEpsSchedule({ kind: "exponential", k: spec.endEps ** (1 / steps) });
    case "inverse-sigmoid": {
      // eps(steps) = k/(k + exp(steps/k)) increases with k: bisect on k >= 1.
      const at = (k: number) => k / (k + Math.exp(steps / k));
      let lo = 1;
      let hi = Math.max(2, steps);
      while (at(hi) < spec.endEps) hi *= 2;
      if (at(lo) >= spec.endEps) return checkEpsSchedule({ kind: "inverse-sigmoid", k: 1 });
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        if (at(mid) < spec.endEps) lo = mid;
        else hi = mid;
      }
      return checkEpsSchedule({ kind: "inverse-sigmoid", k: (lo + hi) / 2 });
    }
  }
}

export function resolveFeed(spec: FeedSpec, steps: number): FeedMode {
  if (spec.kind !== "scheduled-sampling") return spec;
  return { kind: "scheduled-sampling", schedule: resolveSchedule(spec.schedule, steps), pick: spec.pick };
}

/** A short name for tables and legends. */
export function feedLabel(spec: FeedSpec): string {
  switch (spec.kind) {
    case "teacher-forcing":
      return "teacher forcing";
    case "free-running":
      return `free running (prefix ${spec.prefix})`;
    case "scheduled-sampling": {
      const s = spec.schedule;
      const tail = s.kind === "constant" ? `eps ${s.eps}` : `to eps ${s.endEps}`;
      return `scheduled sampling, ${s.kind} ${tail}${spec.pick === "argmax" ? ", argmax" : ""}`;
    }
  }
}

export function modelConfig(setup: Q4Setup, V: number): ModelConfig {
  return {
    cell: setup.cell,
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: setup.hidden,
    layers: 1,
    input: { kind: "embedding", vocabSize: V, embeddingSize: setup.embedding },
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float32",
  };
}

/** The validation figures at one step: teacher-forced loss and mean KL(P_oracle || P_model) over
 *  the validation positions (true contexts), both in nats per token. */
export interface CurvePoint {
  step: number;
  valLoss: number;
  valKL: number;
}

export interface TrainedRun {
  feed: FeedSpec;
  mode: FeedMode;
  seed: number;
  curve: CurvePoint[];
  /** Per optimizer step: training loss, eps_i, fraction of ground-truth tokens fed. */
  trainLoss: Float64Array;
  eps: Float64Array;
  groundTruthFraction: Float64Array;
  model: SequenceModel;
  /** Parameters at the snapshot steps. */
  snapshots: Map<number, Float32Array | Float64Array>;
  /** Teacher-forced loss and KL per validation window at the end (paired comparisons). */
  windowLoss: Float64Array;
  windowKL: Float64Array;
  seconds: number;
}

/** One model trained with `feed` from seed `seed` (the same initialization and the same data
 *  generator seed for every mode), cached for the lab run. */
export function trainedRun(ctx: LabContext, setup: Q4Setup, feed: FeedSpec, seed: number): TrainedRun {
  const mode = resolveFeed(feed, setup.steps);
  const key = `q4:run:${JSON.stringify(setup)}:${JSON.stringify(mode)}:${seed}`;
  return ctx.shared(key, () => {
    const data = oracleText(ctx, setup);
    ctx.progress(`Q4: training ${feedLabel(feed)}, seed ${seed} (${setup.steps} steps)`);
    const started = Date.now();
    const model = new SequenceModel(modelConfig(setup, data.V), { rng: ctx.rng(`q4:init:${seed}`) });
    const optimizer = createOptimizer({ name: "adam", lr: setup.lr }, model.params.data.length, "float32");
    const trainer = new Trainer(
      model,
      optimizer,
      data.train,
      {
        seqLen: setup.seqLen,
        batch: setup.batch,
        feed: mode,
        clip: { kind: "norm", maxNorm: setup.clipNorm, normType: 2 },
        lrSchedule: () => setup.lr,
      },
      ctx.rng(`q4:train:${seed}`),
    );
    const curve: CurvePoint[] = [{ step: 0, ...validate(model, data).mean }];
    const trainLoss = new Float64Array(setup.steps);
    const eps = new Float64Array(setup.steps);
    const groundTruthFraction = new Float64Array(setup.steps);
    const snapshots = new Map<number, Float32Array | Float64Array>();
    for (let i = 0; i < setup.steps; i++) {
      const figures = trainer.trainStep();
      trainLoss[i] = figures.loss;
      eps[i] = figures.eps;
      groundTruthFraction[i] = figures.groundTruthFraction;
      if (trainer.step % setup.evalEvery === 0 || trainer.step === setup.steps)
        curve.push({ step: trainer.step, ...validate(model, data).mean });
      if (setup.snapshots.includes(trainer.step)) snapshots.set(trainer.step, model.params.data.slice());
    }
    const end = validate(model, data);
    return {
      feed,
      mode,
      seed,
      curve,
      trainLoss,
      eps,
      groundTruthFraction,
      model,
      snapshots,
      windowLoss: end.windowLoss,
      windowKL: end.windowKL,
      seconds: (Date.now() - started) / 1000,
    };
  });
}

/** A copy of `run`'s model with the parameters of snapshot `step`. */
export function modelAt(setup: Q4Setup, data: OracleText, run: TrainedRun, step: number): SequenceModel {
  const params = run.snapshots.get(step);
  if (!params) throw new Error(`no snapshot at step ${step}`);
  const model = new SequenceModel(modelConfig(setup, data.V), { seed: 0 });
  model.params.data.set(params);
  return model;
}

/** Teacher-forced validation: loss of the true next token and KL(P_oracle || P_model) on the
 *  true contexts, overall and per window. */
export function validate(
  model: SequenceModel,
  data: OracleText,
): { mean: { valLoss: number; valKL: number }; windowLoss: Float64Array; windowKL: Float64Array } {
  const V = data.V;
  const windows = data.valBatches.reduce((s, b) => s + b.B, 0);
  const windowLoss = new Float64Array(windows);
  const windowKL = new Float64Array(windows);
  const logq = new Float64Array(V);
  let row = 0;
  let w0 = 0;
  let loss = 0;
  let kl = 0;
  let count = 0;
  for (const batch of data.valBatches) {
    const logits = model.forward({ T: batch.T, B: batch.B, tokens: batch.tokens });
    for (let t = 0; t < batch.T; t++) {
      for (let b = 0; b < batch.B; b++) {
        const n = t * batch.B + b;
        logSoftmaxRow(logits, n * V, V, logq);
        const l = -logq[batch.classes[n]];
        const d = klRow(data.valOracle, row * V, logq, V);
        windowLoss[w0 + b] += l / batch.T;
        windowKL[w0 + b] += d / batch.T;
        loss += l;
        kl += d;
        count++;
        row++;
      }
    }
    w0 += batch.B;
  }
  return { mean: { valLoss: loss / count, valKL: kl / count }, windowLoss, windowKL };
}

/** eps_i over the budget, for the figure of the schedules. */
export function epsCurve(spec: ScheduleSpec, steps: number): number[] {
  const schedule = resolveSchedule(spec, steps);
  return Array.from({ length: steps }, (_, i) => epsAt(schedule, i));
}
