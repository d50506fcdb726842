import { type Command, Option } from "commander";
import { ConfigError } from "../../src/errors.js";
import type { PlateauOptions } from "../../src/fit/plateau.js";
import type { TaskModelOptions } from "../../src/fit/task.js";
import { type FitTaskName, fitTaskNames, fitTasks } from "../../src/fit/tasks.js";
import type { OptimizerConfig } from "../../src/train/optimizers.js";
import type { LrScheduleSpec } from "../../src/train/schedules.js";
import type { ClipSpec } from "../../src/train/trainer.js";
import { UserError } from "../errors.js";
import { layerOptionsFromOptions } from "./layer-spec.js";
import { lrScheduleFromOptions } from "./optim-spec.js";
import { integer, number, specFromOptions, type TrainOptions } from "./spec.js";

// `rnnlab train --task classify|tag|forecast`: the flags only tasks take, the refusal of flags
// given to the wrong task (or to the language model), and the checked run spec of a task run.
// The model, optimizer and clipping flags are the language model's, checked by specFromOptions.

export const TASK_CHOICES = ["lm", ...fitTaskNames] as const;

/** The task options' flags, by the option name the task's parse takes. */
const TASK_FLAGS = ["tokens", "target", "features", "horizon", "window", "season"] as const;
/** Flags only task runs take. */
const TASK_ONLY = ["epochs", "patience", "reduceOnPlateau", "plateauFactor", "plateauPatience"];
/** Flags only a language model takes (a task has its own data format, batching and budget). */
const LM_ONLY = [
  "tokenizer",
  "maxVocab",
  "oracle",
  "oneHot",
  "seqLen",
  "mode",
  "prefix",
  "schedule",
  "k",
  "c",
  "epsMin",
  "eps",
  "pick",
  "minutes",
  "threads",
  "valBatches",
  "sampleLength",
  "resume",
  // The divergence guard watches a language model's run; a task run keeps its best validation
  // checkpoint, so a diverging task run never overwrites a sane one.
  "divergenceFactor",
  "divergenceGuard",
];

export interface TaskFlagValues {
  task: string;
  tokens?: string;
  target?: string;
  features?: string;
  horizon?: string;
  window?: string;
  season?: string;
  epochs?: string;
  patience?: string;
  reduceOnPlateau?: boolean;
  plateauFactor?: string;
  plateauPatience?: string;
}

/** Adds --task and the task flags to `rnnlab train`. */
export function addTaskOptions(command: Command): Command {
  const forTask = (name: string) =>
    fitTaskNames.filter((task) => fitTasks[task].optionNames.includes(name)).join(", ");
  return command
    .addOption(
      new Option(
        "--task <task>",
        `lm: next-token language model on a text; ${fitTaskNames.map((t) => `${t}: ${fitTasks[t].description}`).join("; ")}`,
      )
        .choices(TASK_CHOICES)
        .default("lm"),
    )
    .addOption(
      new Option(
        "--tokens <kind>",
        `${forTask("tokens")}: text is split into characters or words (char)`,
      ).choices(["char", "word"]),
    )
    .option("--target <column>", `${forTask("target")}: the CSV column to forecast (default: the only one)`)
    .option("--features <columns>", `${forTask("features")}: further input columns, comma-separated (none)`)
    .option(
      "--horizon <n>",
      `${forTask("horizon")}: steps forecast ahead from each origin, and by predict (1)`,
    )
    .option("--window <n>", `${forTask("window")}: steps of history the model reads (24)`)
    .option("--season <m>", `${forTask("season")}: season length for the seasonal-naive baseline (none)`)
    .option("--epochs <n>", "tasks: passes over the training data (20)")
    .option("--patience <n>", "tasks: stop after n validations in a row without improvement")
    .option("--reduce-on-plateau", "tasks: divide the lr by 1/--plateau-factor when validation stalls")
    .option("--plateau-factor <x>", "tasks, --reduce-on-plateau: new lr = lr · x (0.5)")
    .option(
      "--plateau-patience <n>",
      "tasks, --reduce-on-plateau: validations without improvement before a cut (2)",
    );
}

