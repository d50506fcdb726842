import { type Command, Option } from "commander";
import { ConfigError } from "../../src/errors.js";
import { optimizerDefaults, optimizerNames, resolveOptimizerConfig } from "../../src/train/optim/config.js";
import type { OptimizerConfig, OptimizerName } from "../../src/train/optim/types.js";
import {
  type LrScheduleKind,
  type LrScheduleSpec,
  lrScheduleKinds,
  makeLrSchedule,
} from "../../src/train/schedules.js";
import { decimalInteger } from "./limits.js";

// `rnnlab train`'s optimizer and learning-rate schedule options: their flags, and the checked
// OptimizerConfig and LrScheduleSpec they give. An option for another optimizer or schedule than
// the one chosen is refused (one line), rather than ignored.

/** The raw values commander gives for these options. */
export interface OptimOptions {
  optimizer: string;
  lr: string;
  momentum?: string;
  nesterov?: boolean;
  weightDecay?: string;
  amsgrad?: boolean;
  alpha?: string;
  centered?: boolean;
  lrDecay?: string;
  initialAccumulator?: string;
  optimizerEps?: string;
  lrSchedule: string;
  warmup: string;
  lrStepSize: string;
  lrGamma?: string;
  minLr: string;
  lrMilestones?: string;
  maxLr?: string;
  pctStart?: string;
  anneal?: string;
  divFactor?: string;
  finalDivFactor?: string;
  restartPeriod?: string;
  restartMult?: string;
}

const SGD_MOMENTUM = 0.9;
const MULTISTEP_GAMMA = 0.1;
const STEP_GAMMA = 0.5;

/** Adds the options to `rnnlab train`, in help order. */
export function addOptimOptions(command: Command): Command {
  const defaults = (key: "weightDecay" | "eps", names: readonly OptimizerName[]) =>
    names.map((name) => `${name} ${(optimizerDefaults[name] as Record<string, unknown>)[key]}`).join(", ");
  return command
    .addOption(new Option("--optimizer <name>", "optimizer").choices(optimizerNames).default("adam"))
    .option("--lr <x>", "learning rate (onecycle: its peak unless --max-lr)", "0.005")
    .option("--momentum <x>", `momentum (sgd and rmsprop); default sgd ${SGD_MOMENTUM}, rmsprop 0`)
    .option("--nesterov", "sgd: Nesterov momentum")
    .option(
      "--weight-decay <x>",
      `weight decay (adamw: decoupled); default ${defaults("weightDecay", optimizerNames)}`,
    )
    .option("--amsgrad", "adam, adamw: AMSGrad (divide by the running maximum of v)")
    .option(
      "--alpha <x>",
      `rmsprop: smoothing constant of the mean square (${optimizerDefaults.rmsprop.alpha})`,
    )
    .option("--centered", "rmsprop: divide by the variance estimate, mean(g²) − mean(g)²")
    .option("--lr-decay <x>", "adagrad: step k uses lr / (1 + (k − 1)·x) (0)")
    .option("--initial-accumulator <x>", "adagrad: starting value of the sum of squares (0)")
    .option(
      "--optimizer-eps <x>",
      `epsilon added to the denominator; default ${defaults("eps", ["adam", "adamw", "rmsprop", "adagrad"])}`,
    )
    .addOption(
      new Option(
        "--lr-schedule <kind>",
        "learning-rate schedule; cosine and onecycle span --steps, or under --minutes the steps it holds at the pace measured before the first step",
      )
        .choices(lrScheduleKinds)
        .default("cosine"),
    )
    .option("--warmup <n>", "linear learning-rate warm-up steps (not with onecycle)", "0")
    .option("--lr-step-size <n>", "step schedule: steps between decays", "1000")
    .option(
      "--lr-gamma <x>",
      `decay factor: step (default ${STEP_GAMMA}), multistep (${MULTISTEP_GAMMA}), exponential (per step, required)`,
    )
    .option(
      "--lr-milestones <steps>",
      "multistep: the steps where the lr is multiplied by --lr-gamma, e.g. 1000,2000",
    )
    .option("--min-lr <x>", "cosine, cosine-restarts: lowest learning rate", "0")
    .option("--restart-period <n>", "cosine-restarts: steps of the first cycle (PyTorch's T_0)")
    .option("--restart-mult <n>", "cosine-restarts: each cycle is this many times longer (T_mult, 1)")
    .option("--max-lr <x>", "onecycle: peak learning rate (default --lr)")
    .option("--pct-start <x>", "onecycle: fraction of the steps spent rising (0.3)")
    .addOption(
      new Option("--anneal <how>", "onecycle: shape of both phases (cos)").choices(["cos", "linear"]),
    )
    .option("--div-factor <x>", "onecycle: the first lr is max-lr / x (25)")
    .option("--final-div-factor <x>", "onecycle: the last lr is the first / x (1e4)");
}

