// Sampling from a language model: n sequences drawn at once, one batched forward per step, each
// row with its own generator; temperature, top-k and top-p (nucleus); stop sequences. drawSteps
// yields the tokens as they are drawn (memory independent of the length); sampleSequences collects them;
// drawStepsAsync makes the same draws on a stepper that answers later (the GPU's).

import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";
import { topKSoftmaxWeights } from "../train/feeding.js";
import { checkLeftToRight, type StepModel, TokenStepper } from "./stepper.js";

export interface SamplingOptions {
  /** Divide the logits by this before the softmax (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (0, the default: all). */
  topK?: number;
  /** Then keep only the smallest set of the most likely tokens whose renormalised probability
   *  reaches p (1, the default: all). */
  topP?: number;
  /** Token sequences that end a sequence: it stops right after the first one it generates, which
   *  is kept as its last tokens. An occurrence must lie wholly in the generated tokens. */
  stop?: readonly Int32Array[];
}

/** Throws a ConfigError naming the first invalid option. */
export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature = 1, topK = 0, topP = 1, stop = [] } = options;
  if (!(temperature > 0)) throw new ConfigError(`temperature must be > 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new ConfigError(`top-k must be an integer >= 0, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new ConfigError(`top-p must be in (0, 1], got ${topP}`);
  checkStops(stop);
}

export function checkStops(stop: readonly Int32Array[]): void {
  if (stop.some((s) => s.length === 0)) throw new ConfigError("a stop sequence must have at least one token");
}

/** Draws one token from a row of logits z: p ∝ exp(z/τ); of these the k most likely are kept (ties
 *  at the k-th are all kept), then of the rest, renormalised, the smallest set of the most likely
 *  whose mass reaches p (Holtzman et al. 2020), and the draw is from what is left, renormalised.
 *  Without top-p it draws as sampleSoftmax does: same weights, one categorical draw. */
export class TokenSampler {
  private readonly weights: Float64Array;
  private readonly order: Int32Array;

  constructor(readonly V: number) {
    this.weights = new Float64Array(V);
    this.order = new Int32Array(V);
  }

  draw(logits: ArrayLike<number>, offset: number, rng: Rng, options: SamplingOptions): number {
    topKSoftmaxWeights(logits, offset, this.V, this.weights, options.temperature ?? 1, options.topK ?? 0);
    const topP = options.topP ?? 1;
    if (topP < 1) this.nucleus(topP);
    return rng.categorical(this.weights, 0, this.V);
  }

  /** Zeroes the weights outside the nucleus: the most likely first, until their mass reaches p. */
  private nucleus(p: number): void {
    const { V, weights, order } = this;
    let total = 0;
    for (let v = 0; v < V; v++) {
      order[v] = v;
      total += weights[v];
    }
    order.sort((a, b) => weights[b] - weights[a] || a - b);
    const mass = p * total;
    let kept = 0;
    for (let j = 0; j < V; j++) {
      const v = order[j];
      if (kept >= mass) weights[v] = 0;
      else kept += weights[v];
    }
  }
}

/** True when tokens[0..length) ends with one of `stop`, wholly after position `from`. */
export function endsWithStop(
  tokens: ArrayLike<number>,
  from: number,
  length: number,
  stop: readonly Int32Array[],
): boolean {
  return stop.some((s) => {
    if (length - s.length < from) return false;
    for (let j = 0; j < s.length; j++) if (tokens[length - s.length + j] !== s[j]) return false;
    return true;
  });
}

/** Feeds `prime` to rngs.length rows at once, then draws up to `length` tokens per row, row b from
 *  rngs[b] alone, one batched forward per step. Row b equals what a single row with a generator in
 *  rngs[b]'s state draws (up to float rounding of the batched products). Returns each row's drawn
 *  tokens, cut after its first stop sequence. (drawSteps gives the same tokens as they are drawn.) */
export function sampleSequences(
  model: StepModel,
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions = {},
): Int32Array[] {
  const steps = drawSteps(model, prime, length, rngs, options);
  const out = rngs.map(() => new Int32Array(length));
  const ends = new Int32Array(rngs.length);
  for (const drawn of steps) {
    for (let b = 0; b < drawn.length; b++) if (drawn[b] >= 0) out[b][ends[b]++] = drawn[b];
  }
  return out.map((row, b) => row.slice(0, ends[b]));
}

/** Generation as it happens: feeds `prime` to rngs.length rows, then yields after each step the B
 *  tokens drawn (row b from rngs[b]; −1 for a row a stop sequence has ended), until every row has
 *  ended or `length` steps are drawn. The yielded array is reused: read it before the next step.
 *  It holds the model's state and each row's last few tokens (for the stop check), nothing that
 *  grows with `length`; the options are checked here, before the first step. */
export function drawSteps(
  model: StepModel,
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions = {},
): Generator<Int32Array, void, undefined> {
  checkLeftToRight(model);
  checkDrawing(prime, length, rngs, options);
  return steps(model, prime, length, rngs, options);
}

function checkDrawing(
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions,
): void {
  checkSamplingOptions(options);
  if (prime.length === 0) throw new ConfigError("the prime must have at least one token");
  if (!Number.isInteger(length) || length < 0)
    throw new ConfigError(`length must be an integer >= 0, got ${length}`);
  if (rngs.length === 0) throw new ConfigError("sampling needs at least one generator");
}

