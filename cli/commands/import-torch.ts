import { type Command, Option } from "commander";
import { FormatError } from "../../src/errors.js";
import type { Checkpoint } from "../../src/io/checkpoint.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { importTorchStateDict } from "../../src/io/torch-import.js";
import type { ModelConfig } from "../../src/model/config.js";
import { Rng } from "../../src/random.js";
import type { DType } from "../../src/tensor.js";
import { readFileOrFail, saveCheckpointFile } from "../files.js";

export interface ImportTorchOptions {
  out: string;
  activation?: "tanh" | "relu";
  dtype: DType;
}

export function register(program: Command): void {
  program
    .command("import-torch")
    .description("convert PyTorch weights saved with safetensors into an rnnlab checkpoint")
    .argument("<file>", "a state_dict saved with safetensors.torch.save_file(model.state_dict(), FILE)")
    .requiredOption("--out <checkpoint>", "where to write the checkpoint")
    .addOption(
      new Option("--activation <name>", "nn.RNN's nonlinearity (the state_dict does not record it)").choices([
        "tanh",
        "relu",
      ]),
    )
    .addOption(
      new Option("--dtype <dtype>", "precision of the checkpoint")
        .choices(["float32", "float64"])
        .default("float32"),
    )
    .action((file: string, options: ImportTorchOptions) => {
      importTorchCommand(file, options, (line) => process.stdout.write(`${line}\n`));
    });
}

/** Imports `file`, writes the checkpoint (step 0, Rng(0)'s state, no optimizer) and prints one line. */
export function importTorchCommand(
  file: string,
  options: ImportTorchOptions,
  print: (line: string) => void,
): Checkpoint {
  const bytes = readFileOrFail(file, "weights file");
  const { config, params } = withFileName(file, () =>
    importTorchStateDict(decodeSafetensors(bytes).tensors, {
      activation: options.activation,
      dtype: options.dtype,
    }),
  );
  const ckpt: Checkpoint = { config, params, step: 0, rngState: new Rng(0).state() };
  saveCheckpointFile(options.out, ckpt);
  print(`imported ${describeModel(config)} -> ${options.out}`);
  return ckpt;
}

function withFileName<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof FormatError) throw new FormatError(`cannot import '${file}': ${error.message}`);
    throw error;
  }
}

/** e.g. "lstm L=2 H=16 (input embedding 65x8, output 65)". */
export function describeModel(config: ModelConfig): string {
  const input = config.input;
  const inputText =
    input.kind === "embedding"
      ? `embedding ${input.vocabSize}x${input.embeddingSize}`
      : input.kind === "onehot"
        ? `onehot ${input.vocabSize}`
        : `dense ${input.size}`;
  const outputText = config.outputSize > 0 ? `output ${config.outputSize}` : "no output";
  const cell = config.cell === "rnn" ? `rnn(${config.activation})` : config.cell;
  return `${cell} L=${config.layers} H=${config.hiddenSize} (input ${inputText}, ${outputText})`;
}
