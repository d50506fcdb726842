// The sweep spec (`rnnlab sweep SPEC.yaml`): YAML (JSON is YAML) with keys named after the CLI's long
// options. Every mistake is one line naming the file and the key and saying how to fix it, before any
// trial runs.

import { basename, extname } from "node:path";
import { CommanderError } from "commander";
import { parse } from "yaml";
import { UserError } from "../errors.js";
import { checkingProgram } from "./options.js";
import { checkOptions } from "./spec-options.js";
import {
  type Fail,
  type Mapping,
  isMapping,
  readDistribution,
  readGridValues,
  readInteger,
  readMapping,
  readPositive,
  readScalar,
  readSeeds,
  readString,
} from "./spec-values.js";
import { didYouMean } from "./suggest.js";
import type { Distribution, OptionValue, SweepSpec, TrialCommand } from "./types.js";

export const COMMANDS: readonly TrialCommand[] = ["train", "lab", "probe"];

export const SPEC_KEYS = [
  "name",
  ...COMMANDS,
  "grid",
  "random",
  "trials",
  "seeds",
  "metric",
  "goal",
  "budget",
  "asha",
  "parallel",
  "artefacts",
];

/** Samples of `random` when `trials` is not given. */
export const DEFAULT_RANDOM_TRIALS = 10;

export function parseSweepSpec(text: string, file: string): SweepSpec {
  const fail: Fail = (message) => {
    throw new UserError(`${file}: ${message}`);
  };
  const root = readYaml(text, fail);
  for (const key of Object.keys(root)) {
    if (!SPEC_KEYS.includes(key)) {
      fail(`unknown key '${key}'${didYouMean(key, SPEC_KEYS)}; the keys are ${SPEC_KEYS.join(", ")}`);
    }
  }
  const command = readCommand(root, fail);
  const fixed = readFixed(root[command], command, fail);
  const grid = readGrid(root.grid, fail);
  const random = readRandom(root.random, fail);
  checkOptions(command, fixed, grid, random, fail);
  const metric =
    root.metric === undefined ? fail(missingMetric(command)) : readString(root.metric, "metric", fail);
  const spec: SweepSpec = {
    name: root.name === undefined ? basename(file, extname(file)) : readString(root.name, "name", fail),
    command,
    fixed,
    grid,
    random,
    trials: readTrials(root.trials, Object.keys(random).length > 0, fail),
    seeds: root.seeds === undefined ? [1] : readSeeds(root.seeds, fail),
    metric,
    goal: readGoal(root.goal, fail),
    budget: readBudget(root.budget, fail),
    asha: null,
    parallel: root.parallel === undefined ? null : readInteger(root.parallel, "parallel", fail, 1),
    artefacts: root.artefacts === undefined ? null : readString(root.artefacts, "artefacts", fail),
  };
  spec.asha = root.asha === undefined ? null : readAsha(root.asha, spec, fail);
  return spec;
}

/** Parses a trial's argv as `rnnlab` would, running nothing: a value commander rejects (a choice
 *  not offered, an unknown option, a flag given a value) fails here, before any trial runs. */
export function checkTrialArgv(argv: string[]): void {
  const command = COMMANDS.find((c) => c === argv[0]);
  const trial = `the trial 'rnnlab ${argv.join(" ")}'`;
  if (command === undefined) throw new UserError(`${trial}: not a train, lab or probe command`);
  try {
    checkingProgram(command).parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError || error instanceof UserError) {
      throw new UserError(`${trial}: ${commanderLine(error.message)}`);
    }
    throw error;
  }
}

