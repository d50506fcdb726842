// Exposure bias, measured two ways (docs/exposure-bias.md).
//
// oracleExposureBias: where the true distribution is known (an n-gram oracle generated the training
// text), the per-step KL(P_oracle || P_model) along the model's own rollouts against the same along
// oracle continuations of the same prefixes, accumulated over length (after Arora et al. 2022).
//
// textExposureBias: on real text, the loss of the true next token per position after a true prefix,
// when the tokens in between are the truth (teacher forced) or the model's own samples (free running).
//
// Scores (KL, loss) always use the model's softmax at temperature 1; `temperature` only changes how
// the model's own tokens are sampled, that is, which contexts the rollouts visit.

import { ConfigError, ShapeError } from "../errors.js";
import type { Rng } from "../random.js";
import { klDivergence, logSoftmax } from "./divergence.js";
import type { NGramModel } from "./ngram.js";
import { type StepModel, TokenStepper } from "./stepper.js";

export type { StepModel } from "./stepper.js";

export interface OracleExposureBiasOptions {
  /** Prefixes to continue, all of one length >= 1. Or give `count` and `prefixLength` and the
   *  prefixes are sampled from the oracle. */
  prefixes?: readonly Int32Array[];
  count?: number;
  prefixLength?: number;
  /** L: rollouts are this many tokens long; lengths l = 1..L. Default 200. */
  maxLength?: number;
  rng: Rng;
  /** The model's rollouts sample from softmax(logits / temperature). Default 1. */
  temperature?: number;
  /** Rollouts run this many at once. Default 64. */
  batchSize?: number;
}

export interface OracleExposureBias {
  /** l = 1..L */
  lengths: number[];
  /** AccErr(l) = Σ_{t ≤ l} perStepModel[t]: along the model's own rollouts. */
  accModel: number[];
  /** AccErr(l) along oracle continuations of the same prefixes. */
  accOracle: number[];
  /** accModel / accOracle (1 when both are 0): 1 = no exposure bias, > 1 = errors compound. */
  ratio: number[];
  /** Mean over rollouts of d_t = KL(P_oracle(·|context_t) || P_model(·|context_t)), in nats. */
  perStepModel: number[];
  perStepOracle: number[];
  /** How many rollouts of each kind the means are over. */
  rollouts: number;
}

export interface TextExposureBiasOptions {
  /** Ground-truth tokens before the scored positions, >= 1. */
  prefixLength: number;
  /** Scored positions i = 1..length after the prefix. */
  length: number;
  /** Windows of the text, at random positions (with replacement). */
  count: number;
  rng: Rng;
  /** The free-running samples are drawn from softmax(logits / temperature). Default 1. */
  temperature?: number;
  /** Windows run this many at once. Default 64. */
  batchSize?: number;
}

export interface TextExposureBias {
  /** i = 1..length */
  positions: number[];
  /** Mean of −log p(x_i | true x_<i), in nats. */
  teacherForcedLoss: number[];
  /** Mean of −log p(x_i | true prefix, the model's own samples ŷ_1..ŷ_{i−1}), in nats. */
  freeRunningLoss: number[];
  count: number;
}

/** Per-step KL(P_oracle || P_model) along the model's rollouts and along oracle continuations from
 *  the same prefixes, accumulated over length, and their ratio (the exposure-bias figure). */
export function oracleExposureBias(
  model: StepModel,
  oracle: NGramModel,
  options: OracleExposureBiasOptions,
): OracleExposureBias {
  const V = checkModel(model);
  if (oracle.V !== V)
    throw new ConfigError(`the model has ${V} outputs but the oracle's vocabulary has ${oracle.V} tokens`);
  const L = options.maxLength ?? 200;
  checkInteger(L, 1, "maxLength");
  const temperature = checkTemperature(options.temperature);
  const batchSize = options.batchSize ?? 64;
  checkInteger(batchSize, 1, "batchSize");
  const { rng } = options;
  let prefixes: readonly Int32Array[];
  if (options.prefixes) {
    prefixes = options.prefixes;
    if (prefixes.length < 1) throw new ShapeError("oracleExposureBias needs at least one prefix");
    const P = prefixes[0].length;
    for (let r = 0; r < prefixes.length; r++) {
      if (prefixes[r].length < 1)
        throw new ShapeError(`prefix ${r} is empty: prefixes need at least 1 token`);
      if (prefixes[r].length !== P)
        throw new ShapeError(
          `prefix ${r} has ${prefixes[r].length} tokens, prefix 0 has ${P}: give equal lengths`,
        );
      checkTokens(prefixes[r], V, `prefix ${r}`);
    }
  } else {
    const count = options.count;
    const P = options.prefixLength;
    if (count === undefined || P === undefined)
      throw new ConfigError("oracleExposureBias needs `prefixes`, or `count` and `prefixLength`");
    checkInteger(count, 1, "count");
    if (!Number.isInteger(P) || P < 1) throw new ShapeError(`prefixLength must be an integer >= 1, got ${P}`);
    prefixes = Array.from({ length: count }, () => oracle.sample(P, rng));
  }

  const sumModel = new Float64Array(L);
  const sumOracle = new Float64Array(L);
  for (let from = 0; from < prefixes.length; from += batchSize) {
    const batch = prefixes.slice(from, from + batchSize);
    const stepper = new TokenStepper(model, batch.length);
    rollOut(stepper, oracle, batch, L, rng, temperature, "model", sumModel);
    rollOut(stepper, oracle, batch, L, rng, temperature, "oracle", sumOracle);
  }
  const N = prefixes.length;
  return accumulate(
    Array.from(sumModel, (s) => s / N),
    Array.from(sumOracle, (s) => s / N),
    N,
  );
}

