import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";

/** A (T, B) batch of next-token pairs, time-major (row t·B + b):
 *  tokens[t·B + b] = stream[o_b + t], classes[t·B + b] = stream[o_b + t + 1]. */
export interface TokenBatch {
  T: number;
  B: number;
  tokens: Int32Array;
  classes: Int32Array;
}

export function emptyBatch(T: number, B: number): TokenBatch {
  return { T, B, tokens: new Int32Array(T * B), classes: new Int32Array(T * B) };
}

export function checkWindow(streamLength: number, T: number, what: string): void {
  if (streamLength < T + 1) {
    throw new ConfigError(
      `the sequence length ${T} is longer than the ${what} (${streamLength} tokens): use a shorter --seq-len or more data`,
    );
  }
}

/** Fills `out` with B windows at uniformly random offsets. */
export function sampleWindows(stream: Int32Array, rng: Rng, out: TokenBatch): TokenBatch {
  const { T, B } = out;
  checkWindow(stream.length, T, "training data");
  const span = stream.length - T - 1;
  for (let b = 0; b < B; b++) fillWindow(stream, rng.int(span + 1), b, out);
  return out;
}

/** Non-overlapping windows covering the stream in order, B at a time (the last batch may have
 *  fewer rows), at most `maxBatches`: the fixed validation set. */
export function sequentialBatches(
  stream: Int32Array,
  T: number,
  B: number,
  maxBatches = Number.POSITIVE_INFINITY,
): TokenBatch[] {
  checkWindow(stream.length, T, "validation data");
  const windows = Math.floor((stream.length - 1) / T);
  const batches: TokenBatch[] = [];
  for (let w = 0; w < windows && batches.length < maxBatches; w += B) {
    const rows = Math.min(B, windows - w);
    const batch = emptyBatch(T, rows);
    for (let b = 0; b < rows; b++) fillWindow(stream, (w + b) * T, b, batch);
    batches.push(batch);
  }
  return batches;
}

function fillWindow(stream: Int32Array, offset: number, b: number, out: TokenBatch): void {
  for (let t = 0; t < out.T; t++) {
    out.tokens[t * out.B + b] = stream[offset + t];
    out.classes[t * out.B + b] = stream[offset + t + 1];
  }
}
