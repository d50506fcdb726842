import { cellKinds } from "../../src/cells/index.js";
import { ConfigError } from "../../src/errors.js";
import { activationNames } from "../../src/kernels/activations.js";
import { type InitConfig, initWeightSchemes } from "../../src/model/config.js";
import { dtypes } from "../../src/model/config-schema.js";
import {
  checkEpsSchedule,
  type EpsSchedule,
  epsScheduleKinds,
  type FeedMode,
  feedModeKinds,
  feedPicks,
} from "../../src/train/feeding.js";
import { parseRunConfig, type RunConfig, tokenizerKinds } from "../../src/train/run-config.js";
import type { ClipSpec } from "../../src/train/trainer.js";
import { type Given, refuseConflicts } from "./conflicts.js";
import { type LayerOptions, layerOptionsFromOptions } from "./layer-spec.js";
import { boundedInteger, decimalInteger } from "./limits.js";
import { horizonBound } from "../../src/train/schedule-fit.js";
import { lrScheduleFromOptions, type OptimOptions, optimizerFromOptions } from "./optim-spec.js";

/** Everything that defines a training run (src/train/run-config.ts): stored in its checkpoint, so
 *  `--resume` needs nothing else. */
export type TrainSpec = RunConfig;

/** The raw option values commander gives (strings where typed by the user). */
export interface TrainOptions extends OptimOptions, LayerOptions {
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
  init?: string;
  initGain?: string;
  forgetBias?: string;
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
  steps?: string;
  minutes?: string;
  seed: string;
  evalEvery: string;
  valBatches: string;
  sampleLength: string;
}

