import { ConfigError } from "../../src/errors.js";
import type { TrainOptions } from "./spec.js";

// Flags of `rnnlab train` that another flag makes meaningless: each is refused with one line, rather
// than silently dropped (`--no-clip --clip-norm 1` used to train without clipping and say nothing).
// The optimizer's and the schedule's own options are checked the same way in optim-spec.ts.

/** Whether the user gave a flag (commander's option value source is "cli"), by its option name. */
export type Given = (name: keyof TrainOptions) => boolean;

type Rule = (o: TrainOptions) => string | null;

const kebab = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const onlyScheduled: Rule = (o) => (o.mode === "scheduled-sampling" ? null : `--mode ${o.mode}`);
const onlySchedules =
  (...kinds: string[]): Rule =>
  (o) =>
    onlyScheduled(o) ?? (kinds.includes(o.schedule) ? null : `--schedule ${o.schedule}`);

/** For each flag: what, when it is given, makes it meaningless (null: nothing). */
const RULES: Partial<Record<keyof TrainOptions, Rule>> = {
  clipNorm: (o) => (o.clip === false ? "--no-clip" : null),
  clipValue: (o) => (o.clip === false ? "--no-clip" : null),
  clipNormType: (o) => (o.clip === false ? "--no-clip" : o.clipValue !== undefined ? "--clip-value" : null),
  prefix: (o) => (o.mode === "free-running" ? null : `--mode ${o.mode}`),
  schedule: onlyScheduled,
  pick: onlyScheduled,
  k: onlySchedules("linear", "exponential", "inverse-sigmoid"),
  c: onlySchedules("linear"),
  epsMin: onlySchedules("linear"),
  eps: onlySchedules("constant"),
  embedding: (o) => (o.oneHot ? "--one-hot" : null),
  forgetBias: (o) => (o.bias === false ? "--no-bias" : null),
  maxVocab: (o) => (o.tokenizer === "word" ? null : `--tokenizer ${o.tokenizer}`),
  activation: (o) => (o.cell === "rnn" ? null : `--cell ${o.cell}`),
  // Only the step activation has a derivative (0) that the straight-through estimator replaces.
  straightThrough: (o) =>
    o.cell !== "rnn" ? `--cell ${o.cell}` : o.activation === "step" ? null : `--activation ${o.activation}`,
};

/** The flags that have a default: commander fills them in, so only `given` tells whether the user
 *  wrote them. Without `given` (a caller that builds the options itself) these are not checked. */
const DEFAULTED = new Set<keyof TrainOptions>([
  "clipNormType",
  "prefix",
  "schedule",
  "pick",
  "epsMin",
  "embedding",
  "maxVocab",
  "activation",
]);

/** Throws a ConfigError naming the first flag that another one makes meaningless, e.g.
 *  "--clip-norm does nothing with --no-clip: drop one of them". */
export function refuseConflicts(o: TrainOptions, given?: Given): void {
  for (const [name, rule] of Object.entries(RULES) as [keyof TrainOptions, Rule][]) {
    const isGiven = DEFAULTED.has(name)
      ? (given?.(name) ?? false)
      : o[name] !== undefined && o[name] !== false;
    const other = isGiven ? rule(o) : null;
    if (other !== null) throw new ConfigError(`${kebab(name)} does nothing with ${other}: drop one of them`);
  }
}
