import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";
import type { Buf } from "../tensor.js";

/** eps_i, the probability of feeding the ground-truth token at training step i (from 0), after
 *  Bengio et al. 2015, "Scheduled sampling for sequence prediction with recurrent neural networks":
 *  linear eps_i = max(min, k − c·i); exponential eps_i = k^i (k < 1); inverse sigmoid
 *  eps_i = k / (k + exp(i / k)) (k >= 1); constant eps_i = eps. */
export type EpsSchedule =
  | { kind: "constant"; eps: number }
  | { kind: "linear"; k: number; c: number; min: number }
  | { kind: "exponential"; k: number }
  | { kind: "inverse-sigmoid"; k: number };

/** The registry of eps schedules, each with its formula; the run config's schema and the CLI's
 *  --schedule choices and help follow from it. */
export const epsScheduleFormulas = {
  linear: "max(min, k − c·i)",
  exponential: "k^i",
  "inverse-sigmoid": "k / (k + exp(i / k))",
  constant: "eps",
} as const satisfies Record<EpsSchedule["kind"], string>;

export const epsScheduleKinds = keysOf(epsScheduleFormulas);

export function epsAt(schedule: EpsSchedule, i: number): number {
  switch (schedule.kind) {
    case "constant":
      return schedule.eps;
    case "linear":
      return Math.max(schedule.min, schedule.k - schedule.c * i);
    case "exponential":
      return schedule.k ** i;
    case "inverse-sigmoid":
      return schedule.k / (schedule.k + Math.exp(i / schedule.k));
  }
}

export function checkEpsSchedule(s: EpsSchedule): EpsSchedule {
  const fail = (message: string) => {
    throw new ConfigError(`${s.kind} schedule: ${message}`);
  };
  const inUnit = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
  if (s.kind === "constant" && !inUnit(s.eps)) fail(`eps must be in [0, 1], got ${s.eps}`);
  if (s.kind === "linear") {
    if (!inUnit(s.k)) fail(`k (the starting eps) must be in [0, 1], got ${s.k}`);
    if (!(s.c >= 0 && Number.isFinite(s.c))) fail(`c (the decrease per step) must be >= 0, got ${s.c}`);
    if (!inUnit(s.min)) fail(`the minimum eps must be in [0, 1], got ${s.min}`);
  }
  if (s.kind === "exponential" && !(s.k > 0 && s.k < 1)) fail(`k must be in (0, 1), got ${s.k}`);
  if (s.kind === "inverse-sigmoid" && !(s.k >= 1 && Number.isFinite(s.k))) fail(`k must be >= 1, got ${s.k}`);
  return s;
}

/** What is fed at step i > 0 of a training sequence (step 0 always gets the ground truth):
 *  teacher forcing: the ground-truth token; free running: the ground truth for i < prefix, then the
 *  model's own token; scheduled sampling: for every sequence independently, the ground truth with
 *  probability eps_i, else the model's token, drawn from its softmax ("sample", the paper's
 *  choice) or its argmax. */
export type FeedMode =
  | { kind: "teacher-forcing" }
  | { kind: "free-running"; prefix: number }
  | { kind: "scheduled-sampling"; schedule: EpsSchedule; pick: FeedPick };

/** The registry of feed modes, each with what it feeds after step 0; the run config's schema and
 *  the CLI's --mode choices and help follow from it. */
export const feedModeDescriptions = {
  "teacher-forcing": "the true token",
  "free-running": "the model's own token after a prefix of true ones",
  "scheduled-sampling": "the true token with probability eps_i, else the model's",
} as const satisfies Record<FeedMode["kind"], string>;

export const feedModeKinds = keysOf(feedModeDescriptions);

/** How scheduled sampling picks the model's token: drawn from its softmax, or its argmax. */
export const feedPicks = ["sample", "argmax"] as const;
export type FeedPick = (typeof feedPicks)[number];

/** A registry's names, in registration order. */
function keysOf<K extends string>(registry: Record<K, unknown>): readonly K[] {
  return Object.freeze(Object.keys(registry) as K[]);
}

export interface FeedCounts {
  groundTruth: number;
  total: number;
}

/** The callback SequenceModel.forwardFeedback calls before step i: writes row i of `fed` from
 *  `groundTruth` and the logits [B×V] of step i − 1, counting the ground-truth tokens fed. */
export function makeFeeder(
  mode: FeedMode,
  eps: number,
  groundTruth: Int32Array,
  B: number,
  V: number,
  rng: Rng,
  counts: FeedCounts,
): (i: number, logits: Buf, fed: Int32Array) => void {
  const weights = new Float64Array(V);
  return (i, logits, fed) => {
    for (let b = 0; b < B; b++) {
      const truth =
        mode.kind === "teacher-forcing" ||
        (mode.kind === "free-running" ? i < mode.prefix : rng.uniform() < eps);
      const n = i * B + b;
      if (truth) {
        fed[n] = groundTruth[n];
        counts.groundTruth++;
      } else {
        const pick = mode.kind === "scheduled-sampling" ? mode.pick : "sample";
        fed[n] = pick === "argmax" ? argmax(logits, b * V, V) : sampleSoftmax(logits, b * V, V, rng, weights);
      }
      counts.total++;
    }
  };
}

export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let v = 1; v < length; v++) if (values[offset + v] > values[offset + best]) best = v;
  return best;
}

/** weights_v = exp((z_v − max z)/τ) for the V logits of one row at `offset` (unnormalised softmax),
 *  zero below the k-th largest logit when 0 < topK < V (ties with the k-th are kept). */
export function topKSoftmaxWeights(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  weights: Float64Array,
  temperature: number,
  topK: number,
): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let threshold = Number.NEGATIVE_INFINITY;
  if (topK > 0 && topK < V) {
    const sorted = Array.from({ length: V }, (_, v) => logits[offset + v]).sort((a, b) => b - a);
    threshold = sorted[topK - 1];
  }
  for (let v = 0; v < V; v++) {
    const z = logits[offset + v];
    weights[v] = z >= threshold ? Math.exp((z - max) / temperature) : 0;
  }
}

/** A draw from softmax(logits / temperature) over one row, optionally only among the top k. */
export function sampleSoftmax(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  rng: Rng,
  weights = new Float64Array(V),
  temperature = 1,
  topK = 0,
): number {
  topKSoftmaxWeights(logits, offset, V, weights, temperature, topK);
  return rng.categorical(weights, 0, V);
}
