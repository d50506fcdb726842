import { ConfigError } from "../../errors.js";
import { type BufferRef, type KernelSource, linearGroups, MAX_GROUPS, type Plan } from "../context.js";

// Sums on the GPU, in f32, as tree reductions in workgroup memory: bias gradients (column sums over
// T·B rows), the gradient norm² for clipping, a loss summed over rows, ‖dL/dh_t‖ per time step; and
// max |x| (the gradient's infinity norm for clipping).

/** Threads of every reduction workgroup. */
const WG = 256;
/** Column sums: a workgroup holds COLS_PER_GROUP columns × ROW_LANES row lanes (WG threads); lane l
 *  sums rows l, l + ROW_LANES, ... of its column, then the lanes are added as a tree. Neighbouring
 *  threads take neighbouring columns, so each warp reads runs of 16 consecutive floats. */
const COLS_PER_GROUP = 16;
const ROW_LANES = WG / COLS_PER_GROUP;
/** The most workgroups (partial sums) of the first pass of encodeSum / encodeSumOfSquares. */
const MAX_PARTIALS = 1024;
/** Elements each thread of that pass sums at least, before the partials are capped. */
const PER_THREAD = 4;

/** dst [cols] (+)= Σ_r src [rows×cols] row r: dst[j] (+)= Σ_{r<rows} src[r·cols + j]. One workgroup
 *  per 16 columns, 16 row lanes each, one pass (there is no scratch): fine for rows in the 10^4s. */
export function encodeColumnSums(
  plan: Plan,
  o: { rows: number; cols: number; src: BufferRef; dst: BufferRef; accumulate: boolean },
): void {
  checkSizes("encodeColumnSums", { rows: o.rows, cols: o.cols });
  checkDistinct("encodeColumnSums", o.src, o.dst);
  if (o.cols === 0) return;
  const groups = Math.ceil(o.cols / COLS_PER_GROUP);
  if (groups > MAX_GROUPS)
    throw new ConfigError(`encodeColumnSums: ${o.cols} columns, over ${MAX_GROUPS * COLS_PER_GROUP}`);
  const uniforms = { u32: [o.rows, o.cols, o.src.offset, o.dst.offset, o.accumulate ? 1 : 0] };
  plan.dispatch(columnSumsKernel, [o.src.buffer, o.dst.buffer], uniforms, [groups]);
}

/** Elements of the `scratch` buffer encodeSum, encodeSumOfSquares and encodeMaxAbs need for n
 *  elements: one per workgroup of their first pass (at least one). */
export function reduceScratchSize(n: number): number {
  return partialCount(n);
}

/** dst[0] = Σ_{i<n} src[i]², src [n] (the gradient norm² for clipping). scratch holds at least
 *  reduceScratchSize(n) elements and is neither src's nor dst's buffer. */
export function encodeSumOfSquares(
  plan: Plan,
  o: { n: number; src: BufferRef; dst: BufferRef; scratch: GPUBuffer },
): void {
  encodeTotal(plan, o, true, "encodeSumOfSquares");
}

/** dst[0] = Σ_{i<n} src[i], src [n] (a loss summed over rows). scratch as for encodeSumOfSquares. */
export function encodeSum(
  plan: Plan,
  o: { n: number; src: BufferRef; dst: BufferRef; scratch: GPUBuffer },
): void {
  encodeTotal(plan, o, false, "encodeSum");
}

/** dst[0] = max_{i<n} |src[i]|, src [n] (the gradient's infinity norm for clipping; 0 for n = 0),
 *  exact, NaN if any src[i] is NaN (as train/clip.ts's maxAbs), else +Infinity if any is ±Infinity.
 *  scratch as for encodeSumOfSquares. */
export function encodeMaxAbs(
  plan: Plan,
  o: { n: number; src: BufferRef; dst: BufferRef; scratch: GPUBuffer },
): void {
  const name = "encodeMaxAbs";
  checkSizes(name, { n: o.n });
  checkDistinct(name, o.src, o.dst);
  const partials = partialCount(o.n);
  if (partials === 1) {
    plan.dispatch(
      maxAbsKernel,
      [o.src.buffer, o.dst.buffer],
      { u32: [o.n, o.src.offset, o.dst.offset] },
      [1],
    );
    return;
  }
  checkScratch(name, o, partials);
  plan.dispatch(maxAbsKernel, [o.src.buffer, o.scratch], { u32: [o.n, o.src.offset, 0] }, [partials]);
  // The partials are ≥ 0 (or NaN), so their max |·| is their max.
  plan.dispatch(maxAbsKernel, [o.scratch, o.dst.buffer], { u32: [partials, 0, o.dst.offset] }, [1]);
}

