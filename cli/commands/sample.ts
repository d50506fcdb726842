import { type Command, Option } from "commander";
import type { Tokenizer } from "../../src/data/tokenizer.js";
import { FormatError } from "../../src/errors.js";
import { beamSearch } from "../../src/eval/beam.js";
import { drawStepsAsync } from "../../src/eval/sampling.js";
import type { GpuModel } from "../../src/gpu/gpu-model.js";
import { GpuTokenStepper } from "../../src/gpu/gpu-stepper.js";
import type { SequenceModel } from "../../src/model/sequence-model.js";
import { loadTrainedModel } from "../checkpoint-arg.js";
import { type Device, deviceOption, gpuRefusal, withGpuModel } from "../device.js";
import { UserError } from "../errors.js";
import { addMaxMemoryOption, memoryBudget, refuseInferenceOverBudget } from "../memory-budget.js";
import { boundedInteger, describeLimits, MAX_SEED } from "../train/limits.js";
import { number } from "../train/spec.js";
import { ReaderGone, writeStdout } from "../stdout.js";
import { type SampleRequest, writeSamples, writeSamplesAsync } from "./sample-stream.js";

export interface SampleOptions {
  prime: string;
  length: string;
  temperature: string;
  topK: string;
  topP: string;
  seed: string;
  num: string;
  stop: string[];
  beam?: string;
  lengthPenalty?: string;
  maxMemory?: string;
  device?: Device;
}

const SAMPLING_ONLY = ["temperature", "topK", "topP", "seed"];

export function register(program: Command): void {
  const command = program
    .command("sample")
    .description("generate text from a trained model (a checkpoint file or a run folder)")
    .argument("<checkpoint>", "checkpoint.safetensors or the run folder holding it")
    .addOption(new Option("--prime <text>", "text to start from").default("\n", "a newline"))
    .option("--length <n>", "tokens to generate (at most, with --stop)", "500")
    .option(
      "--num <n>",
      "samples drawn at once, sample i with seed + i (with --beam: best sequences printed)",
      "1",
    )
    .option("--temperature <t>", "divide the logits by t before sampling (lower: more conservative)", "0.8")
    .option("--top-k <k>", "sample only among the k most likely tokens (0: all)", "0")
    .option(
      "--top-p <p>",
      "then only among the most likely tokens whose probability adds up to p (1: all)",
      "1",
    )
    .option("--seed <n>", "random seed", "1")
    .option(
      "--stop <text>",
      "end a sequence after the first time it generates this text, which is kept (repeatable; \\n and \\t are newline and tab)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option("--beam <w>", "beam search of width w instead of sampling").conflicts(SAMPLING_ONLY),
    )
    .option("--length-penalty <a>", "with --beam: rank by log p / ((5 + n)/6)^a, GNMT's (0: log p)")
    .addOption(deviceOption("the samples are drawn (--beam runs on the CPU only)"));
  addMaxMemoryOption(command);
  describeLimits(command).action(async (checkpoint: string, options: SampleOptions) => {
    try {
      if (options.device === "webgpu") await sampleCommandOnGpu(checkpoint, options, writeStdout);
      else sampleCommand(checkpoint, options, writeStdout);
    } catch (error) {
      if (!(error instanceof ReaderGone)) throw error; // `rnnlab sample | head` has what it wants
    }
  });
}

/** Writes the samples (or the beam's best sequences), each after the prime and followed by a newline;
 *  more than one sample, or a beam, gets a header line before each. Samples are written as they are
 *  drawn (sample-stream.ts). */
export function sampleCommand(
  checkpoint: string,
  options: SampleOptions,
  write: (text: string) => void,
): void {
  const loaded = loadSample(checkpoint, options);
  if (options.beam !== undefined) writeBeam(loaded, options, write);
  else writeSamples(samplingRequest(loaded, options), write);
}

/** sampleCommand with --device webgpu: the same samples, each step's forward on the GPU (the draws
 *  on the CPU, from the logits read back); on the CPU after one line when there is no GPU. */
export async function sampleCommandOnGpu(
  checkpoint: string,
  options: SampleOptions,
  write: (text: string) => void,
): Promise<void> {
  if (options.beam !== undefined) throw gpuRefusal("beam search runs on the CPU only: drop --beam");
  const loaded = loadSample(checkpoint, options);
  const request = samplingRequest(loaded, options);
  const { prime, length, sampling } = request;
  const drawOnGpu = async (gpuModel: GpuModel) => {
    const steppers = new Map<number, GpuTokenStepper>(); // one per batch size, reused by each sample
    const stepperOf = (B: number) => {
      const stepper = steppers.get(B) ?? new GpuTokenStepper(gpuModel, B);
      steppers.set(B, stepper);
      return stepper;
    };
    try {
      await writeSamplesAsync(
        { ...request, draw: (rngs) => drawStepsAsync(stepperOf(rngs.length), prime, length, rngs, sampling) },
        write,
      );
    } finally {
      for (const stepper of steppers.values()) stepper.destroy();
    }
  };
  await withGpuModel(loaded.model, "sampling", drawOnGpu, () => writeSamples(request, write));
}

