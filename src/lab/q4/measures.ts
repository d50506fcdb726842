// Q4's measurements on trained models: the oracle exposure-bias curves (src/eval), error injection
// along the model's own rollouts, and the per-position loss of training windows under each feeding.

import { type OracleExposureBias, oracleExposureBias } from "../../eval/exposure-bias.js";
import type { NGramModel } from "../../eval/ngram.js";
import { TokenStepper } from "../../eval/stepper.js";
import type { SequenceModel } from "../../model/sequence-model.js";
import type { Rng } from "../../random.js";
import { type FeedCounts, type FeedMode, makeFeeder } from "../../train/feeding.js";
import type { LabContext } from "../types.js";
import type { OracleText, Q4Setup } from "./setup.js";
import { inverseCdf, klRow, logSoftmaxRow, mean, se } from "./stats.js";

/** The rollouts' true prefixes, sampled once from the oracle: every model is measured from the
 *  same ones. */
export function prefixes(ctx: LabContext, setup: Q4Setup, data: OracleText): Int32Array[] {
  return ctx.shared(`q4:prefixes:${setup.rollouts}:${setup.prefixLength}:${setup.order}`, () => {
    const rng = ctx.rng("q4:prefixes");
    return Array.from({ length: setup.rollouts }, () => data.oracle.sample(setup.prefixLength, rng));
  });
}

/** oracleExposureBias over all rollouts (in `groups` groups), with the spread between groups. */
export interface ExposureBias {
  lengths: number[];
  perStepModel: number[];
  perStepOracle: number[];
  accModel: number[];
  accOracle: number[];
  ratio: number[];
  /** Monte-Carlo standard error of ratio(l), from the spread of the groups' ratios. */
  ratioSE: number[];
  rollouts: number;
}

/** The exposure-bias curves of `model`, cached under `key`. The generators are labelled by group
 *  only, so every model sees the same prefixes and (the oracle's draws coming after the model's,
 *  one uniform per token either way) the very same oracle continuations. */
export function exposureBias(
  ctx: LabContext,
  setup: Q4Setup,
  data: OracleText,
  key: string,
  temperature: number,
  getModel: () => SequenceModel,
): ExposureBias {
  return ctx.shared(
    `q4:eb:${key}:${temperature}:${setup.rollouts}:${setup.groups}:${setup.maxLength}`,
    () => {
      const model = getModel();
      const all = prefixes(ctx, setup, data);
      const size = Math.ceil(all.length / setup.groups);
      const L = setup.maxLength;
      const groups: OracleExposureBias[] = [];
      for (let g = 0; g < setup.groups; g++) {
        const part = all.slice(g * size, (g + 1) * size);
        if (part.length === 0) continue;
        groups.push(
          oracleExposureBias(model, data.oracle, {
            prefixes: part,
            maxLength: L,
            rng: ctx.rng(`q4:eb-group:${g}`),
            temperature,
            batchSize: part.length,
          }),
        );
      }
      const N = groups.reduce((s, g) => s + g.rollouts, 0);
      const avg = (pick: (g: OracleExposureBias) => number[]) =>
        Array.from({ length: L }, (_, i) => groups.reduce((s, g) => s + pick(g)[i] * g.rollouts, 0) / N);
      const perStepModel = avg((g) => g.perStepModel);
      const perStepOracle = avg((g) => g.perStepOracle);
      const accModel = cumulative(perStepModel);
      const accOracle = cumulative(perStepOracle);
      return {
        lengths: Array.from({ length: L }, (_, i) => i + 1),
        perStepModel,
        perStepOracle,
        accModel,
        accOracle,
        ratio: accModel.map((a, i) => a / accOracle[i]),
        ratioSE: Array.from({ length: L }, (_, i) => se(groups.map((g) => g.ratio[i]))),
        rollouts: N,
      };
    },
  );
}

/** What `injection` measures: twin rollouts from the same prefix, the same model and the same
 *  random numbers, one forced to a wrong token at step s. */
export interface Injection {
  errorStep: number;
  L: number;
  pairs: number;
  /** D = L − s distances d = 1..D after the error. */
  D: number;
  /** Per pair (row-major [pairs×D]): KL at step s + d along the perturbed twin minus along the
   *  clean one, nats. */
  excess: Float64Array;
  /** Mean KL(P_oracle || P_model) at steps t = 1..L along the clean and the perturbed twins. */
  perStepClean: number[];
  perStepPerturbed: number[];
  /** Fraction of pairs whose twins drew the same token at step t = 1..L. */
  agreement: number[];
  /** Mean oracle probability of the forced token (and of the clean twin's token at step s). */
  forcedProbability: number;
  cleanProbability: number;
}