function* steps(
  model: StepModel,
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions,
): Generator<Int32Array, void, undefined> {
  const B = rngs.length;
  const stepper = new TokenStepper(model, B);
  const draws = new StepDraws(stepper.V, rngs, options);
  let logits = stepper.feed(primedRows(prime, B), prime.length);
  let first = (prime.length - 1) * B; // the row of logits of sequence 0 in the last fed step
  for (let i = 0; i < length && draws.live > 0; i++) {
    if (i > 0) {
      logits = stepper.feed(draws.fed, 1);
      first = 0;
    }
    yield draws.next(logits, first);
  }
}

/** A stepper whose feed() resolves later (the GPU's): B rows fed together, the state carried from
 *  call to call; reset() goes back to the zero state. */
export interface AsyncTokenStepper {
  readonly V: number;
  readonly B: number;
  feed(tokens: Int32Array, T: number): Promise<ArrayLike<number>>;
  reset(): void;
}

/** drawSteps on an AsyncTokenStepper of B = rngs.length rows, reset first: the same draws in the
 *  same order, so the same logits give the same tokens. */
export function drawStepsAsync(
  stepper: AsyncTokenStepper,
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions = {},
): AsyncGenerator<Int32Array, void, undefined> {
  checkDrawing(prime, length, rngs, options);
  if (stepper.B !== rngs.length)
    throw new ConfigError(`a stepper of ${stepper.B} rows given ${rngs.length} generators: make one per row`);
  return asyncSteps(stepper, prime, length, rngs, options);
}

async function* asyncSteps(
  stepper: AsyncTokenStepper,
  prime: Int32Array,
  length: number,
  rngs: readonly Rng[],
  options: SamplingOptions,
): AsyncGenerator<Int32Array, void, undefined> {
  const B = rngs.length;
  stepper.reset();
  const draws = new StepDraws(stepper.V, rngs, options);
  let logits = await stepper.feed(primedRows(prime, B), prime.length);
  let first = (prime.length - 1) * B;
  for (let i = 0; i < length && draws.live > 0; i++) {
    if (i > 0) {
      logits = await stepper.feed(draws.fed, 1);
      first = 0;
    }
    yield draws.next(logits, first);
  }
}

/** The prime fed to B rows at once: [P·B], time-major. */
function primedRows(prime: Int32Array, B: number): Int32Array {
  const primed = new Int32Array(prime.length * B);
  for (let t = 0; t < prime.length; t++) primed.fill(prime[t], t * B, (t + 1) * B);
  return primed;
}

/** One step's draws for B rows, row b from rngs[b], each live row's next token from its row of
 *  logits; a row ends after a stop sequence. `fed`: what each row is fed next (an ended row goes on
 *  being fed its last token, as B stays fixed). */
class StepDraws {
  readonly drawn: Int32Array;
  readonly fed: Int32Array;
  live: number;
  private readonly sampler: TokenSampler;
  private readonly recent: RecentTokens;

  constructor(
    private readonly V: number,
    private readonly rngs: readonly Rng[],
    private readonly options: SamplingOptions,
  ) {
    const B = rngs.length;
    this.sampler = new TokenSampler(V);
    this.recent = new RecentTokens(B, options.stop ?? []);
    this.drawn = new Int32Array(B);
    this.fed = new Int32Array(B);
    this.live = B;
  }

  /** Row b's token from logits row first + b (−1 for an ended row); the returned array is reused. */
  next(logits: ArrayLike<number>, first: number): Int32Array {
    const { drawn, fed, recent, rngs, V } = this;
    for (let b = 0; b < rngs.length; b++) {
      if (recent.ended(b)) {
        drawn[b] = -1;
        continue;
      }
      const token = this.sampler.draw(logits, (first + b) * V, rngs[b], this.options);
      drawn[b] = token;
      fed[b] = token;
      if (recent.push(b, token)) this.live--;
    }
    return drawn;
  }
}

/** Each row's last `width` drawn tokens (width: the longest stop sequence), in a ring, and whether
 *  the row has ended: a row ends when its drawn tokens end with a stop sequence. */
class RecentTokens {
  private readonly width: number;
  private readonly ring: Int32Array;
  private readonly count: Float64Array;
  private readonly done: Uint8Array;

  constructor(
    B: number,
    private readonly stop: readonly Int32Array[],
  ) {
    this.width = Math.max(1, ...stop.map((s) => s.length));
    this.ring = new Int32Array(B * this.width);
    this.count = new Float64Array(B);
    this.done = new Uint8Array(B);
  }

  ended(b: number): boolean {
    return this.done[b] === 1;
  }

  /** Adds row b's next token; true when it ends the row. */
  push(b: number, token: number): boolean {
    const { width, ring } = this;
    const n = ++this.count[b];
    ring[b * width + ((n - 1) % width)] = token;
    // the j-th token from the end (j = 1 the last) sits at (n − j) mod width
    const endsWith = (s: Int32Array) => {
      if (s.length > n) return false;
      for (let j = 1; j <= s.length; j++) {
        if (ring[b * width + ((n - j) % width)] !== s[s.length - j]) return false;
      }
      return true;
    };
    if (!this.stop.some(endsWith)) return false;
    this.done[b] = 1;
    return true;
  }
}
