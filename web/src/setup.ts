import { type TaskName, taskNames } from "../../src/tasks/registry.js";
import type { TrainingConfig } from "../../src/worker/client-entry.js";

// The playground's whole setup, flat, as it lives in the URL's query string: a link reproduces
// it and a reload restores it. Each field has a default, a parser that says what it expects, and
// whether a change can take effect in the running run (live) or needs a new one.

export const cells = ["rnn", "gru", "lstm"] as const;
export const activations = ["tanh", "relu", "sigmoid", "identity", "step"] as const;
export const optimizers = ["adam", "adamw", "sgd", "rmsprop", "adagrad"] as const;
/** The initial-weight schemes (initWeightSchemes of src/model/config.ts, whose test checks these). */
export const inits = ["default", "orthogonal", "xavier-uniform", "xavier-normal", "identity"] as const;
export const clips = ["norm", "value", "none"] as const;
export const feeds = ["teacher-forcing", "free-running", "scheduled-sampling"] as const;
export const schedules = ["inverse-sigmoid", "exponential", "linear", "constant"] as const;
export const sources = ["shakespeare", "custom"] as const;
export const tasks = ["text", ...taskNames] as const;
/** What runs a text run's steps (StartOptions.device), and how the form names each. */
export const devices = ["cpu", "webgpu"] as const;
export const deviceLabels = ["CPU", "GPU (WebGPU)"] as const;

export interface Setup {
  task: "text" | TaskName;
  source: (typeof sources)[number];
  cell: (typeof cells)[number];
  activation: (typeof activations)[number];
  straightThrough: boolean;
  hidden: number;
  layers: number;
  embedding: number;
  skip: number;
  seqLen: number;
  batch: number;
  seed: number;
  optimizer: (typeof optimizers)[number];
  /** adam, adamw: AMSGrad. */
  amsgrad: boolean;
  lr: number;
  init: (typeof inits)[number];
  /** The gain of an init other than default. */
  initGain: number;
  /** One rate for dropout between stacked layers and on the readout's input. */
  dropout: number;
  /** lstm: h projected to this many units (0: none). */
  projSize: number;
  clip: (typeof clips)[number];
  clipAt: number;
  feed: (typeof feeds)[number];
  prefix: number;
  schedule: (typeof schedules)[number];
  k: number;
  temperature: number;
  /** Samples keep the most likely tokens whose probability adds up to topP (1: all). */
  topP: number;
  /** A text run's steps on the CPU or on WebGPU (where the worker cannot, it says why). */
  device: (typeof devices)[number];
}

export const defaults: Setup = {
  task: "text",
  source: "shakespeare",
  cell: "lstm",
  activation: "tanh",
  straightThrough: false,
  hidden: 64,
  layers: 1,
  embedding: 16,
  skip: 0,
  seqLen: 32,
  batch: 16,
  seed: 1,
  optimizer: "adam",
  amsgrad: false,
  lr: 0.003,
  init: "default",
  initGain: 1,
  dropout: 0,
  projSize: 0,
  clip: "norm",
  clipAt: 1,
  feed: "teacher-forcing",
  prefix: 8,
  schedule: "inverse-sigmoid",
  k: 100,
  temperature: 0.8,
  topP: 1,
  device: "cpu",
};

/** What k is for each eps schedule, and its default: eps_i = k/(k + exp(i/k)), k^i, 1 − k·i, k. */
export const scheduleK: Record<Setup["schedule"], { label: string; value: number }> = {
  "inverse-sigmoid": { label: "k in k/(k + exp(i/k))", value: 100 },
  exponential: { label: "base k in k^i", value: 0.995 },
  linear: { label: "decrease k in 1 − k·i", value: 0.001 },
  constant: { label: "eps", value: 0.5 },
};

/** Fields a running run takes between steps; any other change starts a new run. */
export const liveFields = new Set<keyof Setup>([
  "lr",
  "clip",
  "clipAt",
  "feed",
  "prefix",
  "schedule",
  "k",
  "temperature",
  "topP",
]);

