import type { Command } from "commander";
import { decodeCorpus, unigramLoss } from "../../src/data/corpus.js";
import { sequentialBatches } from "../../src/data/windows.js";
import { oracleExposureBias, textExposureBias } from "../../src/eval/exposure-bias.js";
import type { TokenBatch } from "../../src/data/windows.js";
import { evaluateOnGpu } from "../../src/gpu/gpu-evaluate.js";
import type { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { evaluate } from "../../src/train/trainer.js";
import { loadTrainedModel } from "../checkpoint-arg.js";
import { type Device, deviceOption, withGpuModel } from "../device.js";
import { UserError } from "../errors.js";
import { readFileOrFail } from "../files.js";
import { addMaxMemoryOption, memoryBudget, refuseInferenceOverBudget } from "../memory-budget.js";
import { loadCorpus } from "../train/run.js";
import { checkpointPath, taskOfCheckpoint } from "../train/task-checkpoint.js";
import { printTaskEval, taskEvalCommand } from "../train/task-eval.js";
import { boundedInteger, describeLimits } from "../train/limits.js";

interface EvalOptions {
  data?: string;
  length: string;
  count: string;
  prefix: string;
  seed: string;
  json?: boolean;
  maxMemory?: string;
  device?: Device;
}

export function register(program: Command): void {
  const command = program
    .command("eval")
    .description("validation loss, bits per token and exposure bias of a trained model")
    .argument("<checkpoint>", "checkpoint.safetensors or the run folder holding it")
    .option("--data <file>", "evaluate on this whole text (default: the run's own validation split)")
    .option("--length <n>", "exposure bias: generated tokens scored after each prefix", "100")
    .option("--count <n>", "exposure bias: prefixes (rollouts) averaged over", "64")
    .option("--prefix <n>", "exposure bias: ground-truth tokens before generation starts", "16")
    .option("--seed <n>", "random seed of the rollouts", "1")
    .option("--json", "print the result as one JSON object")
    .addOption(deviceOption("the validation loss is computed (the exposure-bias rollouts run on the CPU)"));
  addMaxMemoryOption(command);
  describeLimits(command, { "--prefix": 1 }).action(async (checkpoint: string, options: EvalOptions) => {
    if (taskOfCheckpoint(checkpointPath(checkpoint)) !== null) {
      const taskResult = taskEvalCommand(checkpoint, options.data, memoryBudget(options.maxMemory));
      if (options.json) process.stdout.write(`${JSON.stringify(taskResult)}\n`);
      else printTaskEval(taskResult);
      return;
    }
    const result = await evalCommand(checkpoint, options);
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printResult(result);
  });
}

export interface EvalResult {
  checkpoint: string;
  data: string;
  tokens: number;
  valLoss: number;
  bitsPerToken: number;
  /** ln V: the loss of a uniform guess over the vocabulary. */
  uniformLoss: number;
  /** The loss of the evaluated text's own token frequencies, which ignore context. */
  unigramLoss: number;
  exposureBias: {
    text: { positions: number[]; teacherForcedLoss: number[]; freeRunningLoss: number[]; count: number };
    oracle: {
      lengths: number[];
      accModel: number[];
      accOracle: number[];
      ratio: number[];
      rollouts: number;
    } | null;
  };
}

export async function evalCommand(checkpoint: string, options: EvalOptions): Promise<EvalResult> {
  const length = boundedInteger(options.length, "--length");
  const count = boundedInteger(options.count, "--count");
  const prefix = boundedInteger(options.prefix, "--prefix", 1);
  const seed = boundedInteger(options.seed, "--seed");
  const budget = memoryBudget(options.maxMemory);
  const trained = loadTrainedModel(checkpoint);
  const { model, tokenizer, spec } = trained;
  const seqLen = spec?.seqLen ?? 64;
  // Validation batches of seqLen × 32, then rollouts of prefix + length tokens on --count rows.
  refuseInferenceOverBudget(
    model.config,
    [() => ({ T: seqLen, B: 32 }), ([B, T]) => ({ T: prefix + T, B })],
    [
      { flag: "--count", value: count },
      { flag: "--length", value: length },
    ],
    budget,
  );
  let tokens: Int32Array;
  let source: string;
  let oracle = null;
  if (options.data) {
    tokens = tokenizer.encode(
      decodeCorpus(readFileOrFail(options.data, "--data"), `--data '${options.data}'`),
    );
    source = options.data;
  } else {
    if (!spec) throw new UserError(`checkpoint '${trained.path}' records no training data: give --data FILE`);
    const corpus = loadCorpus(spec, tokenizer);
    tokens = corpus.val;
    oracle = corpus.oracle;
    source = `${spec.data} (validation split${oracle ? ` of the ${spec.oracle}-gram oracle's text` : ""})`;
  }
  if (tokens.length < Math.max(seqLen, prefix + length) + 1) {
    throw new UserError(
      `the evaluation text has ${tokens.length} tokens; it needs more than --prefix + --length = ${prefix + length} and the sequence length ${seqLen}`,
    );
  }
  const batches = sequentialBatches(tokens, seqLen, 32);
  const valLoss = options.device === "webgpu" ? await gpuLoss(model, batches) : evaluate(model, batches);
  const text = textExposureBias(model, tokens, { prefixLength: prefix, length, count, rng: new Rng(seed) });
  const exact = oracle
    ? oracleExposureBias(model, oracle, {
        count,
        prefixLength: prefix,
        maxLength: length,
        rng: new Rng(seed + 1),
      })
    : null;
  return {
    checkpoint: trained.path,
    data: source,
    tokens: tokens.length,
    valLoss,
    bitsPerToken: valLoss / Math.LN2,
    uniformLoss: Math.log(tokenizer.size),
    unigramLoss: unigramLoss(tokens, tokenizer.size),
    exposureBias: {
      text: {
        positions: text.positions,
        teacherForcedLoss: text.teacherForcedLoss,
        freeRunningLoss: text.freeRunningLoss,
        count: text.count,
      },
      oracle: exact
        ? {
            lengths: exact.lengths,
            accModel: exact.accModel,
            accOracle: exact.accOracle,
            ratio: exact.ratio,
            rollouts: exact.rollouts,
          }
        : null,
    },
  };
}

function printResult(r: EvalResult): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  out(`${r.checkpoint} on ${r.data}, ${r.tokens} tokens`);
  out(
    `validation loss ${r.valLoss.toFixed(4)} nats/token, ${r.bitsPerToken.toFixed(4)} bits/token (teacher forced)`,
  );
  out(
    `baselines: unigram ${r.unigramLoss.toFixed(4)} nats/token (the text's token frequencies, no context), uniform ln V = ${r.uniformLoss.toFixed(4)}`,
  );
  const t = r.exposureBias.text;
  out(`exposure bias on the text (${t.count} windows): mean loss of the true next token`);
  out("  positions     teacher-forced   after own samples");
  const L = t.positions.length;
  for (const [from, to] of [
    [0, Math.min(10, L)],
    [Math.min(10, L), Math.min(50, L)],
    [Math.min(50, L), L],
  ]) {
    if (to <= from) continue;
    const tf = mean(t.teacherForcedLoss.slice(from, to));
    const fr = mean(t.freeRunningLoss.slice(from, to));
    out(`  ${`${from + 1}-${to}`.padEnd(12)}  ${tf.toFixed(4).padStart(14)}   ${fr.toFixed(4).padStart(17)}`);
  }
  out(freeRunningReading(r));
  const o = r.exposureBias.oracle;
  if (o) {
    out(
      `exposure bias against the oracle (${o.rollouts} rollouts): accumulated KL(P_oracle || P_model), model's rollouts / oracle's`,
    );
    for (const l of [1, 10, 50, 100, 200].filter((l) => l <= o.lengths.length)) {
      out(
        `  l = ${String(l).padEnd(4)} ${o.accModel[l - 1].toFixed(4).padStart(10)} / ${o.accOracle[l - 1].toFixed(4).padStart(10)} = ${o.ratio[l - 1].toFixed(3)}`,
      );
    }
  }
}