/** The checkpoint's model and tokenizer, the prime and the stops, after the flags checked so far
 *  and the memory budget. */
interface LoadedSample {
  model: SequenceModel;
  tokenizer: Tokenizer;
  prime: Int32Array;
  stop: Int32Array[];
  length: number;
  num: number;
}

function loadSample(checkpoint: string, options: SampleOptions): LoadedSample {
  const length = boundedInteger(options.length, "--length");
  const num = boundedInteger(options.num, "--num");
  const budget = memoryBudget(options.maxMemory);
  const { model, tokenizer } = loadTrainedModel(checkpoint);
  if (options.prime.length === 0) throw new UserError("--prime must not be empty");
  const prime = encodeOrFail(tokenizer, options.prime, "--prime");
  if (prime.length === 0) throw new UserError(`--prime '${options.prime}' has no ${tokenizer.kind} tokens`);
  const stop = options.stop.map((text) => encodeStop(tokenizer, text));
  const rowsFlag = options.beam === undefined ? "--num" : "--beam";
  const rows = options.beam === undefined ? num : boundedInteger(options.beam, "--beam");
  const generation = ([B, generated]: readonly number[]) => ({ T: prime.length, B, generated });
  refuseInferenceOverBudget(
    model.config,
    [generation],
    [
      { flag: rowsFlag, value: rows },
      { flag: "--length", value: length },
    ],
    budget,
  );
  return { model, tokenizer, prime, stop, length, num };
}

function writeBeam(loaded: LoadedSample, options: SampleOptions, write: (text: string) => void): void {
  const { model, tokenizer, prime, stop, length, num } = loaded;
  const print = (line: string) => write(`${line}\n`);
  const width = boundedInteger(options.beam as string, "--beam");
  if (num > width)
    throw new UserError(`--num ${num} is more than the beam keeps: give --beam ${num} or more`);
  const lengthPenalty =
    options.lengthPenalty === undefined ? 0 : number(options.lengthPenalty, "--length-penalty");
  const best = beamSearch(model, prime, { width, count: num, maxLength: length, lengthPenalty, stop });
  for (const [i, h] of best.entries()) {
    const end = h.stopped ? ", ended at a stop" : "";
    print(
      `--- beam ${i + 1}/${best.length}: log p ${h.logProb.toFixed(4)}, score ${h.score.toFixed(4)}${end} ---`,
    );
    print(`${options.prime}${tokenizer.decode(h.tokens)}`);
  }
}

/** The sampling flags checked, as writeSamples takes them. */
function samplingRequest(loaded: LoadedSample, options: SampleOptions): SampleRequest {
  const { model, tokenizer, prime, stop, length, num } = loaded;
  if (options.lengthPenalty !== undefined)
    throw new UserError("--length-penalty applies to --beam only: add --beam W");
  const seed = boundedInteger(options.seed, "--seed");
  if (seed + num - 1 > MAX_SEED) {
    throw new UserError(
      `--seed ${seed} with --num ${num}: sample i uses seed + i, which must stay at most ${MAX_SEED}; give a smaller --seed`,
    );
  }
  const sampling = {
    temperature: number(options.temperature, "--temperature", (t) => t > 0, "> 0"),
    topK: boundedInteger(options.topK, "--top-k"),
    topP: number(options.topP, "--top-p", (p) => p > 0 && p <= 1, "in (0, 1]"),
    stop,
  };
  return { model, tokenizer, primeText: options.prime, prime, length, seed, num, sampling };
}

/** A --stop text's tokens, its \n, \t and \\ read as newline, tab and backslash. */
function encodeStop(tokenizer: Tokenizer, text: string): Int32Array {
  const unescaped = text.replace(/\\([nt\\])/g, (_, c: string) =>
    c === "n" ? "\n" : c === "t" ? "\t" : "\\",
  );
  const tokens = encodeOrFail(tokenizer, unescaped, "--stop");
  if (tokens.length === 0) throw new UserError(`--stop '${text}' has no ${tokenizer.kind} tokens`);
  if (tokenizer.unknown >= 0 && tokens.includes(tokenizer.unknown)) {
    throw new UserError(
      `--stop '${text}' holds a ${tokenizer.kind} the model's vocabulary lacks, so it could never be generated`,
    );
  }
  return tokens;
}

function encodeOrFail(tokenizer: Tokenizer, text: string, flag: string): Int32Array {
  try {
    return tokenizer.encode(text);
  } catch (error) {
    if (error instanceof FormatError) throw new UserError(`${flag}: ${error.message}`);
    throw error;
  }
}
