import { ShapeError } from "../../errors.js";
import { type BufferRef, type KernelSource, linearGroups, type Plan } from "../context.js";

// Row gathers for token inputs and their gradient. An embedding's x_r = E[index[r]] is a gather of
// rows; a one-hot input's x_r W_ihᵀ is column index[r] of W_ih [width×n], a gather of columns
// (`transposed`). Backward sums the rows of each index value, in the CPU's row order, one thread per
// output element: no atomics, so the result is the same on every run.

/** Threads per workgroup of the element-wise kernels here. */
const WG = 256;

/** table[v, c] of a row-major [n×width] table, or of its transpose stored [width×n]. */
function tableIndex(transposed: boolean): string {
  return transposed ? "c * u.n + v" : "v * u.width + c";
}

function gatherKernel(transposed: boolean, bias: boolean): KernelSource {
  const biasBinding = bias ? "@group(0) @binding(4) var<storage, read> bias: array<f32>;" : "";
  const biasTerm = bias ? " + bias[u.biasOffset + c]" : "";
  return {
    label: `gather rows${transposed ? " (transposed)" : ""}${bias ? " + bias" : ""}`,
    code: /* wgsl */ `
struct U { rows: u32, width: u32, n: u32, tableOffset: u32, dstOffset: u32, biasOffset: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
${biasBinding}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.rows * u.width) { return; }
  let r = i / u.width;
  let c = i % u.width;
  let v = u32(index[r]);
  dst[u.dstOffset + i] = table[u.tableOffset + ${tableIndex(transposed)}]${biasTerm};
}`,
  };
}

function scatterKernel(transposed: boolean): KernelSource {
  return {
    label: `scatter-add rows${transposed ? " (transposed)" : ""}`,
    code: /* wgsl */ `
struct U { n: u32, width: u32, srcOffset: u32, gradOffset: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<i32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n * u.width) { return; }
  let v = i / u.width;
  let c = i % u.width;
  // order = [offsets (n+1), row ids]: the rows with index v are order[n+1+k], offsets[v] <= k < offsets[v+1].
  let first = u32(order[v]);
  let last = u32(order[v + 1u]);
  let g = u.gradOffset + ${tableIndex(transposed)};
  var sum = grad[g];
  for (var k = first; k < last; k++) {
    sum += src[u.srcOffset + u32(order[u.n + 1u + k]) * u.width + c];
  }
  grad[g] = sum;
}`,
  };
}

/** table [n×width] (or [width×n] `transposed`), index [rows] i32 in 0..n−1, bias [width],
 *  dst [rows×width]: dst[r, c] = table[index[r], c] (+ bias[c]) for r < rows, c < width; with
 *  `transposed`, dst[r, c] = table[c·n + index[r]] (+ bias[c]): the one-hot input's x W_ihᵀ is
 *  column index[r] of W_ih. table and bias may share a buffer; dst must be another one. */
export function encodeGatherRows(
  plan: Plan,
  o: {
    rows: number;
    width: number;
    n: number;
    table: BufferRef;
    index: GPUBuffer;
    dst: BufferRef;
    bias?: BufferRef | null;
    transposed: boolean;
  },
): void {
  const bias = o.bias ?? null;
  const buffers = [o.table.buffer, o.index, o.dst.buffer];
  if (bias) buffers.push(bias.buffer);
  plan.dispatch(
    gatherKernel(o.transposed, bias !== null),
    buffers,
    { u32: [o.rows, o.width, o.n, o.table.offset, o.dst.offset, bias?.offset ?? 0] },
    linearGroups(o.rows * o.width, WG),
  );
}

/** src [rows×width], order [n+1+rows] i32 (tokenOrder of the gather's index), grad [n×width]
 *  (or [width×n] `transposed`): grad[v, c] += Σ_{r: index[r] = v} src[r, c] (transposed:
 *  grad[c·n + v] += …), summed in increasing r, one thread per (v, c): deterministic, no atomics.
 *  src and grad must be different buffers. */
export function encodeScatterAddRows(
  plan: Plan,
  o: {
    rows: number;
    width: number;
    n: number;
    src: BufferRef;
    order: GPUBuffer;
    grad: BufferRef;
    transposed: boolean;
  },
): void {
  plan.dispatch(
    scatterKernel(o.transposed),
    [o.src.buffer, o.order, o.grad.buffer],
    { u32: [o.n, o.width, o.src.offset, o.grad.offset] },
    linearGroups(o.n * o.width, WG),
  );
}

/** index [rows] in 0..n−1 → [offsets (n+1), rows]: the rows grouped by index value (counting sort,
 *  stable, so each group lists its rows in increasing order); value v's rows are
 *  out[n+1+offsets[v] .. n+1+offsets[v+1]). Throws ShapeError on an index outside 0..n−1. */
export function tokenOrder(index: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n + 1 + index.length);
  for (let r = 0; r < index.length; r++) {
    const v = index[r];
    if (!(v >= 0 && v < n)) throw new ShapeError(`index ${v} at row ${r} is outside 0..${n - 1}`);
    out[v + 1]++;
  }
  for (let v = 0; v < n; v++) out[v + 1] += out[v];
  const next = out.slice(0, n);
  for (let r = 0; r < index.length; r++) out[n + 1 + next[index[r]]++] = r;
  return out;
}