/** One line on what the last positions' free-running loss means, against the baselines. */
export function freeRunningReading(r: EvalResult): string {
  const { teacherForcedLoss, freeRunningLoss } = r.exposureBias.text;
  const tail = (xs: number[]) => xs.slice(-Math.ceil(xs.length / 2));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const tf = mean(tail(teacherForcedLoss)).toFixed(2);
  const fr = mean(tail(freeRunningLoss));
  const head = `reading: after its own samples the true text costs ${fr.toFixed(2)} nats/token (teacher forced ${tf})`;
  if (fr > r.unigramLoss) {
    const worse = fr > r.uniformLoss ? "worse than a uniform guess" : "worse than the unigram baseline";
    return `${head}, ${worse}: once its samples leave the text, its own context misleads it more than no context would. That is exposure bias; the model's quality is the validation loss.`;
  }
  return `${head}, still below the unigram baseline: its own samples keep it close enough to the text that context still helps.`;
}

/** The validation loss on the GPU (--device webgpu), or on the CPU after one line saying why not. */
function gpuLoss(model: SequenceModel, batches: readonly TokenBatch[]): Promise<number> {
  return withGpuModel(
    model,
    "evaluating",
    (gpuModel) => evaluateOnGpu(gpuModel, batches),
    () => evaluate(model, batches),
  );
}