/** Which optimizers each optimizer-specific option applies to. */
const OPTIMIZER_OPTIONS: Partial<Record<keyof OptimOptions, readonly OptimizerName[]>> = {
  momentum: ["sgd", "rmsprop"],
  nesterov: ["sgd"],
  amsgrad: ["adam", "adamw"],
  alpha: ["rmsprop"],
  centered: ["rmsprop"],
  lrDecay: ["adagrad"],
  initialAccumulator: ["adagrad"],
  optimizerEps: ["adam", "adamw", "rmsprop", "adagrad"],
};

/** Which schedules each schedule-specific option (without a default of its own) applies to. */
const SCHEDULE_OPTIONS: Partial<Record<keyof OptimOptions, readonly LrScheduleKind[]>> = {
  lrGamma: ["step", "multistep", "exponential"],
  lrMilestones: ["multistep"],
  restartPeriod: ["cosine-restarts"],
  restartMult: ["cosine-restarts"],
  maxLr: ["onecycle"],
  pctStart: ["onecycle"],
  anneal: ["onecycle"],
  divFactor: ["onecycle"],
  finalDivFactor: ["onecycle"],
};

const kebab = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function refuseOthers<K extends string>(
  o: OptimOptions,
  table: Partial<Record<keyof OptimOptions, readonly K[]>>,
  chosen: K,
  flag: string,
): void {
  for (const [key, kinds] of Object.entries(table) as [keyof OptimOptions, readonly K[]][]) {
    if (o[key] !== undefined && !kinds.includes(chosen)) {
      throw new ConfigError(
        `${kebab(key)} applies to ${flag} ${kinds.join(", ")}, not ${flag} ${chosen}: drop it`,
      );
    }
  }
}

function num(value: string, flag: string, min: number, strict = false): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < min || (strict && x === min)) {
    throw new ConfigError(`${flag} must be a number ${strict ? ">" : ">="} ${min}, got '${value}'`);
  }
  return x;
}

