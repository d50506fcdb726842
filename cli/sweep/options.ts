// The options a trial's command takes, read from the command's own commander definition (so a spec
// is checked against exactly what `rnnlab train|lab|probe` accepts), and a parse of a trial's argv
// with the same definition that runs nothing.

import { Command, type Option } from "commander";
import * as lab from "../commands/lab.js";
import * as probe from "../commands/probe.js";
import * as train from "../commands/train.js";
import type { OptionValue, TrialCommand } from "./types.js";

const REGISTER: Record<TrialCommand, (program: Command) => void> = {
  train: train.register,
  lab: lab.register,
  probe: probe.register,
};

/** How one spec key maps onto the command line. */
export interface OptionShape {
  /** `--key <value>` (or `[value]`) exists. */
  takesValue: boolean;
  /** `--key` alone is accepted (a flag, or an optional value). */
  flag: boolean;
  /** `--no-key` exists. */
  negated: boolean;
}

/** A fresh `rnnlab` with only `command` registered: errors thrown (exitOverride), nothing printed,
 *  every action a no-op, so a parse only checks. */
export function checkingProgram(command: TrialCommand): Command {
  const program = new Command("rnnlab")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  REGISTER[command](program);
  disarm(program);
  return program;
}

function disarm(command: Command): void {
  for (const sub of command.commands) {
    sub.action(() => {});
    disarm(sub);
  }
}

/** The command a spec's options belong to: train, lab, probe, or probe's subcommand `probeName`
 *  when probe has subcommands. Null: probe has subcommands and none is called `probeName`. */
export function optionCommand(command: TrialCommand, probeName?: string): Command | null {
  const top = checkingProgram(command).commands[0];
  if (command !== "probe" || top.commands.length === 0) return top;
  return top.commands.find((sub) => sub.name() === probeName) ?? null;
}

/** Probe names, when probe declares them (as subcommands or its first argument's choices). */
export function probeNames(): string[] | null {
  const top = checkingProgram("probe").commands[0];
  if (top.commands.length > 0) return top.commands.map((sub) => sub.name());
  return top.registeredArguments[0]?.argChoices ?? null;
}

/** Each key a spec may give (`hidden` for --hidden <n>, `clip` for --no-clip, `no-clip` too). */
export function optionShapes(command: Command): Map<string, OptionShape> {
  const shapes = new Map<string, OptionShape>();
  const shapeOf = (key: string) => {
    let shape = shapes.get(key);
    if (shape === undefined) {
      shape = { takesValue: false, flag: false, negated: false };
      shapes.set(key, shape);
    }
    return shape;
  };
  for (const option of command.options) {
    const key = longName(option);
    if (key === null) continue;
    if (option.negate) {
      shapeOf(key.slice("no-".length)).negated = true;
      shapeOf(key).flag = true;
    } else {
      const shape = shapeOf(key);
      shape.takesValue = option.required || option.optional;
      shape.flag = !option.required; // `--key [value]` may also be given alone
    }
  }
  return shapes;
}

function longName(option: Option): string | null {
  return option.long?.startsWith("--") ? option.long.slice(2) : null;
}

/** The argv of one option: `--key value`; a flag's true is `--key` and false `--no-key`, and a value
 *  a flag cannot be given (true with only --no-key, false with no --no-key) is its default: nothing. */
export function optionArgv(key: string, value: OptionValue, shape: OptionShape | undefined): string[] {
  if (value === true) return shape === undefined || shape.flag ? [`--${key}`] : [];
  if (value === false) return shape === undefined || shape.negated ? [`--no-${key}`] : [];
  return [`--${key}`, String(value)];
}
