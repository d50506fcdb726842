import { memoryFloat64, memoryFor, memoryInt32, memoryView, wasmScratchBase } from "./gemm-wasm.js";
import { pointwiseKernels, round4 } from "./pointwise-wasm.js";

// Row reductions of a training step's backward in WebAssembly SIMD (assembly/rows.ts): a bias's
// gradient (column sums over the T·B rows), the embedding projection's scatter by token, and the
// per-step sums of squares behind normsOverTime. V8's float32 loops convert every element through
// float64 and back; the first two add four at a time, in the same order, so their results are bit
// for bit the TypeScript loops'. Each call copies its operands in and the result out. Call only
// when wasmPointwiseEnabled().

/** out[c] += Σ_r x[r×cols + c] (rows in order). */
export function columnSumsWasm(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
  const size = rows * cols;
  const o = wasmScratchBase();
  const xOff = o + 4 * round4(cols);
  const mem = memoryFor(xOff + 4 * size);
  mem.set(out.length === cols ? out : out.subarray(0, cols), o >> 2);
  mem.set(x.length === size ? x : x.subarray(0, size), xOff >> 2);
  pointwiseKernels().columnSums(o, xOff, rows, cols);
  out.set(memoryView(o, cols));
}

/** s[tokens[n]] += x[n] for the rows n = 0..tokens.length−1 [·×width] (s's rows in vocabulary
 *  order, s.length / width of them). */
export function scatterAddRowsWasm(
  s: Float32Array,
  x: Float32Array,
  tokens: Int32Array,
  width: number,
): void {
  const count = tokens.length;
  const size = count * width;
  const sOff = wasmScratchBase();
  const xOff = sOff + 4 * round4(s.length);
  const tOff = xOff + 4 * round4(size);
  const mem = memoryFor(tOff + 4 * count);
  mem.set(s, sOff >> 2);
  mem.set(x.length === size ? x : x.subarray(0, size), xOff >> 2);
  memoryInt32().set(tokens, tOff >> 2);
  pointwiseKernels().scatterAddRows(sOff, xOff, tOff, count, width);
  s.set(memoryView(sOff, s.length));
}

/** out[t] = Σ_i x[t·width + i]² for t < blocks (in float64: the squares of float32 values are
 *  exact there). */
export function blockSumSquaresWasm(out: Float64Array, x: Float32Array, blocks: number, width: number): void {
  const size = blocks * width;
  const oOff = wasmScratchBase();
  const xOff = oOff + 8 * blocks + 8;
  const mem = memoryFor(xOff + 4 * size);
  mem.set(x.length === size ? x : x.subarray(0, size), xOff >> 2);
  pointwiseKernels().blockSumSquares(oOff, xOff, blocks, width);
  const sums = memoryFloat64();
  for (let t = 0; t < blocks; t++) out[t] = sums[(oOff >> 3) + t];
}
