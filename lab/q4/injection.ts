// Error injection (after He et al. 2021): twin rollouts of a model from the same true prefix, fed
// its own samples with common random numbers, one of them forced to a wrong token at step s; the
// per-step KL to the oracle after s, perturbed minus clean, is what one early error costs later.

import {
  klDivergence,
  logSoftmax,
  type NGramModel,
  type Rng,
  type SequenceModel,
  TokenStepper,
} from "../../src/index.js";
import type { LabContext } from "../types.js";
import { prefixes } from "./exposure.js";
import type { Q4Context } from "./setup.js";
import { mean, se } from "./stats.js";

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
  q: Q4Context,
  model: SequenceModel,
  key: string,
  errorStep: number,
  forced: ForcedToken,
): Injection {
  const { setup, data } = q;
  const L = setup.maxLength;
  if (!Number.isInteger(errorStep) || errorStep < 1 || errorStep >= L)
    throw new RangeError(`errorStep must be an integer in 1..${L - 1}, got ${errorStep}`);
  return ctx.shared(`q4:inject:${key}:${errorStep}:${forced}:${setup.rollouts}:${L}`, () => {
    const all = prefixes(ctx, q);
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
        logSoftmax(logits, offset + r * V, V, logq[twin]);
        oracle.distribution(histories[r].subarray(Math.max(0, end - keep), end), p[twin]);
        kl[twin][b * L + t] = klDivergence(p[twin], logq[twin]);
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

/** The token whose cumulative probability first exceeds u (0 <= u < 1), q given as log q: the
 *  inverse-CDF draw, so two distributions sampled with the same u give the same token when they
 *  are close (common random numbers). */
export function inverseCdf(logq: Float64Array, V: number, u: number): number {
  let total = 0;
  for (let v = 0; v < V; v++) total += Math.exp(logq[v]);
  let r = u * total;
  for (let v = 0; v < V; v++) {
    r -= Math.exp(logq[v]);
    if (r < 0) return v;
  }
  return V - 1;
}

/** All seeds' pairs as one sample. */
export function pool(injections: Injection[]): Injection {
  const first = injections[0];
  const pairs = injections.reduce((s, i) => s + i.pairs, 0);
  const excess = new Float64Array(pairs * first.D);
  let at = 0;
  for (const inj of injections) {
    excess.set(inj.excess, at);
    at += inj.excess.length;
  }
  return { ...first, pairs, excess };
}
