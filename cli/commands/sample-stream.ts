import { ChunkDecoder, type Tokenizer } from "../../src/data/tokenizer.js";
import { drawSteps, type SamplingOptions, sampleSequences } from "../../src/eval/sampling.js";
import type { StepModel } from "../../src/eval/stepper.js";
import { Rng } from "../../src/random.js";

// `rnnlab sample`'s samples, written as they are drawn: sample i (seed + i) is the prime's text, the
// drawn text and a newline, after a header line when there is more than one.

/** Samples are drawn together (one batched forward per step for all of them, then printed one after
 *  another) while their tokens number at most this (16 MiB of them); beyond it, each is drawn alone
 *  and streamed, so memory does not grow with --length. Both print the same text: row i of a batch
 *  draws what seed + i draws alone (up to the float rounding of the batched products). */
export const BATCHED_TOKENS = 1 << 22;

/** Tokens decoded and written at a time while streaming. */
const CHUNK_TOKENS = 256;

export interface SampleRequest {
  model: StepModel;
  tokenizer: Tokenizer;
  /** The --prime text, printed as given, and its tokens. */
  primeText: string;
  prime: Int32Array;
  length: number;
  seed: number;
  num: number;
  sampling: SamplingOptions;
}

/** `batchedTokens`: BATCHED_TOKENS (tests lower it to stream every sample). */
export function writeSamples(
  request: SampleRequest,
  write: (text: string) => void,
  batchedTokens = BATCHED_TOKENS,
): void {
  const { model, tokenizer, primeText, prime, length, seed, num, sampling } = request;
  const header = (i: number) => (num > 1 ? `--- sample ${i + 1}/${num} (seed ${seed + i}) ---\n` : "");
  if (num > 1 && num * length <= batchedTokens) {
    const rngs = Array.from({ length: num }, (_, i) => new Rng(seed + i));
    const rows = sampleSequences(model, prime, length, rngs, sampling);
    for (const [i, row] of rows.entries()) write(`${header(i)}${primeText}${tokenizer.decode(row)}\n`);
    return;
  }
  for (let i = 0; i < num; i++) {
    write(`${header(i)}${primeText}`);
    const steps = drawSteps(model, prime, length, [new Rng(seed + i)], sampling);
    streamText(steps, new ChunkDecoder(tokenizer), write);
    write("\n");
  }
}

/** Writes one row's drawn tokens as text, CHUNK_TOKENS at a time. */
function streamText(steps: Iterable<Int32Array>, decoder: ChunkDecoder, write: (text: string) => void): void {
  const chunk = new Int32Array(CHUNK_TOKENS);
  let n = 0;
  const flush = () => {
    const text = decoder.push(chunk.subarray(0, n));
    if (text !== "") write(text);
    n = 0;
  };
  for (const drawn of steps) {
    chunk[n++] = drawn[0];
    if (n === CHUNK_TOKENS) flush();
  }
  flush();
  const rest = decoder.end();
  if (rest !== "") write(rest);
}