function int(value: string, flag: string, min: number): number {
  const n = decimalInteger(value);
  // Safe integers only: a stored run config (zod's int) refuses 2^53, so --resume could not read it.
  if (!Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** An optional option's value: parse(value) when given, else nothing (the default applies). */
function given<T, K extends string>(
  value: string | undefined,
  key: K,
  parse: (v: string) => T,
): { [k in K]?: T } {
  return (value === undefined ? {} : { [key]: parse(value) }) as { [k in K]?: T };
}

/** The checked optimizer config of the options. */
export function optimizerFromOptions(o: OptimOptions): OptimizerConfig {
  const name = optimizerNames.find((known) => known === o.optimizer);
  if (name === undefined) {
    throw new ConfigError(`--optimizer must be one of ${optimizerNames.join(", ")}, got '${o.optimizer}'`);
  }
  refuseOthers(o, OPTIMIZER_OPTIONS, name, "--optimizer");
  const lr = num(o.lr, "--lr", 0);
  const weightDecay = given(o.weightDecay, "weightDecay", (v) => num(v, "--weight-decay", 0));
  const eps = given(o.optimizerEps, "eps", (v) => num(v, "--optimizer-eps", 0));
  const momentum = o.momentum === undefined ? undefined : num(o.momentum, "--momentum", 0);
  const config: OptimizerConfig = (() => {
    switch (name) {
      case "sgd":
        return {
          name,
          lr,
          momentum: momentum ?? SGD_MOMENTUM,
          nesterov: o.nesterov ?? false,
          ...weightDecay,
        };
      case "adam":
      case "adamw":
        return { name, lr, amsgrad: o.amsgrad ?? false, ...weightDecay, ...eps };
      case "rmsprop":
        return {
          name,
          lr,
          ...(momentum === undefined ? {} : { momentum }),
          ...given(o.alpha, "alpha", (v) => num(v, "--alpha", 0)),
          centered: o.centered ?? false,
          ...weightDecay,
          ...eps,
        };
      case "adagrad":
        return {
          name,
          lr,
          ...given(o.lrDecay, "lrDecay", (v) => num(v, "--lr-decay", 0)),
          ...given(o.initialAccumulator, "initialAccumulatorValue", (v) =>
            num(v, "--initial-accumulator", 0),
          ),
          ...weightDecay,
          ...eps,
        };
    }
  })();
  return resolveOptimizerConfig(config);
}

/** The checked schedule spec of the options; `steps` is the run's --steps (null under --minutes). */
export function lrScheduleFromOptions(o: OptimOptions, steps: number | null): LrScheduleSpec {
  const spec = scheduleSpec(o, steps);
  try {
    makeLrSchedule(spec, num(o.lr, "--lr", 0)); // the checks that involve several options
  } catch (error) {
    if (!(error instanceof ConfigError) || error.message.startsWith("--")) throw error;
    // "cosine schedule: minLr must be in [0, base lr = 0.005], got 10" →
    // "--lr-schedule cosine: minLr (--min-lr) must be in [0, base lr (--lr) = 0.005], got 10"
    let reason = error.message.replace(/^(lr|\w+) schedule: /, "");
    for (const [parameter, flag] of SCHEDULE_PARAMETER_FLAGS)
      reason = reason.replace(parameter, `${parameter} (${flag})`);
    throw new ConfigError(`--lr-schedule ${spec.kind}: ${reason}`);
  }
  return spec;
}

/** The flags of the parameters the schedules' own checks name. */
const SCHEDULE_PARAMETER_FLAGS = [
  ["minLr", "--min-lr"],
  ["base lr", "--lr"],
  ["pctStart", "--pct-start"],
  ["totalSteps", "--steps"],
] as const;

function scheduleSpec(o: OptimOptions, steps: number | null): LrScheduleSpec {
  const kind = lrScheduleKinds.find((known) => known === o.lrSchedule);
  if (kind === undefined) {
    throw new ConfigError(
      `--lr-schedule must be one of ${lrScheduleKinds.join(", ")}, got '${o.lrSchedule}'`,
    );
  }
  refuseOthers(o, SCHEDULE_OPTIONS, kind, "--lr-schedule");
  const warmup = int(o.warmup, "--warmup", 0);
  const gamma = (fallback: number | undefined) => {
    if (o.lrGamma !== undefined) return num(o.lrGamma, "--lr-gamma", 0, true);
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`--lr-schedule ${kind} needs --lr-gamma (the factor per step, e.g. 0.999)`);
  };
  const totalSteps = () => {
    if (steps === null)
      throw new ConfigError(`--lr-schedule ${kind} needs --steps (the length of the schedule)`);
    return steps;
  };
  const minLr = () => num(o.minLr, "--min-lr", 0);
  switch (kind) {
    case "constant":
      return { kind, warmup };
    case "step":
      return { kind, stepSize: int(o.lrStepSize, "--lr-step-size", 1), gamma: gamma(STEP_GAMMA), warmup };
    case "cosine":
      return { kind, totalSteps: totalSteps(), minLr: minLr(), warmup };
    case "exponential":
      return { kind, gamma: gamma(undefined), warmup };
    case "multistep":
      if (o.lrMilestones === undefined) {
        throw new ConfigError("--lr-schedule multistep needs --lr-milestones (steps, e.g. 1000,2000)");
      }
      return {
        kind,
        milestones: o.lrMilestones
          .split(",")
          .map((step) => int(step.trim(), "--lr-milestones: each step", 1)),
        gamma: gamma(MULTISTEP_GAMMA),
        warmup,
      };
    case "cosine-restarts":
      if (o.restartPeriod === undefined) {
        throw new ConfigError(
          "--lr-schedule cosine-restarts needs --restart-period (steps of the first cycle)",
        );
      }
      return {
        kind,
        period: int(o.restartPeriod, "--restart-period", 1),
        ...given(o.restartMult, "periodMult", (v) => int(v, "--restart-mult", 1)),
        minLr: minLr(),
        warmup,
      };
    case "onecycle":
      if (warmup !== 0) {
        throw new ConfigError(
          "--warmup does not apply to --lr-schedule onecycle: it rises over --pct-start of the steps",
        );
      }
      return {
        kind,
        totalSteps: totalSteps(),
        ...given(o.maxLr, "maxLr", (v) => num(v, "--max-lr", 0)),
        ...given(o.pctStart, "pctStart", (v) => num(v, "--pct-start", 0, true)),
        ...given(o.anneal, "anneal", (v) => (v === "linear" ? "linear" : "cos")),
        ...given(o.divFactor, "divFactor", (v) => num(v, "--div-factor", 0, true)),
        ...given(o.finalDivFactor, "finalDivFactor", (v) => num(v, "--final-div-factor", 0, true)),
      };
  }
}