type Parser = (text: string) => unknown;

const choice =
  (values: readonly string[]): Parser =>
  (text) => {
    if (!values.includes(text)) throw new Error(`expected one of ${values.join(", ")}`);
    return text;
  };
const integer =
  (min: number, max: number): Parser =>
  (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`expected an integer in [${min}, ${max}]`);
    return n;
  };
const positive: Parser = (text) => {
  const x = Number(text);
  if (!(text.trim() !== "" && Number.isFinite(x) && x > 0)) throw new Error("expected a number > 0");
  return x;
};
/** A dropout rate: a probability in [0, 1). */
const probability: Parser = (text) => {
  const x = Number(text);
  if (!(text.trim() !== "" && x >= 0 && x < 1)) throw new Error("expected a number in [0, 1)");
  return x;
};
const fraction: Parser = (text) => {
  const x = Number(text);
  if (!(text.trim() !== "" && x > 0 && x <= 1)) throw new Error("expected a number in (0, 1]");
  return x;
};
const flag: Parser = (text) => {
  if (text !== "true" && text !== "false") throw new Error("expected true or false");
  return text === "true";
};

export const parsers: Record<keyof Setup, Parser> = {
  task: choice(tasks),
  source: choice(sources),
  cell: choice(cells),
  activation: choice(activations),
  straightThrough: flag,
  hidden: integer(1, 512),
  layers: integer(1, 4),
  embedding: integer(1, 256),
  skip: integer(0, 64),
  seqLen: integer(2, 256),
  batch: integer(1, 256),
  seed: integer(0, 2 ** 31 - 1),
  optimizer: choice(optimizers),
  amsgrad: flag,
  lr: positive,
  init: choice(inits),
  initGain: positive,
  dropout: probability,
  projSize: integer(0, 511),
  clip: choice(clips),
  clipAt: positive,
  feed: choice(feeds),
  prefix: integer(0, 256),
  schedule: choice(schedules),
  k: positive,
  temperature: positive,
  topP: fraction,
  device: choice(devices),
};

/** The setup a query string gives, and one line for each value it ignored. */
export function setupFromQuery(query: string): { setup: Setup; problems: string[] } {
  const params = new URLSearchParams(query);
  const setup: Record<string, unknown> = { ...defaults };
  const problems: string[] = [];
  for (const [key, value] of params) {
    if (key === "view") continue;
    const parse = parsers[key as keyof Setup];
    if (!parse) {
      problems.push(`ignored ?${key}: not an option of the playground`);
      continue;
    }
    try {
      setup[key] = parse(value);
    } catch (error) {
      problems.push(`ignored ?${key}=${value}: ${(error as Error).message}`);
    }
  }
  const checked = setup as unknown as Setup;
  for (const rule of rules) {
    const why = rule.why(checked);
    if (why === null) continue;
    const [key, value] = Object.entries(rule.fix)[0];
    problems.push(`${why}; using ${key} ${value}`);
    Object.assign(checked, rule.fix);
  }
  return { setup: checked, problems };
}

/** What cannot train, each with the one value that makes it trainable. A field hidden for the
 *  cell (a projection without lstm) is left out of the config instead. */
const rules: { why: (setup: Setup) => string | null; fix: Partial<Setup> }[] = [
  { why: (s) => (s.skip === 1 ? "skip must be 0 (none) or a delay >= 2" : null), fix: { skip: 0 } },
  {
    why: (s) =>
      s.skip > 0 && s.cell !== "rnn" ? `a skip connection needs the rnn cell, not ${s.cell}` : null,
    fix: { skip: 0 },
  },
  {
    why: (s) =>
      s.cell === "lstm" && s.projSize >= s.hidden
        ? `a projection must be smaller than the hidden units (${s.hidden})`
        : null,
    fix: { projSize: 0 },
  },
  {
    why: (s) =>
      s.init === "identity" && (s.cell !== "rnn" || s.activation !== "relu")
        ? "identity init (IRNN) needs the rnn cell with relu"
        : null,
    fix: { init: "default" },
  },
];

