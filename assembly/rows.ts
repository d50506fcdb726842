// AssemblyScript source of rnnlab's WebAssembly SIMD row reductions (f32x4), in the same module as
// the matrix and pointwise kernels (tools/build-wasm.mjs); src/kernels/rows-wasm.ts copies the
// operands in and the results out. Each output element receives its rows' values one float32
// addition at a time, in row order, so the results are bit for bit those of the TypeScript loops in
// src/kernels/elementwise.ts and src/model/token-projection.ts on float32 buffers.

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
