// temporal-order: one training run on Pascanu et al. 2013's temporal-order problem (src/tasks), a
// vanilla RNN trained by SGD with no clipping, value clipping or norm clipping. It succeeds when its
// accuracy on fresh sequences reaches the lab's criterion (Q3.skip's); a loss or gradient that stops
// being finite, or a loss 1e3 times its first (Q3.clip's criterion), ends it as diverged.

import { type ActivationName, createOptimizer, NumericError, Rng, SequenceModel } from "../../src/index.js";
import {
  type ClassificationBatch,
  TEMPORAL_ORDER_CLASSES,
  TEMPORAL_ORDER_SYMBOLS,
  temporalOrderBatch,
} from "../../src/tasks/index.js";
import { randomMatrixWithNorm } from "../gradients/linalg.js";
import { accuracy, applyClip, type ClipRule } from "../gradients/train-loop.js";
import { DIVERGE_FACTOR } from "../q3/clip-training.js";
import { SUCCESS_ACCURACY } from "../q3/skip.js";
import { choiceOption, numberOption, seedOption } from "./options.js";
import type { OptionValues, Probe, ProbeHooks, ProbeSummary } from "./types.js";

export const CLIP_KINDS = ["none", "value", "norm"] as const;
export type ClipKind = (typeof CLIP_KINDS)[number];
const ACTIVATIONS: readonly ActivationName[] = ["tanh", "sigmoid"];

/** ‖W_hh‖₂ at the start: large enough that unclipped SGD fails from T = 20 at the default lr. */
const EXPLODING_INIT_NORM = 1.5;
const BATCH = 16;
const MOMENTUM = 0.9;
const TEST_SIZE = 500;
/** Progress is reported this many times over a run. */
const REPORTS = 20;

export interface TemporalOrderRun {
  seqLen: number;
  clip: ClipKind;
  success: 0 | 1;
  accuracy: number;
  /** Cross-entropy on the test sequences; null when the run diverged. */
  testLoss: number | null;
  diverged: 0 | 1;
  /** Steps trained (fewer than asked when the run diverged). */
  steps: number;
}

function clipRule(kind: ClipKind, threshold: number): ClipRule {
  return kind === "none" ? { kind } : { kind, threshold };
}

function buildModel(values: OptionValues, rng: Rng): SequenceModel {
  const H = numberOption(values, "hidden");
  const model = new SequenceModel(
    {
      cell: "rnn",
      activation: choiceOption(values, "activation", ACTIVATIONS),
      straightThrough: false,
      skip: 0,
      hiddenSize: H,
      layers: 1,
      input: { kind: "dense", size: TEMPORAL_ORDER_SYMBOLS.length },
      outputSize: TEMPORAL_ORDER_CLASSES.length,
      loss: "cross-entropy",
      dtype: "float64",
    },
    { rng },
  );
  const norm = numberOption(values, "norm");
  if (norm > 0) model.params.set("rnn.weight_hh_l0", randomMatrixWithNorm(rng, H, norm));
  return model;
}

/** The training loss at every step, and the step at which it or the gradient stopped being finite. */
interface Training {
  losses: number[];
  divergedAt: number | null;
}

/** The steps of lab/gradients' trainLoop, with the mean loss of each stretch of `every` steps reported as it goes. */
function train(
  model: SequenceModel,
  values: OptionValues,
  nextBatch: () => ClassificationBatch,
  hooks: ProbeHooks,
): Training {
  const steps = numberOption(values, "steps");
  const rule = clipRule(choiceOption(values, "clip", CLIP_KINDS), numberOption(values, "threshold"));
  const optimizer = createOptimizer(
    { name: "sgd", lr: numberOption(values, "lr"), momentum: MOMENTUM },
    model,
  );
  const every = Math.max(1, Math.floor(steps / REPORTS));
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = nextBatch();
    try {
      losses.push(model.lossAndGrad(batch, batch).loss);
      applyClip(model.params.grad, rule);
      optimizer.step(model.params.data, model.params.grad);
    } catch (error) {
      if (error instanceof NumericError) return { losses, divergedAt: step };
      throw error;
    }
    if ((step + 1) % every === 0 || step + 1 === steps) {
      const recent = losses.slice(-every);
      hooks.progress(step + 1, steps, { loss: recent.reduce((a, b) => a + b, 0) / recent.length });
    }
  }
  return { losses, divergedAt: null };
}

export function trainTemporalOrder(values: OptionValues, hooks: ProbeHooks): TemporalOrderRun {
  const T = numberOption(values, "seq-len");
  const seed = new Rng(numberOption(values, "seed"));
  const [initRng, dataRng, testRng] = [0, 1, 2].map(() => new Rng(seed.nextUint32()));
  const model = buildModel(values, initRng);
  const run = train(model, values, () => temporalOrderBatch(dataRng, T, BATCH), hooks);
  const first = run.losses[0] ?? Number.NaN;
  const diverged = run.divergedAt !== null || run.losses.some((l) => !(l <= DIVERGE_FACTOR * first));
  const test = temporalOrderBatch(testRng, T, TEST_SIZE);
  const acc = diverged ? 0 : accuracy(model, test);
  const testLoss = diverged ? null : model.loss(test).loss;
  return {
    seqLen: T,
    clip: choiceOption(values, "clip", CLIP_KINDS),
    success: acc >= SUCCESS_ACCURACY ? 1 : 0,
    accuracy: acc,
    testLoss,
    diverged: diverged ? 1 : 0,
    steps: run.losses.length,
  };
}

export const temporalOrderProbe: Probe = {
  name: "temporal-order",
  description: `train a vanilla RNN (SGD, momentum ${MOMENTUM}) on the temporal-order problem with no, value or norm clipping; success: test accuracy >= ${SUCCESS_ACCURACY}`,
  unit: "steps",
  options: [
    {
      name: "seq-len",
      description: "sequence length T",
      type: { kind: "integer", min: 10, max: 1000 },
    },
    {
      name: "clip",
      description: "gradient clipping before each step",
      type: { kind: "choice", choices: CLIP_KINDS },
    },
    seedOption,
    {
      name: "threshold",
      description: "clipping threshold (value: each component; norm: the whole gradient)",
      type: { kind: "number", min: 1e-6, max: 1e6 },
      default: 1,
    },
    {
      name: "steps",
      description: "training steps",
      type: { kind: "integer", min: 1, max: 1_000_000 },
      default: 600,
    },
    { name: "hidden", description: "hidden size", type: { kind: "integer", min: 1, max: 256 }, default: 32 },
    {
      name: "lr",
      description: "learning rate",
      type: { kind: "number", min: 1e-9, max: 100 },
      default: 0.03,
    },
    {
      name: "activation",
      description: "the RNN's activation",
      type: { kind: "choice", choices: ACTIVATIONS },
      default: "tanh",
    },
    {
      name: "norm",
      description:
        "spectral norm of the initial W_hh (above 1, tanh gradients can explode, as in Pascanu et al.'s runs; 0: the library's initialization)",
      type: { kind: "number", min: 0, max: 100 },
      default: EXPLODING_INIT_NORM,
    },
  ],
  run: (values, hooks): ProbeSummary => ({ ...trainTemporalOrder(values, hooks) }),
};
