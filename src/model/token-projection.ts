import { addColumnSums } from "../kernels/elementwise.js";
import { linearForward } from "../kernels/linear.js";
import { matmul, matmulTransA } from "../kernels/matmul.js";
import { wasmPointwiseEnabled } from "../kernels/pointwise-wasm.js";
import { scatterAddRowsWasm } from "../kernels/rows-wasm.js";
import type { Buf } from "../tensor.js";
import type { Params } from "./params.js";

// The first layer of an embedding model, fed tokens: x_n = E[v_n], so its input projection is
//   W_ih x_n + b_ih = P[v_n]  with  P = E·W_ihᵀ + b_ih  [V×G·H],
// one product over the V vocabulary rows instead of the T·B positions (fewer when V < T·B, as in
// a character model), then a row copy per position. Backward, with S[v] = Σ_{n: v_n = v} dA_n:
//   dW_ih += Sᵀ·E,  db_ih += Σ_v S[v],  dE += S·W_ih  (each once per pass, V rows).

/** The first layer's input as tokens of an embedding table (the parameter `table` [V×E]). */
export interface TokenInput {
  tokens: Int32Array;
  vocabSize: number;
  table: string;
}

export function isTokenInput(x: Buf | TokenInput): x is TokenInput {
  return (x as TokenInput).tokens !== undefined;
}

/** P [V×GH] = E·W_ihᵀ + b_ih (no b_ih: null). */
export function projectVocabulary(
  P: Buf,
  params: Params,
  input: TokenInput,
  weightIh: string,
  biasIh: string | null,
  GH: number,
): void {
  const table = params.value(input.table);
  const V = input.vocabSize;
  const bias = biasIh ? params.value(biasIh) : null;
  linearForward(P, table, params.value(weightIh), bias, V, table.length / V, GH);
}

/** P's rows as views, made once per (P, V) and reused: a row copy is then TypedArray.set, a
 *  memcpy, where an element loop converts every float32 through float64 and back. */
export class VocabularyRows {
  private rows: Buf[] = [];
  private of: Buf | null = null;

  get(P: Buf, V: number, width: number): Buf[] {
    if (this.of !== P || this.rows.length !== V) {
      this.rows = Array.from({ length: V }, (_, v) => P.subarray(v * width, (v + 1) * width));
      this.of = P;
    }
    return this.rows;
  }
}

/** Rows n = from..to−1 of out [·×width] = P[tokens[n]], given P's rows (out is indexed from row 0,
 *  so filling a few steps needs no view of it). */
export function gatherRows(
  out: Buf,
  rows: Buf[],
  tokens: Int32Array,
  from: number,
  to: number,
  width: number,
): void {
  for (let n = from; n < to; n++) out.set(rows[tokens[n]], n * width);
}

/** Backward of the projection from dA = inputPartGrad [T·B×GH], through S (scratch [V×GH]):
 *  dW_ih, db_ih and (when `embeddingGrad`) dE accumulate. */
export function projectVocabularyBackward(
  S: Buf,
  params: Params,
  input: TokenInput,
  inputPartGrad: Buf,
  weightIh: string,
  biasIh: string | null,
  GH: number,
  embeddingGrad: boolean,
): void {
  const { tokens, vocabSize: V } = input;
  S.fill(0);
  scatterAddRows(S, inputPartGrad, tokens, GH);
  const table = params.value(input.table);
  const E = table.length / V;
  matmulTransA(params.gradOf(weightIh), S, table, GH, V, E);
  if (biasIh) addColumnSums(params.gradOf(biasIh), S, V, GH);
  if (embeddingGrad) matmul(params.gradOf(input.table), S, params.value(weightIh), V, GH, E);
}

/** S[tokens[n]] += x[n] for every row n [·×width], in order. */
function scatterAddRows(S: Buf, x: Buf, tokens: Int32Array, width: number): void {
  if (S instanceof Float32Array && x instanceof Float32Array && wasmPointwiseEnabled()) {
    scatterAddRowsWasm(S, x, tokens, width);
    return;
  }
  const width4 = width - (width % 4);
  for (let n = 0; n < tokens.length; n++) {
    const dst = tokens[n] * width;
    const src = n * width;
    let j = 0;
    for (; j < width4; j += 4) {
      S[dst + j] += x[src + j];
      S[dst + j + 1] += x[src + j + 1];
      S[dst + j + 2] += x[src + j + 2];
      S[dst + j + 3] += x[src + j + 3];
    }
    for (; j < width; j++) S[dst + j] += x[src + j];
  }
}
