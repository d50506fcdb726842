import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { CharVocab } from "../../src/data/char-vocab.js";
import { sampleWindows } from "../../src/data/windows.js";
import { generate } from "../../src/model/generate.js";
import { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { clipGradNorm } from "../../src/train/clip.js";
import { createOptimizer } from "../../src/train/optimizers.js";
import { UserError } from "../errors.js";
import { createProgress } from "../progress.js";

const defaultData = fileURLToPath(new URL("../../../data/tinyshakespeare.txt", import.meta.url));

interface DemoOptions {
  steps: string;
  seed: string;
  data: string;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("train a small character LSTM on the bundled Shakespeare for a minute and sample from it")
    .option("--steps <n>", "training steps", "150")
    .option("--seed <n>", "random seed", "1")
    .option("--data <file>", "UTF-8 text to learn", defaultData)
    .action((options: DemoOptions) => demo(options));
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

function demo(options: DemoOptions): void {
  const steps = positiveInt(options.steps, "--steps");
  const seed = positiveInt(options.seed, "--seed");
  let text: string;
  try {
    text = readFileSync(options.data, "utf8");
  } catch {
    throw new UserError(`cannot read --data '${options.data}'`);
  }
  const T = 48;
  const B = 16;
  if (text.length < T + 2)
    throw new UserError(`--data '${options.data}' is shorter than one window (${T + 2} characters)`);
  const vocab = CharVocab.fromText(text);
  const stream = vocab.encode(text);
  const rng = new Rng(seed);
  const model = new SequenceModel(
    {
      cell: "lstm",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: 96,
      layers: 1,
      input: { kind: "embedding", vocabSize: vocab.size, embeddingSize: 24 },
      outputSize: vocab.size,
      loss: "cross-entropy",
      dtype: "float32",
    },
    { rng },
  );
  const optimizer = createOptimizer({ name: "adam", lr: 1e-2 }, model.params.data.length, "float32");
  process.stderr.write(
    `demo: LSTM H=96 on ${text.length} characters (V=${vocab.size}), ${steps} steps of ${B}x${T}\n`,
  );
  const progress = createProgress(steps, ["loss", "norm", "tok/s"]);
  const started = Date.now();
  let smoothed = Math.log(vocab.size);
  for (let step = 1; step <= steps; step++) {
    const batch = sampleWindows(stream, T, B, rng);
    const result = model.lossAndGrad({ T, B, tokens: batch.tokens }, { classes: batch.classes });
    const clip = clipGradNorm(model.params.gradViews(), 1.0);
    optimizer.step(model.params.data, model.params.grad);
    smoothed = 0.9 * smoothed + 0.1 * result.loss;
    const seconds = (Date.now() - started) / 1000;
    progress.update(step, {
      loss: smoothed.toFixed(3),
      norm: clip.totalNorm.toFixed(2),
      "tok/s": Math.round((step * T * B) / seconds),
    });
  }
  progress.stop();
  const primeText = `${text.slice(0, Math.max(1, text.indexOf("\n") + 1)).slice(0, 40)}`;
  const sample = vocab.decode(generate(model, vocab.encode(primeText), 300, rng, 0.8));
  process.stdout.write(
    `loss ${smoothed.toFixed(3)} nats/char (uniform would be ${Math.log(vocab.size).toFixed(3)})\n\n${primeText}${sample}\n`,
  );
}
