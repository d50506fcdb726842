// A spec's trials: grid combinations × random samples × seeds, in the order written, each with its
// command line and a key that stays the same for the same trial in any run of the same spec.

import { Rng } from "../../src/random.js";
import { hashOf } from "./canonical.js";
import { optionArgv, optionCommand, type OptionShape, optionShapes } from "./options.js";
import { PROBE_NAME_KEY } from "./spec-options.js";
import type { Distribution, OptionValue, SweepSpec, Trial } from "./types.js";

type Params = Record<string, OptionValue>;

/** Significant digits kept of a sampled real, so keys and tables stay readable. */
const SAMPLE_DIGITS = 4;

export function expandTrials(spec: SweepSpec): Trial[] {
  const shapes = specShapes(spec);
  const samples = randomSamples(spec);
  const trials: Trial[] = [];
  const keys = new Set<string>();
  for (const combination of gridCombinations(spec.grid)) {
    for (const sample of samples) {
      for (const seed of spec.seeds) {
        const trial = makeTrial(spec, { ...combination, ...sample }, seed, shapes);
        // Two samples of an int or a choice may coincide: the same trial runs once.
        if (keys.has(trial.key)) continue;
        keys.add(trial.key);
        trials.push(trial);
      }
    }
  }
  return spec.budget.trials === null ? trials : trials.slice(0, spec.budget.trials);
}

/** `<name>-<8 hex>`: the name in letters, digits, '-' and '_', and a hash of what the sweep is (its
 *  pool size and budget left out, so a rerun with other caps resumes the same sweep). */
export function sweepId(spec: SweepSpec): string {
  const what = { ...spec, parallel: null, budget: null };
  const name = spec.name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "sweep";
  return `${name}-${hashOf(what).slice(0, 8)}`;
}

/** "t" + 12 hex of the SHA-256 of {command, fixed, params, seed}. */
export function trialKey(spec: SweepSpec, params: Params, seed: number): string {
  return `t${hashOf({ command: spec.command, fixed: spec.fixed, params, seed }).slice(0, 12)}`;
}

function makeTrial(spec: SweepSpec, varying: Params, seed: number, shapes: Map<string, OptionShape>): Trial {
  const { command, fixed } = spec;
  const head: string[] = command === "probe" ? ["probe", String(fixed[PROBE_NAME_KEY])] : [command];
  const options = Object.entries({ ...fixed, ...varying }).filter(
    ([key]) => !(command === "probe" && key === PROBE_NAME_KEY),
  );
  const argv = [
    ...head,
    ...options.flatMap(([key, value]) => optionArgv(key, value, shapes.get(key))),
    "--seed",
    String(seed),
  ];
  const params = { ...varying, seed };
  return { key: trialKey(spec, params, seed), command, params, seed, argv };
}

/** Every combination of the grid's values, the first key varying slowest; [{}] for no grid. */
export function gridCombinations(grid: Record<string, OptionValue[]>): Params[] {
  let combinations: Params[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    combinations = combinations.flatMap((c) => values.map((value) => ({ ...c, [key]: value })));
  }
  return combinations;
}

/** `spec.trials` draws of every random option, from an Rng seeded by a hash of the search space
 *  (the same spec draws the same values); [{}] for no random. */
export function randomSamples(spec: SweepSpec): Params[] {
  const entries = Object.entries(spec.random);
  if (entries.length === 0) return [{}];
  const space = {
    command: spec.command,
    fixed: spec.fixed,
    grid: spec.grid,
    random: spec.random,
    trials: spec.trials,
  };
  const rng = new Rng(Number.parseInt(hashOf(space).slice(0, 8), 16));
  return Array.from({ length: spec.trials }, () =>
    Object.fromEntries(entries.map(([key, distribution]) => [key, draw(rng, distribution)])),
  );
}

export function draw(rng: Rng, distribution: Distribution): OptionValue {
  switch (distribution.kind) {
    case "uniform":
      return rounded(rng.uniformIn(distribution.low, distribution.high));
    case "log-uniform":
      return rounded(Math.exp(rng.uniformIn(Math.log(distribution.low), Math.log(distribution.high))));
    case "int":
      return distribution.low + rng.int(distribution.high - distribution.low + 1);
    case "choice":
      return distribution.values[rng.int(distribution.values.length)];
  }
}

function rounded(x: number): number {
  return Number(x.toPrecision(SAMPLE_DIGITS));
}

function specShapes(spec: SweepSpec): Map<string, OptionShape> {
  const name = spec.command === "probe" ? String(spec.fixed[PROBE_NAME_KEY]) : undefined;
  const command = optionCommand(spec.command, name);
  return command === null ? new Map() : optionShapes(command);
}