/** Several measures of the same model (same maxLength, different prefixes, e.g. in groups whose
 *  spread gives a Monte-Carlo error) pooled into the one over all their rollouts: the per-step means
 *  weighted by rollouts, then accumulated as oracleExposureBias does. */
export function mergeOracleExposureBias(parts: readonly OracleExposureBias[]): OracleExposureBias {
  if (parts.length < 1) throw new ShapeError("mergeOracleExposureBias needs at least one measure");
  const L = parts[0].lengths.length;
  for (const [i, part] of parts.entries())
    if (part.lengths.length !== L)
      throw new ShapeError(
        `measure ${i} has maxLength ${part.lengths.length}, measure 0 has ${L}: merge equal lengths`,
      );
  const N = parts.reduce((sum, part) => sum + part.rollouts, 0);
  const pooled = (pick: (part: OracleExposureBias) => number[]) =>
    Array.from(
      { length: L },
      (_, t) => parts.reduce((sum, part) => sum + pick(part)[t] * part.rollouts, 0) / N,
    );
  return accumulate(
    pooled((part) => part.perStepModel),
    pooled((part) => part.perStepOracle),
    N,
  );
}

/** The accumulated curves and their ratio; 0/0 (no error on either side, e.g. the oracle against
 *  itself) counts as 1, no exposure bias. */
function accumulate(perStepModel: number[], perStepOracle: number[], rollouts: number): OracleExposureBias {
  const accModel = cumulative(perStepModel);
  const accOracle = cumulative(perStepOracle);
  const ratio = accModel.map((a, i) => {
    const b = accOracle[i];
    if (b > 0) return a / b;
    return a === 0 ? 1 : Number.POSITIVE_INFINITY;
  });
  return {
    lengths: Array.from({ length: perStepModel.length }, (_, i) => i + 1),
    accModel,
    accOracle,
    ratio,
    perStepModel,
    perStepOracle,
    rollouts,
  };
}

/** Teacher-forced against free-running next-token loss of the true text, per position after a
 *  true prefix, averaged over `count` random windows of `tokens`. */
export function textExposureBias(
  model: StepModel,
  tokens: Int32Array,
  options: TextExposureBiasOptions,
): TextExposureBias {
  const V = checkModel(model);
  const { prefixLength: P, length: L, count, rng } = options;
  if (!Number.isInteger(P) || P < 1) throw new ShapeError(`prefixLength must be an integer >= 1, got ${P}`);
  checkInteger(L, 1, "length");
  checkInteger(count, 1, "count");
  const temperature = checkTemperature(options.temperature);
  const batchSize = options.batchSize ?? 64;
  checkInteger(batchSize, 1, "batchSize");
  if (tokens.length < P + L)
    throw new ShapeError(
      `the text has ${tokens.length} tokens, fewer than prefixLength + length = ${P} + ${L}: shorten them or give more text`,
    );
  checkTokens(tokens, V, "the text");

  const W = P + L;
  const starts = Array.from({ length: count }, () => rng.int(tokens.length - W + 1));
  const sumTeacher = new Float64Array(L);
  const sumFree = new Float64Array(L);
  const logq = new Float64Array(V);
  const weights = new Float64Array(V);
  for (let from = 0; from < count; from += batchSize) {
    const batch = starts.slice(from, from + batchSize);
    const B = batch.length;
    const stepper = new TokenStepper(model, B);
    // Teacher forced: the whole window but its last token in one pass; step P − 1 + (i − 1)
    // predicts the window's token P + i − 1.
    const input = new Int32Array((W - 1) * B);
    for (let t = 0; t < W - 1; t++) for (let b = 0; b < B; b++) input[t * B + b] = tokens[batch[b] + t];
    let logits = stepper.feed(input, W - 1);
    for (let i = 1; i <= L; i++) {
      const t = P + i - 2;
      for (let b = 0; b < B; b++) {
        logSoftmax(logits, (t * B + b) * V, V, logq);
        sumTeacher[i - 1] -= logq[tokens[batch[b] + P + i - 1]];
      }
    }
    // Free running: the prefix, then the model's own samples; the true token is scored.
    stepper.reset();
    logits = stepper.feed(input.subarray(0, P * B), P);
    let offset = (P - 1) * B * V;
    const fed = new Int32Array(B);
    for (let i = 1; i <= L; i++) {
      for (let b = 0; b < B; b++) {
        const row = offset + b * V;
        logSoftmax(logits, row, V, logq);
        sumFree[i - 1] -= logq[tokens[batch[b] + P + i - 1]];
        fed[b] = sampleLogits(logits, row, V, logq, temperature, weights, rng);
      }
      if (i < L) {
        logits = stepper.feed(fed, 1);
        offset = 0;
      }
    }
  }
  return {
    positions: Array.from({ length: L }, (_, i) => i + 1),
    teacherForcedLoss: Array.from(sumTeacher, (s) => s / count),
    freeRunningLoss: Array.from(sumFree, (s) => s / count),
    count,
  };
}