export type ForcedToken = "least-likely" | "random";

/** Error injection (after He et al. 2021): from each prefix, two rollouts of the model fed its own
 *  samples, drawn with common random numbers (the same uniform for both twins at every step, by
 *  inverse CDF), identical until step s, where the perturbed twin is forced to a wrong token (the
 *  oracle's least likely one in that context, or a uniformly random one). The per-step KL to the
 *  oracle after s, perturbed minus clean, is what the error costs at every later step. */
export function injection(
  ctx: LabContext,
  setup: Q4Setup,
  data: OracleText,
  model: SequenceModel,
  key: string,
  errorStep: number,
  forced: ForcedToken,
): Injection {
  const L = setup.maxLength;
  if (!Number.isInteger(errorStep) || errorStep < 1 || errorStep >= L)
    throw new RangeError(`errorStep must be an integer in 1..${L - 1}, got ${errorStep}`);
  return ctx.shared(`q4:inject:${key}:${errorStep}:${forced}:${setup.rollouts}:${L}`, () => {
    const all = prefixes(ctx, setup, data);
    const rng = ctx.rng(`q4:inject:${errorStep}:${forced}`);
    const D = L - errorStep;
    const N = all.length;
    const excess = new Float64Array(N * D);
    const sumClean = new Float64Array(L);
    const sumPerturbed = new Float64Array(L);
    const agree = new Float64Array(L);
    let forcedP = 0;
    let cleanP = 0;
    const size = Math.ceil(N / setup.groups);
    for (let from = 0; from < N; from += size) {
      const part = all.slice(from, from + size);
      const r = twinRollouts(model, data.oracle, part, L, errorStep, forced, rng);
      for (let b = 0; b < part.length; b++)
        for (let d = 1; d <= D; d++) {
          const t = errorStep + d - 1;
          excess[(from + b) * D + d - 1] = r.kl[1][b * L + t] - r.kl[0][b * L + t];
        }
      for (let t = 0; t < L; t++)
        for (let b = 0; b < part.length; b++) {
          sumClean[t] += r.kl[0][b * L + t];
          sumPerturbed[t] += r.kl[1][b * L + t];
          agree[t] += r.same[b * L + t];
        }
      forcedP += r.forcedP;
      cleanP += r.cleanP;
    }
    return {
      errorStep,
      L,
      pairs: N,
      D,
      excess,
      perStepClean: Array.from(sumClean, (s) => s / N),
      perStepPerturbed: Array.from(sumPerturbed, (s) => s / N),
      agreement: Array.from(agree, (s) => s / N),
      forcedProbability: forcedP / N,
      cleanProbability: cleanP / N,
    };
  });
}

function twinRollouts(
  model: SequenceModel,
  oracle: NGramModel,
  prefixes: readonly Int32Array[],
  L: number,
  errorStep: number,
  forced: ForcedToken,
  rng: Rng,
): { kl: [Float64Array, Float64Array]; same: Uint8Array; forcedP: number; cleanP: number } {
  const C = prefixes.length;
  const P = prefixes[0].length;
  const V = oracle.V;
  const keep = oracle.n - 1;
  const stepper = new TokenStepper(model, 2 * C);
  const histories = Array.from({ length: 2 * C }, (_, r) => {
    const h = new Int32Array(P + L);
    h.set(prefixes[r % C]);
    return h;
  });
  const input = new Int32Array(P * 2 * C);
  for (let t = 0; t < P; t++) for (let r = 0; r < 2 * C; r++) input[t * 2 * C + r] = prefixes[r % C][t];
  let logits = stepper.feed(input, P);
  let offset = (P - 1) * 2 * C * V;
  const kl: [Float64Array, Float64Array] = [new Float64Array(C * L), new Float64Array(C * L)];
  const same = new Uint8Array(C * L);
  const logq = [new Float64Array(V), new Float64Array(V)];
  const p = [new Float64Array(V), new Float64Array(V)];
  const fed = new Int32Array(2 * C);
  let forcedP = 0;
  let cleanP = 0;
  for (let t = 0; t < L; t++) {
    const end = P + t;
    for (let b = 0; b < C; b++) {
      for (let twin = 0; twin < 2; twin++) {
        const r = twin * C + b;
        logSoftmaxRow(logits, offset + r * V, V, logq[twin]);
        oracle.distribution(histories[r].subarray(Math.max(0, end - keep), end), p[twin]);
        kl[twin][b * L + t] = klRow(p[twin], 0, logq[twin], V);
      }
      const u = rng.uniform();
      const clean = inverseCdf(logq[0], V, u);
      let perturbed = inverseCdf(logq[1], V, u);
      if (t === errorStep - 1) {
        perturbed = forced === "least-likely" ? argmin(p[1], V) : (clean + 1 + rng.int(V - 1)) % V;
        forcedP += p[1][perturbed];
        cleanP += p[0][clean];
      }
      histories[b][end] = clean;
      histories[C + b][end] = perturbed;
      fed[b] = clean;
      fed[C + b] = perturbed;
      same[b * L + t] = clean === perturbed ? 1 : 0;
    }
    if (t < L - 1) {
      logits = stepper.feed(fed, 1);
      offset = 0;
    }
  }
  return { kl, same, forcedP, cleanP };
}

