import { cellKinds } from "../../src/cells/index.js";
import { ConfigError } from "../../src/errors.js";
import { activationNames } from "../../src/kernels/activations.js";
import { dtypes } from "../../src/model/config-schema.js";
import {
  checkEpsSchedule,
  type EpsSchedule,
  epsScheduleKinds,
  type FeedMode,
  feedModeKinds,
  feedPicks,
} from "../../src/train/feeding.js";
import { optimizerNames, resolveOptimizerConfig } from "../../src/train/optim/config.js";
import type { OptimizerConfig } from "../../src/train/optim/types.js";
import { type RunConfig, tokenizerKinds } from "../../src/train/run-config.js";
import { type LrScheduleSpec, lrScheduleKinds } from "../../src/train/schedules.js";
import type { ClipSpec } from "../../src/train/trainer.js";

/** Everything that defines a training run (src/train/run-config.ts): stored in its checkpoint, so
 *  `--resume` needs nothing else. */
export type TrainSpec = RunConfig;

/** The raw option values commander gives (strings where typed by the user). */
export interface TrainOptions {
  data: string;
  tokenizer: string;
  maxVocab: string;
  valFraction: string;
  oracle?: string;
  cell: string;
  activation: string;
  straightThrough?: boolean;
  skip: string;
  hidden: string;
  layers: string;
  embedding: string;
  oneHot?: boolean;
  dtype: string;
  seqLen: string;
  batch: string;
  mode: string;
  prefix: string;
  schedule: string;
  k?: string;
  c?: string;
  epsMin: string;
  eps?: string;
  pick: string;
  clipNorm?: string;
  clipNormType: string;
  clipValue?: string;
  clip?: boolean;
  optimizer: string;
  lr: string;
  momentum: string;
  nesterov?: boolean;
  weightDecay?: string;
  lrSchedule: string;
  warmup: string;
  lrStepSize: string;
  lrGamma: string;
  minLr: string;
  steps?: string;
  minutes?: string;
  seed: string;
  evalEvery: string;
  valBatches: string;
  sampleLength: string;
}

export function integer(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

export function number(
  value: string,
  flag: string,
  check: (x: number) => boolean = () => true,
  need = "a number",
): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || !check(x))
    throw new ConfigError(`${flag} must be ${need}, got '${value}'`);
  return x;
}

/** `value` when it is one of `names` (commander's .choices has checked it already). */
export function choice<T extends string>(names: readonly T[], value: string, flag: string): T {
  const found = names.find((name) => name === value);
  if (found === undefined)
    throw new ConfigError(`${flag} must be one of ${names.join(", ")}, got '${value}'`);
  return found;
}

const positive = (x: number) => x > 0;

function epsSchedule(o: TrainOptions): EpsSchedule {
  const k = (fallback: number) => (o.k === undefined ? fallback : number(o.k, "--k"));
  switch (choice(epsScheduleKinds, o.schedule, "--schedule")) {
    case "linear":
      return checkEpsSchedule({
        kind: "linear",
        k: k(1),
        c: o.c === undefined ? 1e-3 : number(o.c, "--c"),
        min: number(o.epsMin, "--eps-min"),
      });
    case "exponential":
      return checkEpsSchedule({ kind: "exponential", k: k(0.995) });
    case "inverse-sigmoid":
      return checkEpsSchedule({ kind: "inverse-sigmoid", k: k(100) });
    case "constant":
      return checkEpsSchedule({ kind: "constant", eps: o.eps === undefined ? 0.5 : number(o.eps, "--eps") });
  }
}

function feedMode(o: TrainOptions): FeedMode {
  switch (choice(feedModeKinds, o.mode, "--mode")) {
    case "teacher-forcing":
      return { kind: "teacher-forcing" };
    case "free-running":
      return { kind: "free-running", prefix: integer(o.prefix, "--prefix", 0) };
    case "scheduled-sampling":
      return {
        kind: "scheduled-sampling",
        schedule: epsSchedule(o),
        pick: choice(feedPicks, o.pick, "--pick"),
      };
  }
}

