// Beam search for a language model: the most likely continuations of a prime, scored with GNMT's
// length penalty (Wu et al. 2016), ending at a stop sequence or at a maximum length.

import { ConfigError } from "../errors.js";
import { logSoftmax } from "./divergence.js";
import { checkStops, endsWithStop } from "./sampling.js";
import { checkLeftToRight, type StepModel, TokenStepper } from "./stepper.js";

export interface BeamOptions {
  /** Live hypotheses kept at each step, W. */
  width: number;
  /** Finished hypotheses kept and returned, at most (1..W; default W). */
  count?: number;
  /** Tokens generated at most. */
  maxLength: number;
  /** α of the length penalty lp(n) = ((5 + n)/6)^α; 0 (the default) ranks by log-probability. */
  lengthPenalty?: number;
  /** Token sequences that finish a hypothesis right after its first one, kept as its last tokens
   *  (wholly in the generated tokens, as in sampleSequences). */
  stop?: readonly Int32Array[];
}

export interface BeamHypothesis {
  /** The generated tokens, the prime not included. */
  tokens: Int32Array;
  /** log P(tokens | prime), the natural log. */
  logProb: number;
  /** logProb / lp(tokens.length): what hypotheses are ranked by. */
  score: number;
  /** Whether it ended at a stop sequence (else at maxLength). */
  stopped: boolean;
}

interface Live {
  tokens: number[];
  logProb: number;
}

/** GNMT's length penalty lp(n) = ((5 + n)/6)^α. */
export function lengthPenalty(n: number, alpha: number): number {
  return ((5 + n) / 6) ** alpha;
}

/** Beam search from `prime`: at each step every live hypothesis is extended by every token, and the
 *  W extensions of highest log-probability go on, those that end (a stop sequence, or maxLength)
 *  leaving the beam for the finished pool, which keeps the `count` best by score. It stops when no
 *  live hypothesis can beat the worst of a full pool: a live one of log-probability s ≤ 0 and length n reaches at
 *  best s / max(lp(n+1), lp(maxLength)) (lp is monotone in n, and s only falls). With W at least
 *  V^maxLength it is exhaustive, so it returns the `count` best sequences exactly. Best first. */
export function beamSearch(model: StepModel, prime: Int32Array, options: BeamOptions): BeamHypothesis[] {
  const { width: W, maxLength } = options;
  const count = options.count ?? W;
  const alpha = options.lengthPenalty ?? 0;
  const stop = options.stop ?? [];
  checkLeftToRight(model);
  checkBeamOptions(W, count, maxLength, alpha, prime);
  checkStops(stop);
  const stepper = new TokenStepper(model, 1);
  const V = stepper.V;
  let logits = stepper.feed(prime, prime.length);
  let first = prime.length - 1;
  let live: Live[] = [{ tokens: [], logProb: 0 }];
  const pool: BeamHypothesis[] = [];
  const logProbs = new Float64Array(V);
  for (let n = 1; n <= maxLength; n++) {
    const candidates: { parent: number; token: number; logProb: number }[] = [];
    for (const [b, hypothesis] of live.entries()) {
      logSoftmax(logits, (first + b) * V, V, logProbs);
      for (let v = 0; v < V; v++)
        candidates.push({ parent: b, token: v, logProb: hypothesis.logProb + logProbs[v] });
    }
    candidates.sort((x, y) => y.logProb - x.logProb || x.parent - y.parent || x.token - y.token);
    const next: Live[] = [];
    const parents: number[] = [];
    for (const c of candidates) {
      if (next.length === W) break;
      const tokens = [...live[c.parent].tokens, c.token];
      const stopped = endsWithStop(tokens, 0, n, stop);
      if (stopped || n === maxLength) {
        addToPool(pool, count, {
          tokens: Int32Array.from(tokens),
          logProb: c.logProb,
          score: c.logProb / lengthPenalty(n, alpha),
          stopped,
        });
      } else {
        next.push({ tokens, logProb: c.logProb });
        parents.push(c.parent);
      }
    }
    if (next.length === 0 || cannotImprove(pool, count, next, n, maxLength, alpha)) break;
    stepper.select(parents);
    logits = stepper.feed(
      Int32Array.from(next, (h) => h.tokens[n - 1]),
      1,
    );
    first = 0;
    live = next;
  }
  return pool;
}

function checkBeamOptions(
  W: number,
  count: number,
  maxLength: number,
  alpha: number,
  prime: Int32Array,
): void {
  if (!Number.isInteger(W) || W < 1) throw new ConfigError(`beam width must be an integer >= 1, got ${W}`);
  if (!Number.isInteger(count) || count < 1 || count > W)
    throw new ConfigError(`count must be an integer in [1, width = ${W}], got ${count}`);
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new ConfigError(`maxLength must be an integer >= 1, got ${maxLength}`);
  if (!Number.isFinite(alpha)) throw new ConfigError(`lengthPenalty must be a finite number, got ${alpha}`);
  if (prime.length === 0) throw new ConfigError("the prime must have at least one token");
}

/** Inserts `h` into `pool` (sorted best first) and keeps the `count` best. */
function addToPool(pool: BeamHypothesis[], count: number, h: BeamHypothesis): void {
  let at = pool.length;
  while (at > 0 && pool[at - 1].score < h.score) at--;
  if (at >= count) return;
  pool.splice(at, 0, h);
  if (pool.length > count) pool.pop();
}

function cannotImprove(
  pool: readonly BeamHypothesis[],
  count: number,
  live: readonly Live[],
  n: number,
  maxLength: number,
  alpha: number,
): boolean {
  if (pool.length < count) return false;
  const best = Math.max(...live.map((h) => h.logProb));
  const lp = Math.max(lengthPenalty(n + 1, alpha), lengthPenalty(maxLength, alpha));
  return best / lp <= pool[pool.length - 1].score;
}