/** dst [blocks] = ‖src [blocks×blockSize] row i‖₂: dst[i] = sqrt(Σ_{j<blockSize} src[i·blockSize + j]²)
 *  (‖dL/dh_t‖ per time step: blocks = T+1, blockSize = B·H). One workgroup per block. */
export function encodeBlockNorms(
  plan: Plan,
  o: { blocks: number; blockSize: number; src: BufferRef; dst: BufferRef },
): void {
  checkSizes("encodeBlockNorms", { blocks: o.blocks, blockSize: o.blockSize });
  checkDistinct("encodeBlockNorms", o.src, o.dst);
  if (o.blocks === 0) return;
  const uniforms = { u32: [o.blocks, o.blockSize, o.src.offset, o.dst.offset] };
  plan.dispatch(blockNormsKernel, [o.src.buffer, o.dst.buffer], uniforms, linearGroups(o.blocks, 1));
}

/** Workgroups of the first pass: each thread sums ≥ PER_THREAD elements, at most MAX_PARTIALS. */
function partialCount(n: number): number {
  return Math.min(MAX_PARTIALS, Math.max(1, Math.ceil(n / (WG * PER_THREAD))));
}

/** Pass 1: scratch[g] = Σ over the elements of workgroup g (squared or not); pass 2: dst[0] = Σ_g
 *  scratch[g]. With one workgroup, pass 1 writes dst directly. */
function encodeTotal(
  plan: Plan,
  o: { n: number; src: BufferRef; dst: BufferRef; scratch: GPUBuffer },
  square: boolean,
  name: string,
): void {
  checkSizes(name, { n: o.n });
  checkDistinct(name, o.src, o.dst);
  const partials = partialCount(o.n);
  const kernel = square ? sumOfSquaresKernel : sumKernel;
  if (partials === 1) {
    plan.dispatch(kernel, [o.src.buffer, o.dst.buffer], { u32: [o.n, o.src.offset, o.dst.offset] }, [1]);
    return;
  }
  checkScratch(name, o, partials);
  plan.dispatch(kernel, [o.src.buffer, o.scratch], { u32: [o.n, o.src.offset, 0] }, [partials]);
  plan.dispatch(sumKernel, [o.scratch, o.dst.buffer], { u32: [partials, 0, o.dst.offset] }, [1]);
}

function checkScratch(
  name: string,
  o: { src: BufferRef; dst: BufferRef; scratch: GPUBuffer },
  partials: number,
): void {
  if (o.scratch === o.src.buffer || o.scratch === o.dst.buffer) {
    throw new ConfigError(`${name}: scratch must be a buffer of its own`);
  }
  if (o.scratch.size < partials * 4) {
    throw new ConfigError(`${name}: scratch holds ${o.scratch.size / 4} elements, ${partials} needed`);
  }
}

function checkSizes(name: string, sizes: Record<string, number>): void {
  for (const [key, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0)
      throw new ConfigError(`${name}: ${key} = ${value} is not a size`);
  }
}

function checkDistinct(name: string, src: BufferRef, dst: BufferRef): void {
  if (src.buffer === dst.buffer) throw new ConfigError(`${name}: dst must be a different buffer from src`);
}

/** WGSL: partial[lid] holds each thread's sum; after it, partial[0] holds the workgroup's. */
const treeReduce = /* wgsl */ `
var<workgroup> partial: array<f32, ${WG}>;

// partial[0] = Σ_{t<WG} partial[t], halving the active threads each step.
fn reducePartials(lid: u32) {
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
  }
  workgroupBarrier();
}
`;