/** Why a setup cannot train, or null. */
export function impossibility(setup: Setup): string | null {
  for (const rule of rules) {
    const why = rule.why(setup);
    if (why !== null) return why;
  }
  return null;
}

/** The query string of the fields that differ from the defaults (and the view). */
export function queryOf(setup: Setup, view: string): string {
  const params = new URLSearchParams();
  if (view !== "playground") params.set("view", view);
  for (const key of Object.keys(defaults) as (keyof Setup)[]) {
    if (setup[key] !== defaults[key]) params.set(key, String(setup[key]));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** The worker's training config (rnnlab train's options) for this setup and text. */
export function trainingConfig(setup: Setup, text: string | null): TrainingConfig {
  const data =
    setup.task === "text"
      ? {
          data: { text: text ?? "" },
          dataName: setup.source === "shakespeare" ? "tinyshakespeare.txt" : "pasted text",
        }
      : { task: setup.task };
  return {
    ...data,
    model: {
      cell: setup.cell,
      activation: setup.activation,
      straightThrough: setup.straightThrough,
      hiddenSize: setup.hidden,
      layers: setup.layers,
      embedding: setup.embedding,
      skip: setup.cell === "rnn" ? setup.skip : 0,
      ...layerOptions(setup),
    },
    seqLen: setup.seqLen,
    batch: setup.batch,
    seed: setup.seed,
    optimizer: optimizer(setup),
    ...liveOptions(setup),
    ...(setup.task === "text" ? {} : { feed: { kind: "teacher-forcing" as const } }),
    evalEvery: 25,
    valBatches: 4,
    sampleLength: 160,
  };
}

/** The model fields beyond the basic ones, each only when it is not the default: the init, the
 *  projection (lstm), and the dropout rate between stacked layers and on the readout's input. */
function layerOptions(setup: Setup): NonNullable<TrainingConfig["model"]> {
  const { init, initGain, dropout, projSize } = setup;
  return {
    ...(init === "default" ? {} : { init: { weights: init, ...(initGain === 1 ? {} : { gain: initGain }) } }),
    ...(setup.cell === "lstm" && projSize > 0 ? { projSize } : {}),
    ...(dropout > 0 && setup.layers > 1 ? { dropout } : {}),
    ...(dropout > 0 ? { outputDropout: dropout } : {}),
  };
}

/** The optimizer with its learning rate; adam and adamw take AMSGrad. */
function optimizer(setup: Setup): NonNullable<TrainingConfig["optimizer"]> {
  const { optimizer: name, lr } = setup;
  if ((name === "adam" || name === "adamw") && setup.amsgrad) return { name, lr, amsgrad: true };
  return { name, lr };
}

/** The options a running run takes: clipping and feeding. */
export function liveOptions(setup: Setup): Pick<TrainingConfig, "clip" | "feed"> {
  const clip =
    setup.clip === "none"
      ? null
      : setup.clip === "norm"
        ? { kind: "norm" as const, maxNorm: setup.clipAt }
        : { kind: "value" as const, value: setup.clipAt };
  return { clip, feed: feedMode(setup) };
}

function feedMode(setup: Setup): NonNullable<TrainingConfig["feed"]> {
  if (setup.feed === "teacher-forcing") return { kind: "teacher-forcing" };
  if (setup.feed === "free-running") return { kind: "free-running", prefix: setup.prefix };
  const { schedule, k } = setup;
  const eps =
    schedule === "linear"
      ? { kind: "linear" as const, k: 1, c: k, min: 0 }
      : schedule === "constant"
        ? { kind: "constant" as const, eps: k }
        : { kind: schedule, k };
  return { kind: "scheduled-sampling", schedule: eps, pick: "sample" };
}
