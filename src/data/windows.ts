import type { Rng } from "../random.js";

/** B random windows of T next-token pairs from a token stream, time-major (row t·B + b):
 *  tokens[t·B + b] = stream[o_b + t], classes[t·B + b] = stream[o_b + t + 1]. */
export function sampleWindows(
  stream: Int32Array,
  T: number,
  B: number,
  rng: Rng,
  out = { tokens: new Int32Array(T * B), classes: new Int32Array(T * B) },
): { tokens: Int32Array; classes: Int32Array } {
  const span = stream.length - T - 1;
  for (let b = 0; b < B; b++) {
    const offset = rng.int(span + 1);
    for (let t = 0; t < T; t++) {
      out.tokens[t * B + b] = stream[offset + t];
      out.classes[t * B + b] = stream[offset + t + 1];
    }
  }
  return out;
}