const columnSumsKernel: KernelSource = {
  label: "column sums",
  code: /* wgsl */ `
struct U { rows: u32, cols: u32, srcOffset: u32, dstOffset: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
var<workgroup> partial: array<f32, ${WG}>;

// Thread (column c, lane l) sums rows l, l + ROW_LANES, ...; the lanes of a column are then added
// as a tree: partial[l·COLS + c] for l = 0 .. ROW_LANES.
@compute @workgroup_size(${COLS_PER_GROUP}, ${ROW_LANES})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j = wid.x * ${COLS_PER_GROUP}u + lid.x;
  var sum = 0.0;
  if (j < u.cols) {
    for (var r = lid.y; r < u.rows; r += ${ROW_LANES}u) { sum += src[u.srcOffset + r * u.cols + j]; }
  }
  partial[lid.y * ${COLS_PER_GROUP}u + lid.x] = sum;
  for (var stride = ${ROW_LANES / 2}u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lid.y < stride) {
      partial[lid.y * ${COLS_PER_GROUP}u + lid.x] += partial[(lid.y + stride) * ${COLS_PER_GROUP}u + lid.x];
    }
  }
  if (lid.y == 0u && j < u.cols) {
    let at = u.dstOffset + j;
    var value = partial[lid.x];
    if (u.accumulate != 0u) { value += dst[at]; }
    dst[at] = value;
  }
}`,
};

/** out[outOffset + g] = Σ of term(src[i]) over the i < n that workgroup g's threads visit (a grid
 *  stride loop: i = g·WG + t, then + groups·WG ...). */
function totalCode(term: string): string {
  return /* wgsl */ `
struct U { n: u32, srcOffset: u32, outOffset: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${treeReduce}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * ${WG}u;
  var sum = 0.0;
  for (var i = wid.x * ${WG}u + lid.x; i < u.n; i += stride) {
    let x = src[u.srcOffset + i];
    sum += ${term};
  }
  partial[lid.x] = sum;
  reducePartials(lid.x);
  if (lid.x == 0u) { out[u.outOffset + wid.x] = partial[0]; }
}`;
}

const sumKernel: KernelSource = { label: "sum", code: totalCode("x") };
const sumOfSquaresKernel: KernelSource = { label: "sum of squares", code: totalCode("x * x") };

/** out[outOffset + g] = max |src[i]| over the i < n that workgroup g's threads visit (the grid stride
 *  loop of totalCode). On the bits: |x| is x's bits with the sign bit cleared, and for those, integer
 *  order is float order with every NaN (exponent all ones, mantissa ≠ 0) above +Infinity. So the
 *  max of the u32s is exact, is NaN when any input is, and needs no float compare (a NaN compare
 *  that a shader compiler may assume never happens). The buffers are bound as u32 arrays: the f32
 *  bits pass through untouched. */
const maxAbsKernel: KernelSource = {
  label: "max abs",
  code: /* wgsl */ `
struct U { n: u32, srcOffset: u32, outOffset: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
var<workgroup> partial: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * ${WG}u;
  var most = 0u;
  for (var i = wid.x * ${WG}u + lid.x; i < u.n; i += stride) {
    most = max(most, src[u.srcOffset + i] & 0x7fffffffu);
  }
  partial[lid.x] = most;
  for (var width = ${WG / 2}u; width > 0u; width >>= 1u) {
    workgroupBarrier();
    if (lid.x < width) { partial[lid.x] = max(partial[lid.x], partial[lid.x + width]); }
  }
  workgroupBarrier();
  if (lid.x == 0u) { out[u.outOffset + wid.x] = partial[0]; }
}`,
};

const blockNormsKernel: KernelSource = {
  label: "block norms",
  code: /* wgsl */ `
struct U { blocks: u32, blockSize: u32, srcOffset: u32, dstOffset: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${treeReduce}
// Workgroup i: dst[i] = sqrt(Σ_j src[i·blockSize + j]²).
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let block = wid.x + wid.y * nwg.x;
  if (block >= u.blocks) { return; }
  let start = u.srcOffset + block * u.blockSize;
  var sum = 0.0;
  for (var j = lid.x; j < u.blockSize; j += ${WG}u) {
    let x = src[start + j];
    sum += x * x;
  }
  partial[lid.x] = sum;
  reducePartials(lid.x);
  if (lid.x == 0u) { dst[u.dstOffset + block] = sqrt(partial[0]); }
}`,
};
