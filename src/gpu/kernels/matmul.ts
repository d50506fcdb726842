import { ConfigError } from "../../errors.js";
import {
  type BufferRef,
  type KernelSource,
  linearGroups,
  MAX_GROUPS,
  type Plan,
  type Uniforms,
} from "../context.js";

// Matrix products C [M×N] (+)= A·B (+ bias) on row-major f32 buffers, for the WebGPU backend:
// inputs · W_ihᵀ (+ b_ih), logits h·Wᵀ + b, weight gradients dAᵀ·x (transA, accumulate, K = T·B),
// input gradients dA·W. Each variant (transA, transB) is its own WGSL, generated once and cached,
// so the loads are straight-line code; `accumulate` and bias-or-not are uniforms (a bias-free
// product binds A's buffer in the bias slot, unread), halving the kernels SwiftShader compiles.

/** C [M×N] (+)= A·B (+ bias). a, b and bias may share one buffer (bound separately, all `read`);
 *  c must be another buffer. */
export interface MatmulOptions {
  M: number;
  N: number;
  K: number;
  /** A [M×K] row-major, or stored [K×M] when transA. */
  a: BufferRef;
  transA: boolean;
  /** B [K×N] row-major, or stored [N×K] when transB (a PyTorch weight). */
  b: BufferRef;
  transB: boolean;
  /** C [M×N] row-major. */
  c: BufferRef;
  /** C += A·B instead of C = A·B. */
  accumulate: boolean;
  /** [N], added to every row of C. */
  bias?: BufferRef | null;
}

/** Output tile of one workgroup (TILE×TILE), its K step, and the 16×16 threads that each own a
 *  4×4 block of it (rows 4·ty.., columns 4·tx..), read from the tiles as one vec4 each. */
const THREADS_SIDE = 16;
const PER_THREAD = 4; // a vec4
const TILE = THREADS_SIDE * PER_THREAD;
/** 8, not 16: WGSL zero-fills workgroup memory at entry, and SwiftShader compiles that fill element
 *  by element, about 1 s per 1024 floats (the two tiles hold 2·64·TILE_K). */
const TILE_K = 8;
/** Threads per workgroup of the reference kernel. */
const REFERENCE_WG = 64;

/** C [M×N] (+)= A [M×K] · B [K×N] (+ bias [N]), with A, B optionally stored transposed: the tiled
 *  kernel (64×64 output tiles in workgroup memory, 4×4 outputs a thread). Any M, N, K ≥ 0; K = 0
 *  leaves C = bias (or C + bias when accumulating). Rows up to 65535·64. */
export function encodeMatmul(plan: Plan, o: MatmulOptions): void {
  checkShape("encodeMatmul", o);
  if (o.M === 0 || o.N === 0) return;
  const rowTiles = Math.ceil(o.M / TILE);
  const colTiles = Math.ceil(o.N / TILE);
  if (rowTiles > MAX_GROUPS || colTiles > MAX_GROUPS) {
    throw new ConfigError(
      `encodeMatmul: ${o.M}×${o.N} needs over ${MAX_GROUPS} tiles of ${TILE} in a dimension`,
    );
  }
  plan.dispatch(tiledKernel(variantOf(o)), bindings(o), uniformsOf(o), [colTiles, rowTiles]);
}

/** C [M×N] (+)= A·B (+ bias), as encodeMatmul, naively: one thread per element of C, a plain loop
 *  over K reading global memory. The reference the tiled kernel is tested against. */
export function encodeMatmulReference(plan: Plan, o: MatmulOptions): void {
  checkShape("encodeMatmulReference", o);
  if (o.M === 0 || o.N === 0) return;
  plan.dispatch(
    referenceKernel(variantOf(o)),
    bindings(o),
    uniformsOf(o),
    linearGroups(o.M * o.N, REFERENCE_WG),
  );
}

interface Variant {
  transA: boolean;
  transB: boolean;
}

function variantOf(o: MatmulOptions): Variant {
  return { transA: o.transA, transB: o.transB };
}

function checkShape(name: string, o: MatmulOptions): void {
  for (const [key, value] of Object.entries({ M: o.M, N: o.N, K: o.K })) {
    if (!Number.isInteger(value) || value < 0)
      throw new ConfigError(`${name}: ${key} = ${value} is not a size`);
  }
  if (o.c.buffer === o.a.buffer || o.c.buffer === o.b.buffer) {
    throw new ConfigError(`${name}: C must be a different buffer from A and B`);
  }
}

/** Storage bindings 1.. : a, b, bias (a's buffer, unread, when there is none), c. */
function bindings(o: MatmulOptions): GPUBuffer[] {
  return [o.a.buffer, o.b.buffer, o.bias ? o.bias.buffer : o.a.buffer, o.c.buffer];
}

/** The uniform struct U below, u32 fields in order. */
function uniformsOf(o: MatmulOptions): Uniforms {
  const biasOffset = o.bias ? o.bias.offset : 0;
  const flags = [o.bias ? 1 : 0, o.accumulate ? 1 : 0];
  return { u32: [o.M, o.N, o.K, o.a.offset, o.b.offset, o.c.offset, biasOffset, ...flags] };
}

/** The declarations both kernels share, and the element reads of A and B for the variant:
 *  A(i, k) = a[i·K + k], or a[k·M + i] when stored transposed; B(k, j) = b[k·N + j], or b[j·K + k]. */
