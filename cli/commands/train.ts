import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Command, Option } from "commander";
import { activationNames } from "../../src/kernels/activations.js";
import { UserError } from "../errors.js";
import { loadCheckpointFile } from "../files.js";
import { runTraining } from "../train/run.js";
import { runPaths } from "../train/run-files.js";
import { specFromOptions, type TrainOptions, type TrainSpec } from "../train/spec.js";

export const defaultData = fileURLToPath(new URL("../../../data/tinyshakespeare.txt", import.meta.url));

/** Options that define the model: they cannot change when a run is resumed. */
const ARCHITECTURE = [
  "tokenizer",
  "maxVocab",
  "cell",
  "activation",
  "straightThrough",
  "skip",
  "hidden",
  "layers",
  "embedding",
  "oneHot",
  "dtype",
];
/** Options a resumed run may change: its budget and its output. */
const RESUMABLE = ["steps", "minutes", "json", "resume", "out", "force"];

export function register(program: Command): void {
  const command = program
    .command("train")
    .description("train a next-token model on a text: teacher forcing, free running or scheduled sampling")
    .option("--data <file>", "UTF-8 text to learn (default: the bundled tinyshakespeare)", defaultData)
    .addOption(
      new Option("--tokenizer <kind>", "tokens are characters or words")
        .choices(["char", "word"])
        .default("char"),
    )
    .option("--max-vocab <n>", "word tokenizer: keep the n − 1 most frequent words, the rest <unk>", "10000")
    .option("--val-fraction <x>", "the last fraction of the text held out for validation", "0.1")
    .addOption(new Option("--cell <kind>", "recurrent cell").choices(["rnn", "gru", "lstm"]).default("lstm"))
    .addOption(
      new Option("--activation <name>", "vanilla RNN activation")
        .choices([...activationNames])
        .default("tanh"),
    )
    .option("--straight-through", "step activation: backpropagate with derivative 1 instead of 0")
    .option("--skip <k>", "vanilla RNN: add M h_{t-k}, a connection k >= 2 steps back (0 = none)", "0")
    .option("--hidden <n>", "hidden units per layer", "256")
    .option("--layers <n>", "stacked recurrent layers", "1")
    .option("--embedding <n>", "embedding width", "32")
    .option("--one-hot", "feed one-hot vectors instead of an embedding")
    .addOption(new Option("--dtype <dtype>", "precision").choices(["float32", "float64"]).default("float32"))
    .option("--seq-len <n>", "time steps per training sequence (BPTT length)", "64")
    .option("--batch <n>", "sequences per batch", "32")
    .addOption(
      new Option("--mode <mode>", "what is fed at each step")
        .choices(["teacher-forcing", "free-running", "scheduled-sampling"])
        .default("teacher-forcing"),
    )
    .option("--prefix <n>", "free running: ground-truth tokens before the model feeds itself", "8")
    .addOption(
      new Option("--schedule <kind>", "scheduled sampling: how eps_i decays")
        .choices(["linear", "exponential", "inverse-sigmoid", "constant"])
        .default("inverse-sigmoid"),
    )
    .option(
      "--k <x>",
      "schedule parameter k (linear: start, default 1; exponential: base, 0.995; inverse sigmoid: 100)",
    )
    .option("--c <x>", "linear schedule: decrease of eps per step (default 0.001)")
    .option("--eps-min <x>", "linear schedule: floor of eps", "0")
    .option("--eps <x>", "constant schedule: eps (default 0.5)")
    .addOption(
      new Option("--pick <how>", "scheduled sampling: the model's token")
        .choices(["sample", "argmax"])
        .default("sample"),
    )
    .option("--clip-norm <x>", "clip the gradient's global norm to x (default 1)")
    .addOption(new Option("--clip-norm-type <p>", "norm for --clip-norm").choices(["2", "inf"]).default("2"))
    .option("--clip-value <x>", "clamp every gradient entry to [-x, x] instead")
    .option("--no-clip", "do not clip")
    .addOption(
      new Option("--optimizer <name>", "optimizer").choices(["adam", "adamw", "sgd"]).default("adam"),
    )
    .option("--lr <x>", "learning rate", "0.002")
    .option("--momentum <x>", "sgd momentum", "0.9")
    .option("--nesterov", "sgd: Nesterov momentum")
    .option("--weight-decay <x>", "weight decay (adamw: decoupled; default 0, adamw 0.01)")
    .addOption(
      new Option("--lr-schedule <kind>", "learning-rate schedule")
        .choices(["constant", "step", "cosine"])
        .default("constant"),
    )
    .option("--warmup <n>", "linear learning-rate warm-up steps", "0")
    .option("--lr-step-size <n>", "step schedule: steps between decays", "1000")
    .option("--lr-gamma <x>", "step schedule: decay factor", "0.5")
    .option("--min-lr <x>", "cosine schedule: final learning rate", "0")
    .option("--steps <n>", "train this many optimizer steps (in total, when resuming)")
    .option("--minutes <x>", `train for this long (default ${4.5} when --steps is not given)`)
    .option("--seed <n>", "random seed (model, batches, sampling)", "1")
    .option("--eval-every <n>", "steps between validation, sample and checkpoint", "100")
    .option("--val-batches <n>", "validation batches at each evaluation (the final one uses all)", "16")
    .option("--sample-length <n>", "tokens in each free-running sample", "200")
    .option("--out <dir>", "output folder: checkpoint.safetensors, metrics.jsonl, report.html", "runs/train")
    .option("--resume <dir>", "continue the run saved in this folder")
    .option("--force", "overwrite a run already in --out")
    .option(
      "--json",
      "end with one JSON line: valLoss, unigramLoss, steps, tokensPerSecond, checkpoint, report",
    );
  command.action(
    (options: TrainOptions & { out: string; resume?: string; force?: boolean; json?: boolean }) => {
      const explicit = (name: string) => command.getOptionValueSource(name) === "cli";
      const out = options.resume ?? options.out;
      const spec = options.resume ? resumedSpec(options, explicit) : specFromOptions(options);
      if (!options.resume && !options.force && existsSync(runPaths(out).checkpoint)) {
        throw new UserError(
          `${out} already holds a run: continue it with --resume ${out}, or pass --force or another --out`,
        );
      }
      const result = runTraining(spec, out, Boolean(options.resume));
      process.stderr.write(
        `val loss ${result.valLoss.toFixed(4)} nats/token (unigram ${result.unigramLoss.toFixed(4)}), ${result.steps} steps, ${Math.round(result.tokensPerSecond)} tokens/s\n`,
      );
      process.stdout.write(`report: ${result.report}\n`);
      if (options.json) {
        const { valLoss, unigramLoss, steps, tokensPerSecond, seconds, checkpoint, report, metrics } = result;
        process.stdout.write(
          `${JSON.stringify({ valLoss, unigramLoss, steps, tokensPerSecond, seconds, checkpoint, report, metrics })}\n`,
        );
      }
    },
  );
}