function clipSpec(o: TrainOptions): ClipSpec {
  if (o.clip === false) return null;
  if (o.clipNorm !== undefined && o.clipValue !== undefined) {
    throw new ConfigError("give --clip-norm or --clip-value, not both");
  }
  if (o.clipValue !== undefined)
    return { kind: "value", value: number(o.clipValue, "--clip-value", positive, "> 0") };
  const maxNorm = number(o.clipNorm ?? "1", "--clip-norm", positive, "> 0");
  return { kind: "norm", maxNorm, normType: o.clipNormType === "inf" ? "inf" : 2 };
}

function optimizer(o: TrainOptions): OptimizerConfig {
  const lr = number(o.lr, "--lr", (x) => x >= 0, ">= 0");
  const weightDecay =
    o.weightDecay === undefined ? undefined : number(o.weightDecay, "--weight-decay", (x) => x >= 0, ">= 0");
  const name = choice(optimizerNames, o.optimizer, "--optimizer");
  const config: OptimizerConfig =
    name === "sgd"
      ? {
          name,
          lr,
          momentum: number(o.momentum, "--momentum"),
          nesterov: o.nesterov ?? false,
          ...(weightDecay === undefined ? {} : { weightDecay }),
        }
      : { name, lr, ...(weightDecay === undefined ? {} : { weightDecay }) };
  return resolveOptimizerConfig(config);
}

function lrSchedule(o: TrainOptions, steps: number | null): LrScheduleSpec {
  const warmup = integer(o.warmup, "--warmup", 0);
  switch (choice(lrScheduleKinds, o.lrSchedule, "--lr-schedule")) {
    case "constant":
      return { kind: "constant", warmup };
    case "step":
      return {
        kind: "step",
        stepSize: integer(o.lrStepSize, "--lr-step-size"),
        gamma: number(o.lrGamma, "--lr-gamma", positive, "> 0"),
        warmup,
      };
    case "cosine":
      if (steps === null)
        throw new ConfigError("--lr-schedule cosine needs --steps (the length of the cosine)");
      return {
        kind: "cosine",
        totalSteps: steps,
        minLr: number(o.minLr, "--min-lr", (x) => x >= 0, ">= 0"),
        warmup,
      };
  }
}

/** Validates every option and builds the run's spec. */
export function specFromOptions(o: TrainOptions): TrainSpec {
  if (o.steps !== undefined && o.minutes !== undefined)
    throw new ConfigError("give --steps or --minutes, not both");
  const steps = o.steps === undefined ? null : integer(o.steps, "--steps");
  const minutes = o.minutes === undefined ? null : number(o.minutes, "--minutes", positive, "> 0");
  const skip = integer(o.skip, "--skip", 0);
  if (skip === 1)
    throw new ConfigError("--skip must be 0 (none) or a delay >= 2 (1 is the ordinary recurrence)");
  if (skip > 0 && o.cell !== "rnn") throw new ConfigError(`--skip is defined for --cell rnn, not ${o.cell}`);
  const spec: TrainSpec = {
    data: o.data,
    tokenizer: choice(tokenizerKinds, o.tokenizer, "--tokenizer"),
    maxVocab: integer(o.maxVocab, "--max-vocab", 3),
    valFraction: number(o.valFraction, "--val-fraction", (x) => x > 0 && x < 1, "in (0, 1)"),
    oracle: o.oracle === undefined ? null : integer(o.oracle, "--oracle", 1),
    model: {
      cell: choice(cellKinds, o.cell, "--cell"),
      activation: choice(activationNames, o.activation, "--activation"),
      straightThrough: o.straightThrough ?? false,
      skip,
      hiddenSize: integer(o.hidden, "--hidden"),
      layers: integer(o.layers, "--layers"),
      dtype: choice(dtypes, o.dtype, "--dtype"),
      embedding: o.oneHot ? "onehot" : integer(o.embedding, "--embedding"),
    },
    seqLen: integer(o.seqLen, "--seq-len"),
    batch: integer(o.batch, "--batch"),
    feed: feedMode(o),
    clip: clipSpec(o),
    optimizer: optimizer(o),
    lrSchedule: lrSchedule(o, steps),
    steps,
    minutes,
    seed: integer(o.seed, "--seed", 0),
    evalEvery: integer(o.evalEvery, "--eval-every"),
    valBatches: integer(o.valBatches, "--val-batches"),
    sampleLength: integer(o.sampleLength, "--sample-length", 0),
  };
  if (spec.steps === null && spec.minutes === null) spec.minutes = DEFAULT_MINUTES;
  return spec;
}

export const DEFAULT_MINUTES = 4.5;
