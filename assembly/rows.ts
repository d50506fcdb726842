// AssemblyScript source of rnnlab's WebAssembly SIMD row reductions (f32x4), in the same module as
// the matrix and pointwise kernels (tools/build-wasm.mjs); src/kernels/rows-wasm.ts copies the
// operands in and the results out. In columnSums and scatterAddRows each output element receives
// its rows' values one float32 addition at a time, in row order, so the results are bit for bit
// those of the TypeScript loops in src/kernels/elementwise.ts and src/model/token-projection.ts on
// float32 buffers.

// @ts-nocheck (AssemblyScript, not TypeScript)

/** out[c] += Σ_r x[r·cols + c] for c < cols, the rows r = 0..rows−1 in order (row by row: x is
 *  read once, in order, and out stays in cache). */
export function columnSums(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) addRow(out, x + (<usize>(r * cols) << 2), cols);
}

/** s[tokens[n]·width ..] += x[n·width ..] for the rows n = 0..count−1 in order (int32 tokens). */
export function scatterAddRows(s: usize, x: usize, tokens: usize, count: i32, width: i32): void {
  for (let n = 0; n < count; n++) {
    addRow(s + (<usize>(load<i32>(tokens + (<usize>n << 2)) * width) << 2), x + (<usize>(n * width) << 2), width);
  }
}

/** dst[0..width) += src[0..width). */
// @ts-ignore: decorator
@inline
function addRow(dst: usize, src: usize, width: i32): void {
  const width4 = width & ~3;
  let j = 0;
  for (; j < width4; j += 4) {
    const q = <usize>j << 2;
    v128.store(dst + q, f32x4.add(v128.load(dst + q), v128.load(src + q)));
  }
  for (; j < width; j++) {
    const q = <usize>j << 2;
    store<f32>(dst + q, load<f32>(dst + q) + load<f32>(src + q));
  }
}

/** out[t] (float64) = Σ x[t·width + i]² over i < width, for t < blocks: each block's sum of squares,
 *  the float32 values squared exactly in float64 and summed there (two lanes, then together). */
export function blockSumSquares(out: usize, x: usize, blocks: i32, width: i32): void {
  const width4 = width & ~3;
  for (let t = 0; t < blocks; t++) {
    const row = x + (<usize>(t * width) << 2);
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let i = 0;
    for (; i < width4; i += 4) {
      const v = v128.load(row + (<usize>i << 2));
      const a = f64x2.promote_low_f32x4(v);
      const b = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      lo = f64x2.add(lo, f64x2.mul(a, a));
      hi = f64x2.add(hi, f64x2.mul(b, b));
    }
    const both = f64x2.add(lo, hi);
    let sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; i < width; i++) {
      const g = <f64>load<f32>(row + (<usize>i << 2));
      sum += g * g;
    }
    store<f64>(out + (<usize>t << 3), sum);
  }
}