/** The stored spec of the run in options.resume, with only its budget changed. */
function resumedSpec(
  options: TrainOptions & { resume?: string },
  explicit: (name: string) => boolean,
): TrainSpec {
  const dir = options.resume as string;
  const path = runPaths(dir).checkpoint;
  if (!existsSync(path))
    throw new UserError(
      `--resume ${dir}: no checkpoint there (${path}); train without --resume to start a run`,
    );
  const stored = (loadCheckpointFile(path).extra as { train?: TrainSpec } | undefined)?.train;
  if (!stored)
    throw new UserError(
      `--resume ${dir}: the checkpoint was not written by rnnlab train (no training options in it)`,
    );
  const given = specFromOptions(options);
  const architectureFlags = ARCHITECTURE.filter(explicit);
  const sameArchitecture =
    JSON.stringify(given.model) === JSON.stringify(stored.model) &&
    given.tokenizer === stored.tokenizer &&
    given.maxVocab === stored.maxVocab;
  if (architectureFlags.length > 0 && !sameArchitecture) {
    const flags = architectureFlags.map((name) => `--${kebab(name)}`).join(", ");
    throw new UserError(
      `--resume ${dir}: the checkpoint holds a ${describe(stored)}; ${flags} asks for another architecture: drop it or start a new run`,
    );
  }
  const changed = Object.keys(options).filter(
    (name) => explicit(name) && !ARCHITECTURE.includes(name) && !RESUMABLE.includes(name),
  );
  if (changed.length > 0) {
    throw new UserError(
      `--resume continues the stored run unchanged: only --steps or --minutes may be given, not --${kebab(changed[0])}`,
    );
  }
  const spec: TrainSpec = { ...stored };
  if (explicit("steps") || explicit("minutes")) {
    spec.steps = given.steps;
    spec.minutes = explicit("steps") ? null : given.minutes;
  }
  return spec;
}

function describe(spec: TrainSpec): string {
  const m = spec.model;
  const cell = m.cell === "rnn" ? `rnn(${m.activation}${m.skip ? `, skip ${m.skip}` : ""})` : m.cell;
  return `${cell} with ${m.layers} layer(s) of ${m.hiddenSize}, ${m.embedding === "onehot" ? "one-hot" : `embedding ${m.embedding}`}, ${spec.tokenizer} tokens, ${m.dtype}`;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
