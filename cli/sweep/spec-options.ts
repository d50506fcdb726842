// A spec's options checked against the trial command's own definition: each key a long option of
// that command, flags given true/false and the rest a value, none that the sweep sets itself, none
// given twice.

import { optionCommand, type OptionShape, optionShapes, probeNames } from "./options.js";
import type { Fail } from "./spec-values.js";
import { didYouMean } from "./suggest.js";
import type { Distribution, OptionValue, TrialCommand } from "./types.js";

/** Options every trial gets from the sweep (its folder, its summary, the store, its seed). */
export const SWEEP_OWNED = ["out", "json", "force", "resume", "store", "no-store", "seed"];

/** In a probe block, `name` is the probe (rnnlab probe <name>), not an option. */
export const PROBE_NAME_KEY = "name";

export function checkOptions(
  command: TrialCommand,
  fixed: Record<string, OptionValue>,
  grid: Record<string, OptionValue[]>,
  random: Record<string, Distribution>,
  fail: Fail,
): void {
  const options = { ...fixed };
  if (command === "probe") delete options[PROBE_NAME_KEY];
  const shapes = commandShapes(command, fixed, fail);
  const place = new Map<string, string>();
  const check = (where: string, key: string, values: readonly OptionValue[] | null) => {
    const path = `${where}.${key}`;
    if (command === "probe" && key === PROBE_NAME_KEY)
      fail(`${path}: the probe's name goes in the probe block (probe: { name: ... })`);
    if (key === "seed") fail(`${path}: the sweep sets --seed: give seeds: [1, 2, ...] instead`);
    if (SWEEP_OWNED.includes(key)) fail(`${path}: the sweep sets --${key} itself: remove it`);
    const shape = shapes.get(key);
    if (shape === undefined) {
      const known = [...shapes.keys()].filter((k) => !SWEEP_OWNED.includes(k));
      fail(`${path} is not an option of rnnlab ${commandName(command, fixed)}${didYouMean(key, known)}`);
    }
    checkValues(path, key, shape, values, fail);
    const earlier = place.get(key);
    if (earlier !== undefined) fail(`${key} is in both ${earlier} and ${where}: give it in one place`);
    place.set(key, where);
  };
  for (const [key, value] of Object.entries(options)) check(command, key, [value]);
  for (const [key, values] of Object.entries(grid)) check("grid", key, values);
  for (const [key, dist] of Object.entries(random))
    check("random", key, dist.kind === "choice" ? dist.values : null);
}

/** Flags take true/false; options with a value take a number or a string (`values` null: numbers
 *  drawn from a distribution). */
function checkValues(
  path: string,
  key: string,
  shape: OptionShape,
  values: readonly OptionValue[] | null,
  fail: Fail,
): void {
  const flagOnly = !shape.takesValue;
  const valueOnly = !shape.flag && !shape.negated;
  for (const value of values ?? [0]) {
    if (typeof value === "boolean" && valueOnly)
      fail(`${path} takes a value (--${key} <value>), not ${value}`);
    if (typeof value !== "boolean" && flagOnly) {
      fail(
        `${path} is a flag: give true (--${key}) or false${shape.negated ? ` (--no-${key})` : ""}, not ${value}`,
      );
    }
  }
}

function commandShapes(
  command: TrialCommand,
  fixed: Record<string, OptionValue>,
  fail: Fail,
): Map<string, OptionShape> {
  if (command !== "probe")
    return optionShapes(optionCommand(command) ?? fail(`rnnlab ${command} is missing`));
  const name = fixed[PROBE_NAME_KEY];
  const names = probeNames();
  if (typeof name !== "string") {
    fail(`probe.name is missing: name the probe (probe: { name: ${names?.[0] ?? "gradient-ratio"}, ... })`);
  }
  if (names !== null && !names.includes(name)) {
    fail(`probe.name '${name}' is not a probe${didYouMean(name, names)}; the probes are ${names.join(", ")}`);
  }
  const probe = optionCommand("probe", name);
  return probe === null ? fail(`probe.name '${name}' is not a probe`) : optionShapes(probe);
}

function commandName(command: TrialCommand, fixed: Record<string, OptionValue>): string {
  return command === "probe" ? `probe ${String(fixed[PROBE_NAME_KEY])}` : command;
}