/** Commander's message as one line, without its "error: " prefix. */
function commanderLine(message: string): string {
  return message
    .trim()
    .replace(/^error: /, "")
    .replace(/\s*\n\s*\(Did you mean/, " (did you mean")
    .replace(/\s*\n+\s*/g, " ");
}

function readYaml(text: string, fail: Fail): Mapping {
  let root: unknown;
  try {
    root = parse(text);
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return fail(`not valid YAML: ${first}`);
  }
  if (!isMapping(root)) {
    return fail(
      "must be a mapping of keys (train: {...}, grid: {...}, metric: ...), not a list or a single value",
    );
  }
  return root;
}

function readCommand(root: Mapping, fail: Fail): TrialCommand {
  const given = COMMANDS.filter((command) => root[command] !== undefined);
  if (given.length === 0) {
    fail(
      "names no command: give one of train: {...}, lab: {...} or probe: { name: ..., ... } with the fixed options",
    );
  }
  if (given.length > 1) fail(`gives both ${given[0]} and ${given[1]}: a sweep runs one command, keep one`);
  return given[0];
}

function readFixed(value: unknown, command: TrialCommand, fail: Fail): Record<string, OptionValue> {
  const block = value === null ? {} : readMapping(value, command, fail);
  return Object.fromEntries(
    Object.entries(block).map(([key, v]) => [key, readScalar(v, `${command}.${key}`, fail)]),
  );
}

function readGrid(value: unknown, fail: Fail): Record<string, OptionValue[]> {
  if (value === undefined) return {};
  const grid = readMapping(value, "grid", fail);
  return Object.fromEntries(
    Object.entries(grid).map(([key, v]) => [key, readGridValues(v, `grid.${key}`, fail)]),
  );
}

function readRandom(value: unknown, fail: Fail): Record<string, Distribution> {
  if (value === undefined) return {};
  const random = readMapping(value, "random", fail);
  return Object.fromEntries(
    Object.entries(random).map(([key, v]) => [key, readDistribution(v, `random.${key}`, fail)]),
  );
}

function readTrials(value: unknown, hasRandom: boolean, fail: Fail): number {
  if (value === undefined) return hasRandom ? DEFAULT_RANDOM_TRIALS : 0;
  if (!hasRandom)
    fail("trials counts samples of random, which this spec does not have: add random, or remove trials");
  return readInteger(value, "trials", fail, 1);
}

function readGoal(value: unknown, fail: Fail): "min" | "max" {
  if (value === undefined || value === "min" || value === "max") return value ?? "min";
  return fail(`goal must be min or max, not ${String(value)}`);
}

function readBudget(value: unknown, fail: Fail): SweepSpec["budget"] {
  const budget: SweepSpec["budget"] = { trials: null, minutes: null };
  if (value === undefined) return budget;
  for (const [key, v] of Object.entries(readMapping(value, "budget", fail))) {
    if (key === "trials") budget.trials = readInteger(v, "budget.trials", fail, 1);
    else if (key === "minutes") budget.minutes = readPositive(v, "budget.minutes", fail);
    else
      fail(
        `unknown key budget.${key}${didYouMean(key, ["trials", "minutes"])}; budget takes trials and minutes`,
      );
  }
  return budget;
}

const ASHA_METRIC = "valLoss";

function readAsha(value: unknown, spec: SweepSpec, fail: Fail): SweepSpec["asha"] {
  const asha = readMapping(value, "asha", fail);
  for (const key of Object.keys(asha)) {
    if (key !== "min-steps" && key !== "eta") {
      fail(`unknown key asha.${key}${didYouMean(key, ["min-steps", "eta"])}; asha takes min-steps and eta`);
    }
  }
  if (spec.command !== "train")
    fail(`asha stops train runs early; a ${spec.command} sweep cannot use it: remove asha`);
  if (spec.metric !== ASHA_METRIC) {
    fail(
      `asha ranks trials by ${ASHA_METRIC} at each rung, but metric is ${spec.metric}: use metric: ${ASHA_METRIC} or remove asha`,
    );
  }
  const minSteps = readInteger(asha["min-steps"], "asha.min-steps", fail, 1);
  const eta = asha.eta === undefined ? 3 : Number(asha.eta);
  if (!Number.isFinite(eta) || eta < 2)
    fail(`asha.eta must be a number >= 2 (3 keeps the best third), not ${String(asha.eta)}`);
  const steps = maxSteps(spec);
  if (steps === null)
    fail("asha needs train.steps (or steps in grid or random): its rungs lie below a trial's last step");
  if (minSteps >= steps)
    fail(`asha.min-steps ${minSteps} is not below the trials' steps (${steps}): no rung to stop at`);
  return { minSteps, eta };
}

/** The most steps any trial trains for, or null when the spec gives no steps. */
export function maxSteps(spec: SweepSpec): number | null {
  const candidates: number[] = [];
  if (spec.fixed.steps !== undefined) candidates.push(Number(spec.fixed.steps));
  for (const value of spec.grid.steps ?? []) candidates.push(Number(value));
  const random = spec.random.steps;
  if (random?.kind === "choice") candidates.push(...random.values.map(Number));
  else if (random !== undefined) candidates.push(random.high);
  const finite = candidates.filter(Number.isFinite);
  return finite.length === 0 ? null : Math.max(...finite);
}

function missingMetric(command: TrialCommand): string {
  const example =
    command === "train" ? "valLoss" : command === "probe" ? "the probe's summary key" : "a key of its --json";
  return `metric is missing: name the summary key to optimise (metric: ${example}; goal: min or max)`;
}