function header(v: Variant): string {
  const aIndex = v.transA ? "k * u.M + i" : "i * u.K + k";
  const bIndex = v.transB ? "j * u.K + k" : "k * u.N + j";
  return /* wgsl */ `
struct U {
  M: u32, N: u32, K: u32, aOffset: u32, bOffset: u32, cOffset: u32, biasOffset: u32,
  hasBias: u32, accumulate: u32,
}
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn loadA(i: u32, k: u32) -> f32 { return a[u.aOffset + ${aIndex}]; }
fn loadB(k: u32, j: u32) -> f32 { return b[u.bOffset + ${bIndex}]; }

// C[i, j] = (accumulate ? C[i, j] : 0) + bias[j] + sum
fn store(i: u32, j: u32, sum: f32) {
  let at = u.cOffset + i * u.N + j;
  var value = sum;
  if (u.hasBias != 0u) { value += bias[u.biasOffset + j]; }
  if (u.accumulate != 0u) { value += c[at]; }
  c[at] = value;
}
`;
}

function variantKey(v: Variant): string {
  return `${v.transA ? "T" : "N"}${v.transB ? "T" : "N"}`;
}

const referenceKernels = new Map<string, KernelSource>();
const tiledKernels = new Map<string, KernelSource>();

function referenceKernel(v: Variant): KernelSource {
  const key = variantKey(v);
  let kernel = referenceKernels.get(key);
  if (!kernel) {
    kernel = { label: `matmul reference ${key}`, code: referenceCode(v) };
    referenceKernels.set(key, kernel);
  }
  return kernel;
}

function tiledKernel(v: Variant): KernelSource {
  const key = variantKey(v);
  let kernel = tiledKernels.get(key);
  if (!kernel) {
    kernel = { label: `matmul ${key}`, code: tiledCode(v) };
    tiledKernels.set(key, kernel);
  }
  return kernel;
}

function referenceCode(v: Variant): string {
  return /* wgsl */ `${header(v)}
@compute @workgroup_size(${REFERENCE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * ${REFERENCE_WG}u;
  if (e >= u.M * u.N) { return; }
  let i = e / u.N;
  let j = e % u.N;
  var sum = 0.0;
  for (var k = 0u; k < u.K; k++) { sum += loadA(i, k) * loadB(k, j); }
  store(i, j, sum);
}`;
}

/** Which tile element thread `t` loads on pass p (e = t + 256·p over the TILE×TILE_K tile): the
 *  index that runs fastest across threads follows the operand's contiguous dimension, so each warp
 *  reads consecutive addresses (k for A [M×K] and transposed B; the row/column otherwise). */
function tileCoords(kContiguous: boolean): string {
  return kContiguous
    ? `let kk = e % ${TILE_K}u; let rr = e / ${TILE_K}u;`
    : `let rr = e % ${TILE}u; let kk = e / ${TILE}u;`;
}

/** The tiles are vec4 arrays, [TILE_K][TILE / 4]: tile[kk][rr / 4][rr % 4] holds row (or column)
 *  rr at step kk, so a thread reads its 4 rows of A and 4 columns of B at kk as two vec4 loads. */
function tiledCode(v: Variant): string {
  const threads = THREADS_SIDE * THREADS_SIDE;
  const loadsPerThread = (TILE * TILE_K) / threads;
  const vecs = (TILE / 4) * TILE_K;
  return /* wgsl */ `${header(v)}
var<workgroup> tileA: array<vec4f, ${vecs}>;
var<workgroup> tileB: array<vec4f, ${vecs}>;

@compute @workgroup_size(${THREADS_SIDE}, ${THREADS_SIDE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let t = lid.x + lid.y * ${THREADS_SIDE}u;
  // acc_r[s] = Σ_k A[row0 + 4ty + r, k] · B[k, col0 + 4tx + s] so far.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < u.K; k0 += ${TILE_K}u) {
    // Stage A[row0.., k0..] and B[k0.., col0..], zero outside the matrices (the clamped index
    // reads a valid element whose value select drops: no branch).
    for (var p = 0u; p < ${loadsPerThread}u; p++) {
      let e = t + p * ${threads}u;
      {
        ${tileCoords(!v.transA)}
        let i = row0 + rr;
        let k = k0 + kk;
        let x = loadA(min(i, u.M - 1u), min(k, u.K - 1u));
        tileA[kk * ${TILE / 4}u + rr / 4u][rr % 4u] = select(0.0, x, i < u.M && k < u.K);
      }
      {
        ${tileCoords(v.transB)}
        let j = col0 + rr;
        let k = k0 + kk;
        let x = loadB(min(k, u.K - 1u), min(j, u.N - 1u));
        tileB[kk * ${TILE / 4}u + rr / 4u][rr % 4u] = select(0.0, x, j < u.N && k < u.K);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk++) {
      let aRows = tileA[kk * ${TILE / 4}u + lid.y];
      let bCols = tileB[kk * ${TILE / 4}u + lid.x];
      acc0 += aRows.x * bCols;
      acc1 += aRows.y * bCols;
      acc2 += aRows.z * bCols;
      acc3 += aRows.w * bCols;
    }
    workgroupBarrier();
  }
  let i0 = row0 + 4u * lid.y;
  let j0 = col0 + 4u * lid.x;
  let acc = mat4x4f(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    for (var s = 0u; s < 4u; s++) {
      if (i0 + r < u.M && j0 + s < u.N) { store(i0 + r, j0 + s, acc[r][s]); }
    }
  }
}`;
}