const kebab = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Refuses a task flag given to a language model (call when --task is lm). */
export function refuseTaskFlagsForLm(explicit: (name: string) => boolean): void {
  const given = [...TASK_FLAGS, ...TASK_ONLY].find(explicit);
  if (given === undefined) return;
  const tasks = (TASK_FLAGS as readonly string[]).includes(given)
    ? fitTaskNames.filter((t) => fitTasks[t].optionNames.includes(given))
    : fitTaskNames;
  throw new UserError(
    `${kebab(given)} is an option of --task ${tasks.join("|")}, not of the language model (--task lm): drop it or give --task`,
  );
}

/** Everything a task run needs, checked; the model's sizes not given fall back to the task's
 *  suggestion for the data (filled in by the run, which has read it). */
export interface TaskSpec {
  task: FitTaskName;
  data: string;
  taskOptions: Record<string, unknown>;
  valFraction: number;
  /** The model flags given; cell, hiddenSize and embeddingSize absent when not given. */
  model: Partial<TaskModelOptions>;
  optimizer: OptimizerConfig;
  clip: ClipSpec;
  epochs: number;
  steps: number | null;
  batchSize: number;
  evalEvery: number | null;
  patience: number | null;
  reduceOnPlateau: Omit<PlateauOptions, "mode"> | null;
  seed: number;
  /** The checked lr schedule of a run of `totalSteps` updates. */
  lrSchedule: (totalSteps: number) => LrScheduleSpec;
}

export const TASK_DEFAULTS = { epochs: 20, lr: 0.01, plateauFactor: 0.5, plateauPatience: 2 };
/** The options that suit each task's bundled data set (data/README.md) when --data is not given. */
const BUNDLED_OPTIONS: Record<FitTaskName, Record<string, unknown>> = {
  classify: {},
  tag: {},
  forecast: { target: "sunspots", season: 11 },
};
/** Forecast holds out the last fifth, classify and tag a random tenth. */
const VAL_FRACTION: Record<FitTaskName, number> = { classify: 0.1, tag: 0.1, forecast: 0.2 };

/** The checked spec of a task run from the flags; one line (UserError or ConfigError) for a flag
 *  the task does not take. `o` holds every flag, `explicit` says which the user gave. */
