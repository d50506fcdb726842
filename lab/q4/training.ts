// Small character models trained on the oracle's text with each feeding mode under the same budget,
// computed once per lab run through ctx.shared, and their teacher-forced validation against the
// oracle: loss of the true next token and KL(P_oracle || P_model) on true contexts.

import {
  createOptimizer,
  type FeedCounts,
  type FeedMode,
  klDivergence,
  logSoftmax,
  makeFeeder,
  type Rng,
  SequenceModel,
  Trainer,
} from "../../src/index.js";
import { texToText } from "../format.js";
import type { LabContext } from "../types.js";
import { type FeedSpec, feedLabel, resolveFeed } from "./feeds.js";
import { type OracleText, type Q4Context, type Q4Setup, oracleText } from "./setup.js";
import { type Estimate, estimate, mean, se } from "./stats.js";

/** The validation figures at one step, both in nats per token. */
export interface CurvePoint {
  step: number;
  valLoss: number;
  valKL: number;
}

export interface TrainedRun {
  feed: FeedSpec;
  seed: number;
  curve: CurvePoint[];
  /** Per optimizer step: eps_i and the fraction of ground-truth tokens fed. */
  eps: Float64Array;
  groundTruthFraction: Float64Array;
  model: SequenceModel;
  /** Parameters at the snapshot steps. */
  snapshots: Map<number, Float32Array | Float64Array>;
  /** Teacher-forced loss and KL per validation window at the end (paired comparisons). */
  windowLoss: Float64Array;
  windowKL: Float64Array;
}

function newModel(setup: Q4Setup, V: number, options: { seed?: number; rng?: Rng }): SequenceModel {
  return new SequenceModel(
    {
      cell: setup.cell,
      hiddenSize: setup.hidden,
      input: { kind: "embedding", vocabSize: V, embeddingSize: setup.embedding },
      outputSize: V,
    },
    options,
  );
}

/** One model trained with `feed` from seed `seed` (the same initialization and the same data
 *  generator seed for every mode), cached for the lab run. */
export function trainedRun(ctx: LabContext, setup: Q4Setup, feed: FeedSpec, seed: number): TrainedRun {
  const mode = resolveFeed(feed, setup.steps);
  return ctx.shared(`q4:run:${JSON.stringify(setup)}:${JSON.stringify(mode)}:${seed}`, () => {
    const data = oracleText(ctx, setup);
    ctx.progress(`Q4: training ${texToText(feedLabel(feed))}, seed ${seed} (${setup.steps} steps)`);
    const model = newModel(setup, data.V, { rng: ctx.rng(`q4:init:${seed}`) });
    const trainer = new Trainer({
      model,
      optimizer: createOptimizer({ name: "adam", lr: setup.lr }, model),
      data: data.train,
      seqLen: setup.seqLen,
      batch: setup.batch,
      feed: mode,
      clip: { kind: "norm", maxNorm: setup.clipNorm, normType: 2 },
      lrSchedule: () => setup.lr,
      rng: ctx.rng(`q4:train:${seed}`),
    });
    const curve: CurvePoint[] = [{ step: 0, ...validate(model, data).mean }];
    const eps = new Float64Array(setup.steps);
    const groundTruthFraction = new Float64Array(setup.steps);
    const snapshots = new Map<number, Float32Array | Float64Array>();
    for (let i = 0; i < setup.steps; i++) {
      const figures = trainer.trainStep();
      eps[i] = figures.eps;
      groundTruthFraction[i] = figures.groundTruthFraction;
      if (trainer.step % setup.evalEvery === 0 || trainer.step === setup.steps)
        curve.push({ step: trainer.step, ...validate(model, data).mean });
      if (setup.snapshots.includes(trainer.step)) snapshots.set(trainer.step, model.params.data.slice());
    }
    const end = validate(model, data);
    return { feed, seed, curve, eps, groundTruthFraction, model, snapshots, ...end.windows };
  });
}

/** The runs of `feed`, one per seed 1..setup.seeds. */
export function runsOf(ctx: LabContext, q: Q4Context, feed: FeedSpec): TrainedRun[] {
  return Array.from({ length: q.setup.seeds }, (_, i) => trainedRun(ctx, q.setup, feed, i + 1));
}

/** A copy of `run`'s model with the parameters of snapshot `step`. */
export function modelAt(setup: Q4Setup, data: OracleText, run: TrainedRun, step: number): SequenceModel {
  const params = run.snapshots.get(step);
  if (!params)
    throw new RangeError(`no snapshot at step ${step}: snapshots are at ${setup.snapshots.join(", ")}`);
  const model = newModel(setup, data.V, { seed: 0 });
  model.params.data.set(params);
  return model;
}

