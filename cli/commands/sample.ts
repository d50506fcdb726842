import { type Command, Option } from "commander";
import { Rng } from "../../src/random.js";
import { sampleText } from "../../src/train/trainer.js";
import { loadTrainedModel } from "../checkpoint-arg.js";
import { UserError } from "../errors.js";
import { integer, number } from "../train/spec.js";

interface SampleOptions {
  prime: string;
  length: string;
  temperature: string;
  topK: string;
  seed: string;
}

export function register(program: Command): void {
  program
    .command("sample")
    .description("generate text from a trained model (a checkpoint file or a run folder)")
    .argument("<checkpoint>", "checkpoint.safetensors or the run folder holding it")
    .addOption(new Option("--prime <text>", "text to start from").default("\n", "a newline"))
    .option("--length <n>", "tokens to generate", "500")
    .option("--temperature <t>", "divide the logits by t before sampling (lower: more conservative)", "0.8")
    .option("--top-k <k>", "sample only among the k most likely tokens (0: all)", "0")
    .option("--seed <n>", "random seed", "1")
    .action((checkpoint: string, options: SampleOptions) => {
      const length = integer(options.length, "--length");
      const temperature = number(options.temperature, "--temperature", (t) => t > 0, "> 0");
      const topK = integer(options.topK, "--top-k", 0);
      const { model, tokenizer } = loadTrainedModel(checkpoint);
      if (options.prime.length === 0) throw new UserError("--prime must not be empty");
      const prime = tokenizer.encode(options.prime);
      if (prime.length === 0)
        throw new UserError(`--prime '${options.prime}' has no ${tokenizer.kind} tokens`);
      const tokens = sampleText(model, prime, length, new Rng(integer(options.seed, "--seed", 0)), {
        temperature,
        topK,
      });
      process.stdout.write(`${options.prime}${tokenizer.decode(tokens)}\n`);
    });
}