/** Feeds the prefixes, then L steps sampled from the model or from the oracle; adds d_t (summed
 *  over the batch) into sums[t − 1]. */
function rollOut(
  stepper: TokenStepper,
  oracle: NGramModel,
  prefixes: readonly Int32Array[],
  L: number,
  rng: Rng,
  temperature: number,
  sampler: "model" | "oracle",
  sums: Float64Array,
): void {
  const B = prefixes.length;
  const P = prefixes[0].length;
  const V = stepper.V;
  const keep = oracle.n - 1;
  const histories = prefixes.map((prefix) => {
    const h = new Int32Array(P + L);
    h.set(prefix);
    return h;
  });
  const input = new Int32Array(P * B);
  for (let t = 0; t < P; t++) for (let b = 0; b < B; b++) input[t * B + b] = prefixes[b][t];
  stepper.reset();
  let logits = stepper.feed(input, P);
  let offset = (P - 1) * B * V;
  const logq = new Float64Array(V);
  const p = new Float64Array(V);
  const weights = new Float64Array(V);
  const fed = new Int32Array(B);
  for (let t = 0; t < L; t++) {
    const end = P + t;
    for (let b = 0; b < B; b++) {
      const row = offset + b * V;
      logSoftmax(logits, row, V, logq);
      const history = histories[b];
      oracle.distribution(history.subarray(Math.max(0, end - keep), end), p);
      sums[t] += klDivergence(p, logq);
      const next =
        sampler === "model"
          ? sampleLogits(logits, row, V, logq, temperature, weights, rng)
          : rng.categorical(p, 0, V);
      history[end] = next;
      fed[b] = next;
    }
    if (t < L - 1) {
      logits = stepper.feed(fed, 1);
      offset = 0;
    }
  }
}

/** A token from softmax(logits / temperature); `logq` is log softmax(logits) (reused at 1). */
function sampleLogits(
  logits: ArrayLike<number>,
  row: number,
  V: number,
  logq: Float64Array,
  temperature: number,
  weights: Float64Array,
  rng: Rng,
): number {
  if (temperature === 1) {
    for (let v = 0; v < V; v++) weights[v] = Math.exp(logq[v]);
  } else {
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[row + v] / temperature);
    for (let v = 0; v < V; v++) weights[v] = Math.exp(logits[row + v] / temperature - max);
  }
  return rng.categorical(weights, 0, V);
}

function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => {
    sum += v;
    return sum;
  });
}

function checkModel(model: StepModel): number {
  const { outputSize, input } = model.config;
  if (!Number.isInteger(outputSize) || outputSize < 1)
    throw new ConfigError("the model has no readout (outputSize 0): exposure bias needs next-token logits");
  if (input && input.kind === "dense")
    throw new ConfigError("the model takes dense inputs: exposure bias needs a model fed tokens");
  return outputSize;
}

function checkInteger(value: number, min: number, name: string): void {
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${value}`);
}

function checkTemperature(temperature = 1): number {
  if (!(Number.isFinite(temperature) && temperature > 0))
    throw new ConfigError(`temperature must be a positive number, got ${temperature}`);
  return temperature;
}

function checkTokens(tokens: Int32Array, V: number, what: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const x = tokens[i];
    if (x < 0 || x >= V)
      throw new ShapeError(`${what} has token ${x} at position ${i}, outside the model's 0..${V - 1}`);
  }
}