export function taskSpecFromOptions(
  o: TrainOptions & TaskFlagValues,
  explicit: (name: string) => boolean,
  bundled: (task: FitTaskName) => string,
): TaskSpec {
  const task = fitTaskNames.find((name) => name === o.task);
  if (task === undefined)
    throw new ConfigError(`--task must be one of ${TASK_CHOICES.join(", ")}, got '${o.task}'`);
  const lmOnly = LM_ONLY.find(explicit);
  if (lmOnly !== undefined) {
    throw new UserError(
      `${kebab(lmOnly)} is an option of the language model (--task lm), not of --task ${task}: drop it`,
    );
  }
  const taskOptions = taskOptionsOf(task, o, explicit);
  if (!explicit("data")) Object.assign(taskOptions, { ...BUNDLED_OPTIONS[task], ...taskOptions });
  if (o.bidirectional && task === "forecast") {
    throw new UserError(
      "--bidirectional: a forecast model reads the past only (a reverse direction would see the future it predicts); drop it",
    );
  }
  if (explicit("embedding") && task === "forecast") {
    throw new UserError("--embedding: a forecast model reads numbers, not tokens; drop it");
  }
  // The language model's checks of the model, optimizer and clipping flags; bidirectional and the
  // schedule (which needs the run's length, known once the data is read) are checked apart.
  const checked = specFromOptions(
    { ...o, ...WITHOUT_SCHEDULE, bidirectional: undefined, steps: undefined },
    explicit,
  );
  const { embedding, ...rest } = checked.model;
  const model: Partial<TaskModelOptions> = { ...rest, ...layerOptionsFromOptions(o, task) };
  if (!explicit("cell")) delete model.cell;
  if (!explicit("hidden")) delete model.hiddenSize;
  if (explicit("embedding") && typeof embedding === "number") model.embeddingSize = embedding;
  const optimizer = explicit("lr") ? checked.optimizer : { ...checked.optimizer, lr: TASK_DEFAULTS.lr };
  return {
    task,
    data: explicit("data") ? o.data : bundled(task),
    taskOptions,
    valFraction: explicit("valFraction")
      ? number(o.valFraction, "--val-fraction", (x) => x > 0 && x < 1, "in (0, 1)")
      : VAL_FRACTION[task],
    model,
    optimizer,
    clip: checked.clip,
    epochs: o.epochs === undefined ? TASK_DEFAULTS.epochs : integer(o.epochs, "--epochs"),
    steps: o.steps === undefined ? null : integer(o.steps, "--steps"),
    batchSize: integer(o.batch, "--batch"),
    evalEvery: explicit("evalEvery") ? integer(o.evalEvery, "--eval-every") : null,
    patience: o.patience === undefined ? null : integer(o.patience, "--patience"),
    reduceOnPlateau: plateauOf(o),
    seed: checked.seed,
    lrSchedule: (totalSteps) => lrScheduleFromOptions({ ...o, lr: String(optimizer.lr) }, totalSteps),
  };
}

/** The schedule options at their defaults, for the checks that do not concern the schedule. */
const WITHOUT_SCHEDULE = {
  lrSchedule: "constant",
  warmup: "0",
  lrGamma: undefined,
  lrMilestones: undefined,
  restartPeriod: undefined,
  restartMult: undefined,
  maxLr: undefined,
  pctStart: undefined,
  anneal: undefined,
  divFactor: undefined,
  finalDivFactor: undefined,
};

function taskOptionsOf(
  task: FitTaskName,
  o: TaskFlagValues,
  explicit: (name: string) => boolean,
): Record<string, unknown> {
  const takes = fitTasks[task].optionNames;
  const wrong = TASK_FLAGS.find((name) => explicit(name) && !takes.includes(name));
  if (wrong !== undefined) {
    const owners = fitTaskNames.filter((t) => fitTasks[t].optionNames.includes(wrong));
    const own = takes.length > 0 ? `its options are ${takes.map(kebab).join(", ")}` : "it takes none";
    throw new UserError(
      `${kebab(wrong)} is an option of --task ${owners.join("|")}, not of --task ${task} (${own}): drop it`,
    );
  }
  const options: Record<string, unknown> = {};
  if (o.tokens !== undefined) options.tokens = o.tokens;
  if (o.target !== undefined) options.target = o.target;
  if (o.features !== undefined) {
    options.features = o.features
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "");
  }
  for (const name of ["horizon", "window", "season"] as const) {
    const value = o[name];
    if (value !== undefined) options[name] = integer(value, kebab(name));
  }
  return options;
}

function plateauOf(o: TaskFlagValues): Omit<PlateauOptions, "mode"> | null {
  if (!o.reduceOnPlateau) {
    const stray = (["plateauFactor", "plateauPatience"] as const).find((name) => o[name] !== undefined);
    if (stray) throw new UserError(`${kebab(stray)} tunes --reduce-on-plateau: give that too, or drop it`);
    return null;
  }
  return {
    factor:
      o.plateauFactor === undefined
        ? TASK_DEFAULTS.plateauFactor
        : number(o.plateauFactor, "--plateau-factor", (x) => x > 0 && x < 1, "in (0, 1)"),
    patience:
      o.plateauPatience === undefined
        ? TASK_DEFAULTS.plateauPatience
        : integer(o.plateauPatience, "--plateau-patience", 0),
  };
}
