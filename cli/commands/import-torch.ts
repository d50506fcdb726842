import { type Command, Option } from "commander";
import { Tokenizer } from "../../src/data/tokenizer.js";
import { FormatError } from "../../src/errors.js";
import type { Checkpoint } from "../../src/io/checkpoint.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { importTorchStateDict } from "../../src/io/torch-import.js";
import type { ModelConfig } from "../../src/model/config.js";
import { Rng } from "../../src/random.js";
import type { DType } from "../../src/tensor.js";
import { utf8Decode } from "../../src/utf8.js";
import { UserError } from "../errors.js";
import { readFileOrFail, saveCheckpointFile } from "../files.js";

export interface ImportTorchOptions {
  out: string;
  activation?: "tanh" | "relu";
  dtype: DType;
  /** A vocabulary file, stored as the checkpoint's tokenizer so the model samples and evaluates. */
  vocab?: string;
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
    .option(
      "--vocab <file>",
      "the model's tokens, in order of ids: a .json array of strings, or a text file whose every character (newlines included) is one token",
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
  const tokenizer = options.vocab === undefined ? null : readVocabulary(options.vocab, config);
  if (tokenizer) ckpt.extra = { tokenizer: tokenizer.toJSON() };
  saveCheckpointFile(options.out, ckpt);
  const vocab = tokenizer
    ? `, vocabulary '${options.vocab}' (${tokenizer.size} ${tokenizer.kind} tokens)`
    : "";
  print(`imported ${describeModel(config)}${vocab} -> ${options.out}`);
  return ckpt;
}

/** The tokenizer a vocabulary file gives: a .json file holds an array of token strings (one character
 *  each: a char tokenizer; else a word tokenizer) or a tokenizer as rnnlab writes it; any other file
 *  is UTF-8 text whose characters, in order, are the tokens with ids 0, 1, .... It must list one
 *  token per output of the model, and the model must read tokens of the same vocabulary. */
export function readVocabulary(file: string, config: ModelConfig): Tokenizer {
  const text = decodeText(readFileOrFail(file, "vocabulary"), file);
  const tokenizer = withVocabName(file, () =>
    /\.json$/i.test(file) ? fromJsonVocab(text) : new Tokenizer("char", Array.from(text)),
  );
  const V = config.outputSize;
  if (tokenizer.size !== V) {
    const newline =
      !/\.json$/i.test(file) && tokenizer.size === V + 1 && text.endsWith("\n")
        ? " (its final newline counts as one)"
        : "";
    throw new UserError(
      `vocabulary '${file}' has ${tokenizer.size} tokens${newline} but the model predicts ${V}: give one token per output, in order of ids`,
    );
  }
  const input = config.input;
  if (input.kind === "dense" || input.vocabSize !== V) {
    const reads =
      input.kind === "dense" ? `dense inputs of width ${input.size}` : `${input.vocabSize} token ids`;
    throw new UserError(
      `the model reads ${reads} but predicts ${V} tokens, so it cannot take its own samples: --vocab needs a language model`,
    );
  }
  return tokenizer;
}

function fromJsonVocab(text: string): Tokenizer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) return Tokenizer.fromJSON(json);
  if (!json.every((token) => typeof token === "string" && token.length > 0))
    throw new FormatError("a JSON vocabulary must be an array of non-empty strings");
  const chars = json.every((token: string) => Array.from(token).length === 1);
  return new Tokenizer(chars ? "char" : "word", json);
}

function decodeText(bytes: Uint8Array, file: string): string {
  try {
    return utf8Decode(bytes);
  } catch {
    throw new UserError(`vocabulary '${file}' is not UTF-8 text: save it as UTF-8`);
  }
}

function withVocabName<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof FormatError) throw new UserError(`vocabulary '${file}': ${error.message}`);
    throw error;
  }
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
