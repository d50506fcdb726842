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
  if (drawnTogether(request, batchedTokens)) {
    const rows = sampleSequences(model, prime, length, generators(seed, num), sampling);
    for (const [i, row] of rows.entries())
      write(`${header(request, i)}${primeText}${tokenizer.decode(row)}
`);
    return;
  }
  for (let i = 0; i < num; i++) {
    write(`${header(request, i)}${primeText}`);
    const text = new TextStream(tokenizer, write);
    for (const drawn of drawSteps(model, prime, length, generators(seed + i, 1), sampling))
      text.push(drawn[0]);
    text.end();
  }
}

/** What writeSamplesAsync needs: a SampleRequest's, with `draw` in place of the model (drawStepsAsync
 *  on a stepper of rngs.length rows, the GPU's). */
export type AsyncSampleRequest = Omit<SampleRequest, "model"> & {
  draw: (rngs: Rng[]) => AsyncIterable<Int32Array>;
};

/** writeSamples with draws that resolve later: the same text, batched or streamed as there. */
export async function writeSamplesAsync(
  request: AsyncSampleRequest,
  write: (text: string) => void,
  batchedTokens = BATCHED_TOKENS,
): Promise<void> {
  const { draw, tokenizer, primeText, seed, num } = request;
  if (drawnTogether(request, batchedTokens)) {
    const rows: number[][] = Array.from({ length: num }, () => []);
    for await (const drawn of draw(generators(seed, num))) {
      for (let b = 0; b < num; b++) if (drawn[b] >= 0) rows[b].push(drawn[b]);
    }
    for (const [i, row] of rows.entries())
      write(`${header(request, i)}${primeText}${tokenizer.decode(row)}\n`);
    return;
  }
  for (let i = 0; i < num; i++) {
    write(`${header(request, i)}${primeText}`);
    const text = new TextStream(tokenizer, write);
    for await (const drawn of draw(generators(seed + i, 1))) text.push(drawn[0]);
    text.end();
  }
}

/** Whether the samples are drawn as one batch (else each alone, streamed): see BATCHED_TOKENS. */
function drawnTogether(request: { num: number; length: number }, batchedTokens: number): boolean {
  return request.num > 1 && request.num * request.length <= batchedTokens;
}

/** Generators seeded seed, seed + 1, …: sample i draws from seed + i. */
function generators(seed: number, count: number): Rng[] {
  return Array.from({ length: count }, (_, i) => new Rng(seed + i));
}

function header(request: { seed: number; num: number }, i: number): string {
  return request.num > 1 ? `--- sample ${i + 1}/${request.num} (seed ${request.seed + i}) ---\n` : "";
}

/** One row's drawn tokens written as text, CHUNK_TOKENS at a time; end() writes the rest and the
 *  sample's closing newline. */
class TextStream {
  private readonly decoder: ChunkDecoder;
  private readonly chunk = new Int32Array(CHUNK_TOKENS);
  private n = 0;

  constructor(
    tokenizer: Tokenizer,
    private readonly write: (text: string) => void,
  ) {
    this.decoder = new ChunkDecoder(tokenizer);
  }

  push(token: number): void {
    this.chunk[this.n++] = token;
    if (this.n === CHUNK_TOKENS) this.flush();
  }

  end(): void {
    this.flush();
    const rest = this.decoder.end();
    if (rest !== "") this.write(rest);
    this.write("\n");
  }

  private flush(): void {
    const text = this.decoder.push(this.chunk.subarray(0, this.n));
    if (text !== "") this.write(text);
    this.n = 0;
  }
}
