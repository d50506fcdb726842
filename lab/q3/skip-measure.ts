// Q3.skip's measurements: the gradient's size against distance in sigmoid RNNs with and without a
// skip connection M h_{t−k} (library BPTT, float64), and training with and without it on the
// temporal-order problem of Hochreiter & Schmidhuber (1997).

import { createOptimizer, SequenceModel } from "../../src/index.js";
import { gradientFlow, type RnnSpec, ratioByDistance } from "../gradients/flow.js";
import { median, randomMatrixWithNorm } from "../gradients/linalg.js";
import { sampleNet } from "../gradients/nets.js";
import { accuracy, trainLoop } from "../gradients/train-loop.js";
import { TEMPORAL_ORDER_CLASSES, TEMPORAL_ORDER_SYMBOLS, temporalOrderBatch } from "../../src/tasks/index.js";
import type { LabContext } from "../types.js";

/** What the seed states: M h_{t−k} with k = 2; it gives no norms, so the nets get these. */
export interface SkipStated {
  delay: number;
  /** ‖W‖₂ and ‖M‖₂ of the nets the gradient is measured on. */
  weightNorm: number;
  skipNorm: number;
}

export interface DelayCurve {
  /** k of M h_{t−k}; 0: no skip connection. */
  delay: number;
  /** Median over the nets of log10 ‖dL/dh_{T−d}‖ / ‖dL/dh_T‖, for d = 0..T. */
  log10Ratio: number[];
}

export interface GradientCurves {
  /** Sequence length, so the largest distance measured. */
  T: number;
  nets: number;
  hidden: number;
  curves: DelayCurve[];
}

export interface TrainingSetup {
  /** Temporal-order sequence length. */
  T: number;
  steps: number;
  seeds: number;
  batch: number;
  hidden: number;
  /** Accuracies are measured on this many fresh sequences. */
  testSize: number;
}

export interface DelayTraining {
  delay: number;
  /** Test accuracy per seed (0 for a run that diverged). */
  accuracies: number[];
  /** Training loss at every step, per seed. */
  losses: number[][];
}

export interface SkipTraining {
  setup: TrainingSetup;
  /** The delay comparable to the lag (T/5), trained for contrast. */
  longDelay: number;
  /** No skip, the stated delay and the long delay (each once). */
  runs: DelayTraining[];
}

const GRADIENT_T = 100;
const GRADIENT_HIDDEN = 16;

export function trainingSetup(quick: boolean): TrainingSetup {
  const common = { batch: 16, hidden: 8, testSize: 500 };
  return quick ? { T: 30, steps: 600, seeds: 2, ...common } : { T: 50, steps: 2000, seeds: 5, ...common };
}

/** The delays whose gradient is measured: none, the stated one, a few more, and T/5 of training. */
export function measuredDelays(stated: SkipStated, longDelay: number): number[] {
  return [...new Set([0, stated.delay, 2, 4, 8, longDelay])].sort((a, b) => a - b);
}

/** Each random driven net once per delay (the same W, M, inputs and biases): median curves. */
export function gradientCurves(ctx: LabContext, stated: SkipStated, delays: number[]): GradientCurves {
  const T = GRADIENT_T;
  const nets = ctx.quick ? 4 : 10;
  const rng = ctx.rng(`q3-skip-gradients-${stated.weightNorm}-${stated.skipNorm}`);
  const logs = new Map<number, number[][]>(delays.map((k) => [k, []]));
  for (let n = 0; n < nets; n++) {
    const base = sampleNet(rng, "driven", GRADIENT_HIDDEN, stated.weightNorm, T);
    const M = randomMatrixWithNorm(rng, GRADIENT_HIDDEN, stated.skipNorm);
    for (const k of delays) {
      const spec: RnnSpec = { ...base.spec, skip: k === 0 ? null : { k, M } };
      const ratio = ratioByDistance(gradientFlow(spec, base.input), 0);
      logs.get(k)?.push(Array.from(ratio, (r) => Math.log10(r)));
    }
  }
  const curves = [...logs].map(([delay, runs]) => ({
    delay,
    log10Ratio: Array.from({ length: T + 1 }, (_, d) => median(runs.map((r) => r[d]))),
  }));
  return { T, nets, hidden: GRADIENT_HIDDEN, curves };
}

/** Sigmoid RNNs with skip delay k (0: none) trained on temporal order, one run per seed; shared
 *  between the claim and its variations. */
export function trainWithDelay(ctx: LabContext, k: number): DelayTraining {
  const setup = trainingSetup(ctx.quick);
  return ctx.shared(`q3:skip-train:${k}`, () => {
    ctx.progress(
      `Q3.skip: training on temporal order, T = ${setup.T}, ${k === 0 ? "no skip" : `skip delay ${k}`}`,
    );
    const accuracies: number[] = [];
    const losses: number[][] = [];
    for (let seed = 0; seed < setup.seeds; seed++) {
      const model = temporalOrderModel(ctx, k, seed, setup.hidden);
      const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
      const data = ctx.rng(`q3-skip-data-${seed}`);
      const run = trainLoop(model, optimizer, { kind: "norm", threshold: 1 }, setup.steps, () =>
        temporalOrderBatch(data, setup.T, setup.batch),
      );
      const test = temporalOrderBatch(ctx.rng(`q3-skip-test-${seed}`), setup.T, setup.testSize);
      accuracies.push(run.divergedAt === null ? accuracy(model, test) : 0);
      losses.push(run.losses);
    }
    return { delay: k, accuracies, losses };
  });
}

function temporalOrderModel(ctx: LabContext, k: number, seed: number, hidden: number): SequenceModel {
  return new SequenceModel(
    {
      cell: "rnn",
      activation: "sigmoid",
      straightThrough: false,
      skip: k,
      hiddenSize: hidden,
      layers: 1,
      input: { kind: "dense", size: TEMPORAL_ORDER_SYMBOLS.length },
      outputSize: TEMPORAL_ORDER_CLASSES.length,
      loss: "cross-entropy",
      dtype: "float64",
    },
    { rng: ctx.rng(`q3-skip-init-${seed}`) },
  );
}

/** Training without skip, with the stated delay and with T/5, each delay once. */
export function skipTraining(ctx: LabContext, stated: SkipStated): SkipTraining {
  const setup = trainingSetup(ctx.quick);
  const longDelay = Math.round(setup.T / 5);
  const delays = [...new Set([0, stated.delay, longDelay])];
  return { setup, longDelay, runs: delays.map((k) => trainWithDelay(ctx, k)) };
}