export function integer(value: string, flag: string, min = 1): number {
  const n = decimalInteger(value);
  if (!Number.isSafeInteger(n) || n < min)
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

/** The eps schedule of --schedule and its parameters; checkEpsSchedule's ranges, named by the flag. */
function epsSchedule(o: TrainOptions): EpsSchedule {
  const kind = choice(epsScheduleKinds, o.schedule, "--schedule");
  try {
    return epsScheduleOf(o, kind);
  } catch (error) {
    if (!(error instanceof ConfigError) || error.message.startsWith("--")) throw error;
    // "linear schedule: min must be in [0, 1], got 2" → "--schedule linear: min (--eps-min) must be …"
    const reason = error.message.replace(`${kind} schedule: `, "");
    const parameter = reason.startsWith("the minimum eps") ? "the minimum eps" : reason.split(" ", 1)[0];
    const flags: Record<string, string> = {
      k: "--k",
      c: "--c",
      "the minimum eps": "--eps-min",
      eps: "--eps",
    };
    const flag = flags[parameter];
    throw new ConfigError(
      `--schedule ${kind}: ${flag ? reason.replace(parameter, `${parameter} (${flag})`) : reason}`,
    );
  }
}

function epsScheduleOf(o: TrainOptions, kind: EpsSchedule["kind"]): EpsSchedule {
  const k = (fallback: number) => (o.k === undefined ? fallback : number(o.k, "--k"));
  switch (kind) {
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
      return { kind: "free-running", prefix: boundedInteger(o.prefix, "--prefix") };
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

/** The model's `init` from --init, --init-gain and --forget-bias; none (PyTorch's default, and a
 *  stored run config without the key) when all three are left out. */
function initOption(o: TrainOptions): { init?: InitConfig } {
  const weights = choice(initWeightSchemes, o.init ?? "default", "--init");
  if (weights === "identity" && (o.cell !== "rnn" || o.activation !== "relu"))
    throw new ConfigError(
      "--init identity (IRNN) is for --cell rnn --activation relu; use --init orthogonal",
    );
  const init: InitConfig = weights === "default" ? {} : { weights };
  if (o.initGain !== undefined) {
    if (weights === "default") throw new ConfigError("--init-gain needs --init other than default");
    init.gain = number(o.initGain, "--init-gain", positive, "> 0");
  }
  if (o.forgetBias !== undefined) {
    if (o.cell !== "lstm") throw new ConfigError(`--forget-bias is for --cell lstm, not ${o.cell}`);
    init.forgetBias = forgetBias(o.forgetBias, o.seqLen);
  }
  return Object.keys(init).length === 0 ? {} : { init };
}

/** "1.5", "chrono" (Tmax = --seq-len) or "chrono:200". */
function forgetBias(value: string, seqLen: string): number | { chrono: number } {
  if (!value.startsWith("chrono"))
    return number(value, "--forget-bias", undefined, "a number or chrono[:Tmax]");
  const tmax = value === "chrono" ? seqLen : value.startsWith("chrono:") ? value.slice(7) : "";
  return { chrono: number(tmax, "--forget-bias chrono:Tmax", (x) => x >= 2, "Tmax >= 2") };
}

/** Validates every option and builds the run's spec. `given` says which flags the user wrote (for
 *  the conflicts among flags that have defaults; see conflicts.ts). */
export function specFromOptions(o: TrainOptions, given?: Given): TrainSpec {
  refuseConflicts(o, given);
  if (o.steps !== undefined && o.minutes !== undefined)
    throw new ConfigError("give --steps or --minutes, not both");
  const steps = o.steps === undefined ? null : boundedInteger(o.steps, "--steps");
  const minutes = o.minutes === undefined ? null : number(o.minutes, "--minutes", positive, "> 0");
  const skip = boundedInteger(o.skip, "--skip");
  if (skip === 1)
    throw new ConfigError("--skip must be 0 (none) or a delay >= 2 (1 is the ordinary recurrence)");
  if (skip > 0 && o.cell !== "rnn") throw new ConfigError(`--skip is defined for --cell rnn, not ${o.cell}`);
  const spec: TrainSpec = {
    data: o.data,
    tokenizer: choice(tokenizerKinds, o.tokenizer, "--tokenizer"),
    maxVocab: boundedInteger(o.maxVocab, "--max-vocab"),
    valFraction: number(o.valFraction, "--val-fraction", (x) => x > 0 && x < 1, "in (0, 1)"),
    oracle: o.oracle === undefined ? null : boundedInteger(o.oracle, "--oracle"),
    model: {
      cell: choice(cellKinds, o.cell, "--cell"),
      activation: choice(activationNames, o.activation, "--activation"),
      straightThrough: o.straightThrough ?? false,
      skip,
      hiddenSize: boundedInteger(o.hidden, "--hidden"),
      layers: boundedInteger(o.layers, "--layers"),
      dtype: choice(dtypes, o.dtype, "--dtype"),
      embedding: o.oneHot ? "onehot" : boundedInteger(o.embedding, "--embedding"),
      ...initOption(o),
      ...layerOptionsFromOptions(o),
    },
    seqLen: boundedInteger(o.seqLen, "--seq-len"),
    batch: boundedInteger(o.batch, "--batch"),
    feed: feedMode(o),
    clip: clipSpec(o),
    optimizer: optimizerFromOptions(o),
    // A schedule with an end spans --steps, or until fitted to the minutes (run.ts) their bound.
    lrSchedule: lrScheduleFromOptions(o, steps ?? horizonBound(minutes ?? DEFAULT_MINUTES)),
    steps,
    minutes,
    seed: boundedInteger(o.seed, "--seed"),
    evalEvery: boundedInteger(o.evalEvery, "--eval-every"),
    valBatches: boundedInteger(o.valBatches, "--val-batches"),
    sampleLength: boundedInteger(o.sampleLength, "--sample-length"),
  };
  if (spec.steps === null && spec.minutes === null) spec.minutes = DEFAULT_MINUTES;
  return checkedAsStored(spec);
}

export const DEFAULT_MINUTES = 4.5;

/** The spec, once the stored run config's schema accepts it too: what train writes, --resume must
 *  read. The flags' own checks come first, so this is a safety net whose message names the field. */
function checkedAsStored(spec: TrainSpec): TrainSpec {
  try {
    parseRunConfig(spec);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`these flags give an invalid run config (${error.message}); change the flags`);
  }
  return spec;
}
