import { NumericError, ShapeError } from "../errors.js";
import { alloc, type Buf, type DType } from "../tensor.js";
import type { InputConfig } from "./config.js";
import type { Params } from "./params.js";
import { Scratch } from "./scratch.js";
import type { TokenInput } from "./token-projection.js";

/** Turns a batch's tokens (or feature vectors) into the first layer's input x [T·B×I].
 *  embedding: x = E[token] (a row lookup);  onehot: x = e_token (a V-wide vector; same function
 *  as an embedding whose table is folded into W_ih, at V/E times the cost);  dense: x as given. */
export class InputLayer {
  private buffer: Buf;
  private readonly scratch: Scratch;
  private tokens: Int32Array | null = null;
  /** asTokens' result, reused (the tokens are held by reference until backward anyway). */
  private readonly tokenInput: TokenInput;

  constructor(
    readonly config: InputConfig,
    readonly dtype: DType,
    readonly embeddingName: string,
  ) {
    this.buffer = alloc(dtype, 0);
    this.scratch = new Scratch(dtype);
    this.tokenInput = { tokens: new Int32Array(0), vocabSize: 0, table: embeddingName };
  }

  /** Bytes of its buffers now. */
  get bytes(): number {
    return this.scratch.bytes;
  }

  get width(): number {
    const c = this.config;
    return c.kind === "embedding" ? c.embeddingSize : c.kind === "onehot" ? c.vocabSize : c.size;
  }

  forward(params: Params, rows: number, tokens: Int32Array | null, inputs: Buf | null): Buf {
    const c = this.config;
    if (c.kind === "dense") {
      if (!inputs) throw new ShapeError("this model takes dense inputs: pass `inputs` [T·B×I], not tokens");
      if (inputs.length !== rows * c.size) {
        throw new ShapeError(`inputs has ${inputs.length} values, expected T·B·I = ${rows}·${c.size}`);
      }
      checkFinite(inputs);
      return inputs;
    }
    if (!tokens) throw new ShapeError(`this model takes tokens (${c.kind} input): pass \`tokens\` [T·B]`);
    if (tokens.length !== rows)
      throw new ShapeError(`tokens has ${tokens.length} entries, expected T·B = ${rows}`);
    checkTokens(tokens, c.vocabSize);
    this.begin(rows, tokens);
    this.fillRows(params, 0, rows);
    return this.buffer;
  }

  /** An embedding model's tokens as the first layer's input, when projecting the V vocabulary rows
   *  costs less than projecting the `rows` positions (V < rows; token-projection.ts); else null, and
   *  the caller uses forward / begin. Checks the tokens when `check` (the caller checks them row by
   *  row otherwise). */
  asTokens(rows: number, tokens: Int32Array | null | undefined, check: boolean): TokenInput | null {
    const c = this.config;
    if (c.kind !== "embedding" || !tokens || tokens.length !== rows || c.vocabSize >= rows) return null;
    if (check) checkTokens(tokens, c.vocabSize);
    this.tokens = tokens;
    const input = this.tokenInput;
    input.tokens = tokens;
    input.vocabSize = c.vocabSize;
    return input;
  }

  /** Starts a forward whose tokens are decided row block by row block: `tokens` [T·B] is read (and
   *  remembered for backward) as fillRows reaches it. Returns x, filled by fillRows. */
  begin(rows: number, tokens: Int32Array): Buf {
    this.tokens = tokens;
    const width = this.width;
    this.buffer = this.scratch.view("x", rows * width);
    return this.buffer;
  }

  /** x rows [from, to) from tokens[from..to): a one-hot vector or an embedding row each. */
  fillRows(params: Params, from: number, to: number): void {
    const tokens = this.tokens as Int32Array;
    const width = this.width;
    const x = this.buffer;
    if (this.config.kind === "onehot") {
      x.fill(0, from * width, to * width);
      for (let n = from; n < to; n++) x[n * width + tokens[n]] = 1;
      return;
    }
    const table = params.value(this.embeddingName);
    for (let n = from; n < to; n++)
      x.set(table.subarray(tokens[n] * width, (tokens[n] + 1) * width), n * width);
  }

  /** dE[token] += dx for every row (embedding only; one-hot and dense inputs have no parameters). */
  backward(params: Params, inputGrad: Buf): void {
    if (this.config.kind !== "embedding" || !this.tokens) return;
    const width = this.width;
    const tableGrad = params.gradOf(this.embeddingName);
    const tokens = this.tokens;
    for (let n = 0; n < tokens.length; n++) {
      const from = n * width;
      const to = tokens[n] * width;
      for (let j = 0; j < width; j++) tableGrad[to + j] += inputGrad[from + j];
    }
  }
}

function checkTokens(tokens: Int32Array, vocabSize: number): void {
  for (let n = 0; n < tokens.length; n++) {
    if (tokens[n] < 0 || tokens[n] >= vocabSize) {
      throw new ShapeError(
        `token ${tokens[n]} at position ${n} is outside the vocabulary 0..${vocabSize - 1}`,
      );
    }
  }
}

function checkFinite(x: Buf): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]))
      throw new NumericError(`input contains ${x[i]} at position ${i}: inputs must be finite`);
  }
}