/** Teacher-forced validation: loss of the true next token and KL(P_oracle || P_model) on the true
 *  contexts, overall and per window. */
export function validate(
  model: SequenceModel,
  data: OracleText,
): {
  mean: { valLoss: number; valKL: number };
  windows: { windowLoss: Float64Array; windowKL: Float64Array };
} {
  const V = data.V;
  const windows = data.valBatches.reduce((s, b) => s + b.B, 0);
  const windowLoss = new Float64Array(windows);
  const windowKL = new Float64Array(windows);
  const logq = new Float64Array(V);
  let row = 0;
  let w0 = 0;
  let loss = 0;
  let kl = 0;
  for (const batch of data.valBatches) {
    const logits = model.forward({ T: batch.T, B: batch.B, tokens: batch.tokens });
    for (let t = 0; t < batch.T; t++) {
      for (let b = 0; b < batch.B; b++) {
        const n = t * batch.B + b;
        logSoftmax(logits, n * V, V, logq);
        const l = -logq[batch.classes[n]];
        const d = klDivergence(data.valOracle.subarray(row * V, (row + 1) * V), logq);
        windowLoss[w0 + b] += l / batch.T;
        windowKL[w0 + b] += d / batch.T;
        loss += l;
        kl += d;
        row++;
      }
    }
    w0 += batch.B;
  }
  return { mean: { valLoss: loss / row, valKL: kl / row }, windows: { windowLoss, windowKL } };
}

/** The mean validation curve over seeds (every run evaluates at the same steps). */
export function meanCurve(runs: TrainedRun[]): { step: number[]; valLoss: number[]; valKL: number[] } {
  const c0 = runs[0].curve;
  return {
    step: c0.map((p) => p.step),
    valLoss: c0.map((_, i) => mean(runs.map((r) => r.curve[i].valLoss))),
    valKL: c0.map((_, i) => mean(runs.map((r) => r.curve[i].valKL))),
  };
}

/** The final validation loss (or KL) over seeds, with the standard error of the mean over each
 *  run's windows as its Monte-Carlo part. */
export function finalLoss(runs: TrainedRun[], which: "windowLoss" | "windowKL"): Estimate {
  return estimate(
    runs.map((r) => mean(r[which])),
    runs.map((r) => se(r[which])),
  );
}

/** Paired difference a − b of the final validation loss (or KL), run by run (same seed) and window
 *  by window (same validation text). */
export function pairedFinal(a: TrainedRun[], b: TrainedRun[], which: "windowLoss" | "windowKL"): Estimate {
  const diffs = a.map((run, i) => Float64Array.from(run[which], (x, w) => x - b[i][which][w]));
  return estimate(
    diffs.map((d) => mean(d)),
    diffs.map((d) => se(d)),
  );
}

/** Loss of the true next token per window and position, [windows×T]. */
export interface PositionLoss {
  T: number;
  windows: number;
  loss: Float64Array;
}

/** The loss of the true next token at every position of the validation windows when the model is
 *  fed as in training under `mode` (scheduled sampling at probability `eps`), [windows×T]. */
export function fedLossByPosition(
  model: SequenceModel,
  data: OracleText,
  mode: FeedMode,
  eps: number,
  rng: Rng,
): PositionLoss {
  const V = data.V;
  const T = data.valBatches[0].T;
  const windows = data.valBatches.reduce((s, b) => s + b.B, 0);
  const loss = new Float64Array(windows * T);
  const logq = new Float64Array(V);
  const counts: FeedCounts = { groundTruth: 0, total: 0 };
  let w0 = 0;
  for (const batch of data.valBatches) {
    const B = batch.B;
    let logits: ArrayLike<number>;
    if (mode.kind === "teacher-forcing") {
      logits = model.forward({ T, B, tokens: batch.tokens });
    } else {
      const fed = new Int32Array(T * B);
      fed.set(batch.tokens.subarray(0, B));
      logits = model.forwardFeedback(
        { T, B, tokens: fed },
        makeFeeder(mode, eps, batch.tokens, B, V, rng, counts),
      );
    }
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) {
        logSoftmax(logits, (t * B + b) * V, V, logq);
        loss[(w0 + b) * T + t] = -logq[batch.classes[t * B + b]];
      }
    w0 += B;
  }
  return { T, windows, loss };
}
