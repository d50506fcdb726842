import { Command } from "commander";
import { register } from "../../cli/commands/train.js";
import { specFromOptions, type TrainOptions, type TrainSpec } from "../../cli/train/spec.js";

/** The spec of `rnnlab train ARGS` as the command builds it: commander parses the flags, and the
 *  flags on the command line are the given ones (for the conflicts among flags with defaults). */
export function trainSpec(args: string[]): TrainSpec {
  const program = new Command("rnnlab").exitOverride();
  register(program);
  const train = program.commands.find((c) => c.name() === "train") as Command;
  train.parseOptions(args);
  return specFromOptions(train.opts<TrainOptions>(), (name) => train.getOptionValueSource(name) === "cli");
}
