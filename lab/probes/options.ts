// Reading a probe's options from the command line's strings: each checked against its spec, with a
// one-line ConfigError that names the flag, the accepted values and what was given.

import { ConfigError } from "../../src/index.js";
import type { OptionSpec, OptionValue, OptionValues, Probe } from "./types.js";

/** The decimal forms accepted: 12, -0.5, 1e-3, .25 (Number() alone also reads "0x10", "" and " "). */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function parseOption(spec: OptionSpec, raw: string): OptionValue {
  const { type } = spec;
  const flag = `--${spec.name}`;
  if (type.kind === "choice") {
    if (type.choices.includes(raw)) return raw;
    throw new ConfigError(`${flag} must be one of ${type.choices.join(", ")}, got '${raw}'`);
  }
  const n = NUMBER.test(raw) ? Number(raw) : Number.NaN;
  const integer = type.kind === "integer";
  if ((integer && !Number.isInteger(n)) || !(n >= type.min && n <= type.max)) {
    const what = integer ? "an integer" : "a number";
    throw new ConfigError(`${flag} must be ${what} from ${type.min} to ${type.max}, got '${raw}'`);
  }
  return n;
}

/** Every option of `probe`: the given string read, else its default; a required one missing throws. */
export function readOptions(probe: Probe, raw: Readonly<Record<string, string | undefined>>): OptionValues {
  const values = new Map<string, OptionValue>();
  for (const spec of probe.options) {
    const given = raw[spec.name];
    if (given !== undefined) values.set(spec.name, parseOption(spec, given));
    else if (spec.default !== undefined) values.set(spec.name, spec.default);
    else throw new ConfigError(`probe ${probe.name} needs --${spec.name} (${spec.description})`);
  }
  return values;
}

export function numberOption(values: OptionValues, name: string): number {
  const value = values.get(name);
  if (typeof value !== "number") throw new ConfigError(`option --${name} has no number`);
  return value;
}

/** A choice option's value, typed by its list of choices. */
export function choiceOption<C extends string>(values: OptionValues, name: string, choices: readonly C[]): C {
  const value = values.get(name);
  const found = choices.find((c) => c === value);
  if (found === undefined) throw new ConfigError(`option --${name} must be one of ${choices.join(", ")}`);
  return found;
}

export const seedOption: OptionSpec = {
  name: "seed",
  description: "random seed of the net, its inputs and data",
  type: { kind: "integer", min: 0, max: 0xffffffff },
};