function argmin(values: Float64Array, V: number): number {
  let best = 0;
  for (let v = 1; v < V; v++) if (values[v] < values[best]) best = v;
  return best;
}

/** Block means of the excess over distances (1, 2, 3–4, 5–8, …, doubling, up to D): per pair the
 *  block's mean, then the mean over pairs and its standard error. */
export interface ExcessBlock {
  from: number;
  to: number;
  mean: number;
  se: number;
}

export function excessBlocks(inj: Injection): ExcessBlock[] {
  const blocks: ExcessBlock[] = [];
  const { D, pairs, excess } = inj;
  for (let from = 1; from <= D; ) {
    const to = from <= 2 ? from : Math.min(D, 2 * (from - 1));
    const perPair = new Float64Array(pairs);
    for (let b = 0; b < pairs; b++) {
      let s = 0;
      for (let d = from; d <= to; d++) s += excess[b * D + d - 1];
      perPair[b] = s / (to - from + 1);
    }
    blocks.push({ from, to, mean: mean(perPair), se: se(perPair) });
    from = to + 1;
  }
  return blocks;
}

/** Mean excess at each distance d = 1..D and its standard error over pairs. */
export function excessCurve(inj: Injection): { mean: number[]; se: number[] } {
  const m: number[] = [];
  const s: number[] = [];
  const column = new Float64Array(inj.pairs);
  for (let d = 0; d < inj.D; d++) {
    for (let b = 0; b < inj.pairs; b++) column[b] = inj.excess[b * inj.D + d];
    m.push(mean(column));
    s.push(se(column));
  }
  return { mean: m, se: s };
}

/** The loss of the true next token at every position of the validation windows when the model is
 *  fed as in training under `mode` (scheduled sampling at probability `eps`), [windows×T]. */
export function fedLossByPosition(
  model: SequenceModel,
  data: OracleText,
  mode: FeedMode,
  eps: number,
  rng: Rng,
): { T: number; windows: number; loss: Float64Array; groundTruthFraction: number } {
  const V = data.V;
  const T = data.valBatches[0].T;
  const windows = data.valBatches.reduce((s, b) => s + b.B, 0);
  const loss = new Float64Array(windows * T);
  const logq = new Float64Array(V);
  const counts: FeedCounts = { groundTruth: 0, total: 0 };
  let w0 = 0;
  for (const batch of data.valBatches) {
    const B = batch.B;
    let logits: ArrayLike<number>;
    if (mode.kind === "teacher-forcing") {
      logits = model.forward({ T, B, tokens: batch.tokens });
      counts.groundTruth += (T - 1) * B;
      counts.total += (T - 1) * B;
    } else {
      const fed = new Int32Array(T * B);
      fed.set(batch.tokens.subarray(0, B));
      logits = model.forwardFeedback(
        { T, B, tokens: fed },
        makeFeeder(mode, eps, batch.tokens, B, V, rng, counts),
      );
    }
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) {
        logSoftmaxRow(logits, (t * B + b) * V, V, logq);
        loss[(w0 + b) * T + t] = -logq[batch.classes[t * B + b]];
      }
    w0 += B;
  }
  return { T, windows, loss, groundTruthFraction: counts.groundTruth / counts.total };
}

function cumulative(values: number[]): number[] {
  let s = 0;
  return values.map((v) => {
    s += v;
    return s;
  });
}
