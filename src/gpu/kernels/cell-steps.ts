import { ConfigError } from "../../errors.js";
import type { ActivationName } from "../../kernels/activations.js";
import { type KernelSource, linearGroups, type Plan } from "../context.js";

// One recurrent step of a layer as ONE dispatch each way, for the WebGPU backend: forward forms the
// hidden part b_hh + W_hh h_{t−1} (+ M h_{t−k}) and runs the cell's gates in the same thread;
// backward gathers dL/dh_t from above and from step t+1 (and t+k), then runs the cell's pointwise
// backward. The math and the cache layouts are the CPU cells' (src/cells): see rnn.ts, gru.ts,
// lstm.ts. Each spec variant is its own WGSL, generated once and cached; B, H, t, T and the
// parameter offsets are uniforms, so one pipeline serves every step and shape.
// encodeCellForwardTiled is the same forward with W_hh and h_{t−1} staged in workgroup memory.
// Padded sequences (CellStepBuffers.lengths) are a kernel variant of their own, so a layer without
// them runs the kernels unchanged: a row b is active at step t iff t ≤ lengths[b]; past it the step
// carries h_{t−1} (c_{t−1}) and outputs 0, and backward passes dL/dh_t straight to h_{t−1}.

export type CellStepKind = "rnn" | "gru" | "lstm";

export interface CellStepSpec {
  cell: CellStepKind;
  /** rnn only: h = act(a). */
  activation: ActivationName;
  /** rnn with the step activation only: its derivative is 1 (straight-through) instead of 0. */
  straightThrough: boolean;
  /** rnn only: k ≥ 2 adds M h_{t−k} to the hidden part (when t − k ≥ 0), or 0 for none. */
  skip: number;
  B: number;
  H: number;
  /** Offsets (in floats) into params of W_hh [G·H×H], b_hh [G·H] (or null: none), M [H×H]. */
  weightHh: number;
  biasHh: number | null;
  weightSkip: number | null;
}

/** A layer's buffers over T steps, time-major, f32 (see encodeCellForward/encodeCellBackward). */
export interface CellStepBuffers {
  params: GPUBuffer;
  /** [T·B×G·H]  x_t W_ihᵀ + b_ih of step t at rows (t−1)·B. */
  inputProj: GPUBuffer;
  /** [(T+1)·B×H]  h_s at rows s·B (h_0 given). */
  states: GPUBuffer;
  /** [(T+1)·B×H]  c_s at rows s·B (lstm; c_0 given), else null. */
  cells: GPUBuffer | null;
  /** [T·B×cacheWidth·H]  step t's at rows (t−1)·B, the CPU cell's per-row layout. */
  cache: GPUBuffer;
  /** [T·B×H]  dL/dh_t from above at rows (t−1)·B. */
  outputGrad: GPUBuffer;
  /** [(T+1)·B×H]  total dL/dh_s at rows s·B, written by backward. */
  hiddenGrads: GPUBuffer;
  /** [T·B×G·H]  dL/d(inputPart_t), dL/d(hiddenPart_t) at rows (t−1)·B. rnn and lstm may pass one
   *  buffer for both (the cell writes the same values to both): it is then bound and written once.
   *  GRU needs two. */
  inputPartGrad: GPUBuffer;
  hiddenPartGrad: GPUBuffer;
  /** [B×H]  lstm: the running dL/dc (zeroed before backward), else null. */
  cellGrad: GPUBuffer | null;
  /** Padded sequences: lengths [B] i32, each 0..T (absent or null: every row runs T steps). */
  lengths?: GPUBuffer | null;
  /** With lengths: [T·B×H] the layer's outputs, h_t at rows (t−1)·B where t ≤ lengths[b], else 0
   *  (PyTorch's padded output; states keeps the carried h). Written by forward. */
  maskedOutputs?: GPUBuffer | null;
}

/** Threads per workgroup: one per (b, unit). */
const WG = 64;
/** Tiled forward: units and rows a workgroup owns, and the columns of h and W it stages at once
 *  (G·TILE_UNITS·TILE_K floats of W: 8 KiB for an LSTM, under WebGPU's 16 KiB of workgroup memory). */
const TILE_UNITS = 64;
const TILE_ROWS = 4;
const TILE_K = 8;
const GATES: Record<CellStepKind, number> = { rnn: 1, gru: 3, lstm: 4 };
const CACHE_WIDTH: Record<CellStepKind, number> = { rnn: 1, gru: 4, lstm: 5 };

/** Floats the cell caches per row and unit: rnn a; gru r, z, n, gh_n; lstm i, f, g, o, tanh c. */
export function cacheWidthOf(cell: CellStepKind): number {
  return CACHE_WIDTH[cell];
}

/** G, the gate blocks stacked in W_hh's rows: rnn 1, gru 3 (r, z, n), lstm 4 (i, f, g, o). */
export function gatesOf(cell: CellStepKind): number {
  return GATES[cell];
}

/** Step t = 1..T forward [B×H threads]: for unit j of row b, the G gate rows' hidden parts
 *  b_hh + W_hh h_{t−1} (+ M h_{t−k} when t ≥ k), the gates, h_t (c_t) and the cache of step t. */
export function encodeCellForward(
  plan: Plan,
  spec: CellStepSpec,
  bufs: CellStepBuffers,
  t: number,
  T: number,
): void {
  const variant = checkedForward(spec, bufs, t, T);
  plan.dispatch(
    forwardKernel(variant),
    forwardBuffers(spec, bufs),
    uniformsOf(spec, t, T),
    linearGroups(spec.B * spec.H, WG),
  );
}

/** encodeCellForward's step computed by a tiled kernel [⌈H/64⌉×⌈B/4⌉ workgroups of 64 threads]:
 *  the same results (up to float32 rounding), with W_hh and h_{t−1} staged in workgroup memory so
 *  each W_hh element is read once per 4 rows, coalesced (for H in the hundreds and B ≥ 4). */
export function encodeCellForwardTiled(
  plan: Plan,
  spec: CellStepSpec,
  bufs: CellStepBuffers,
  t: number,
  T: number,
): void {
  const variant = checkedForward(spec, bufs, t, T);
  const groups = [Math.ceil(spec.H / TILE_UNITS), Math.ceil(spec.B / TILE_ROWS)];
  plan.dispatch(forwardTiledKernel(variant), forwardBuffers(spec, bufs), uniformsOf(spec, t, T), groups);
}

function checkedForward(spec: CellStepSpec, bufs: CellStepBuffers, t: number, T: number): Variant {
  const variant = checkedVariant(spec, bufs);
  if (!Number.isInteger(t) || t < 1 || t > T)
    throw new ConfigError(`encodeCellForward: step ${t} outside 1..${T}`);
  return variant;
}

function forwardBuffers(spec: CellStepSpec, bufs: CellStepBuffers): GPUBuffer[] {
  const buffers = [bufs.params, bufs.inputProj, bufs.states, bufs.cache];
  if (spec.cell === "lstm") buffers.push(bufs.cells as GPUBuffer);
  if (bufs.lengths) buffers.push(bufs.lengths, bufs.maskedOutputs as GPUBuffer);
  return buffers;
}

/** Step t = T..1 backward [B×H threads], then t = 0. For unit k of row b:
 *    g = outputGrad_t[b,k] + Σ_j hiddenPartGrad_{t+1}[b,j] W_hh[j,k]        (the sum when t < T)
 *        + (gru, t < T) hiddenGrads_{t+1}[b,k] · z_{t+1}[b,k]
 *        + (skip, t + k′ ≤ T) Σ_j hiddenPartGrad_{t+k′}[b,j] M[j,k]
 *    hiddenGrads_t[b,k] = g, then the cell's pointwise backward of step t writes unit k's G gate
 *  entries of inputPartGrad_t / hiddenPartGrad_t. lstm: dc = cellGrad·f_{t+1} (cellGrad as is at
 *  t = T: 0, or dL/dc_T from outside) + g·o·(1 − tanh²c), and cellGrad[b,k] = dc, the total dL/dc_t.
 *  t = 0: hiddenGrads_0 only (no outputGrad, no pointwise part; lstm: cellGrad = dL/dc_0).
 *  With lengths: when step t+1 carried h_t (t+1 > lengths[b]) the sums over step t+1 give way to
 *  hiddenGrads_{t+1} itself (lstm: dc is not multiplied by f), and a carried step t writes zero
 *  gate gradients. outputGrad must then be 0 at padded steps, but for dL/dh_T at t = T: the padded
 *  outputs are constants (the layer above gives 0 there by itself; a loss on the outputs must). */
export function encodeCellBackward(
  plan: Plan,
  spec: CellStepSpec,
  bufs: CellStepBuffers,
  t: number,
  T: number,
): void {
  const variant = checkedVariant(spec, bufs);
  if (!Number.isInteger(t) || t < 0 || t > T)
    throw new ConfigError(`encodeCellBackward: step ${t} outside 0..${T}`);
  const buffers = [bufs.params, bufs.cache, bufs.outputGrad, bufs.hiddenGrads, bufs.inputPartGrad];
  if (!variant.sharedPartGrad) buffers.push(bufs.hiddenPartGrad);
  if (spec.cell === "gru") buffers.push(bufs.states);
  if (spec.cell === "lstm") buffers.push(bufs.cells as GPUBuffer, bufs.cellGrad as GPUBuffer);
  if (bufs.lengths) buffers.push(bufs.lengths);
  plan.dispatch(backwardKernel(variant), buffers, uniformsOf(spec, t, T), linearGroups(spec.B * spec.H, WG));
}

/** What fixes a step's WGSL (B, H, offsets and t are uniforms). */
interface Variant {
  cell: CellStepKind;
  activation: ActivationName;
  straightThrough: boolean;
  skip: boolean;
  bias: boolean;
  /** inputPartGrad and hiddenPartGrad are one buffer: bound and written once. */
  sharedPartGrad: boolean;
  /** Padded sequences: lengths (and maskedOutputs) bound. */
  lengths: boolean;
}

function checkedVariant(spec: CellStepSpec, bufs: CellStepBuffers): Variant {
  const { cell, skip } = spec;
  if (!Number.isInteger(skip) || skip < 0 || skip === 1)
    throw new ConfigError(`cell step: skip ${skip}, not 0 or ≥ 2`);
  if (skip > 0 && (cell !== "rnn" || spec.weightSkip === null)) {
    throw new ConfigError(`cell step: skip ${skip} needs an rnn cell and weightSkip`);
  }
  const sharedPartGrad = bufs.inputPartGrad === bufs.hiddenPartGrad;
  if (sharedPartGrad && cell === "gru")
    throw new ConfigError("cell step: a GRU needs two part-gradient buffers");
  if (cell === "lstm" && (!bufs.cells || !bufs.cellGrad))
    throw new ConfigError("cell step: an LSTM needs cells and cellGrad");
  const lengths = Boolean(bufs.lengths);
  if (lengths && !bufs.maskedOutputs) throw new ConfigError("cell step: lengths need maskedOutputs");
  const rnn = cell === "rnn";
  return {
    cell,
    activation: rnn ? spec.activation : "tanh",
    straightThrough: rnn && spec.activation === "step" && spec.straightThrough,
    skip: skip > 0,
    bias: spec.biasHh !== null,
    sharedPartGrad,
    lengths,
  };
}

/** u32 uniforms, in the order of the WGSL struct U. */
function uniformsOf(spec: CellStepSpec, t: number, T: number) {
  return { u32: [spec.B, spec.H, t, T, spec.weightHh, spec.biasHh ?? 0, spec.weightSkip ?? 0, spec.skip] };
}

const forwardKernels = new Map<string, KernelSource>();
const backwardKernels = new Map<string, KernelSource>();
const forwardTiledKernels = new Map<string, KernelSource>();

function cachedKernel(
  kernels: Map<string, KernelSource>,
  v: Variant,
  label: string,
  make: (v: Variant) => string,
) {
  const key = [v.cell, v.activation, v.straightThrough, v.skip, v.bias, v.sharedPartGrad, v.lengths].join(
    ":",
  );
  let kernel = kernels.get(key);
  if (!kernel) {
    kernel = { label: `${label} ${key}`, code: make(v) };
    kernels.set(key, kernel);
  }
  return kernel;
}

function forwardKernel(v: Variant): KernelSource {
  return cachedKernel(forwardKernels, v, "cell forward", forwardWgsl);
}

function forwardTiledKernel(v: Variant): KernelSource {
  return cachedKernel(forwardTiledKernels, v, "cell forward tiled", forwardTiledWgsl);
}

function backwardKernel(v: Variant): KernelSource {
  return cachedKernel(backwardKernels, v, "cell backward", backwardWgsl);
}

// ---- WGSL ---------------------------------------------------------------------------------------

const header = /* wgsl */ `
struct U { B: u32, H: u32, t: u32, T: u32, weightHh: u32, biasHh: u32, weightSkip: u32, skip: u32 }
@group(0) @binding(0) var<uniform> u: U;`;

/** σ(x) through e^{−|x|}, which cannot overflow: 1/(1 + e^{−x}) for x ≥ 0, e^{x}/(1 + e^{x}) below.
 *  tanh clamped to ±15 (tanh(15) is 1 in f32), so no backend overflows inside it. */
const nonlinearities = /* wgsl */ `
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e, 1.0, x >= 0.0) / (1.0 + e);
}
fn tanhOf(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }`;

/** h = act(z) and act′ given z and y = act(z), as WGSL expressions (kernels/activations.ts). */
function activationWgsl(spec: Variant): { apply: string; derivative: string } {
  switch (spec.activation) {
    case "identity":
      return { apply: "z", derivative: "1.0" };
    case "tanh":
      return { apply: "tanhOf(z)", derivative: "1.0 - y * y" };
    case "sigmoid":
      return { apply: "sigmoid(z)", derivative: "y * (1.0 - y)" };
    case "relu":
      return { apply: "max(z, 0.0)", derivative: "select(0.0, 1.0, z > 0.0)" };
    case "step":
      return { apply: "select(0.0, 1.0, z >= 0.0)", derivative: spec.straightThrough ? "1.0" : "0.0" };
  }
}

function binding(index: number, name: string, access: "read" | "read_write", type = "f32"): string {
  return `@group(0) @binding(${index}) var<storage, ${access}> ${name}: array<${type}>;`;
}

function threadPrologue(): string {
  return /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${WG}u;
  if (n >= u.B * u.H) { return; }
  let H = u.H;
  let b = n / H;`;
}

function forwardBindings(spec: Variant): string {
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "inputProj", "read"),
    binding(3, "states", "read_write"),
    binding(4, "cache", "read_write"),
  ];
  if (spec.cell === "lstm") bindings.push(binding(5, "cells", "read_write"));
  if (spec.lengths) {
    bindings.push(
      binding(bindings.length + 1, "lengths", "read", "i32"),
      binding(bindings.length + 2, "maskedOutputs", "read_write"),
    );
  }
  return bindings.join("\n");
}

/** Unit j of row b at step t: where its inputs and outputs are (then the cell's forwardBody). */
function forwardUnit(spec: Variant): string {
  return /* wgsl */ `
  let row = (u.t - 1u) * u.B + b;     // step t's row of inputProj and cache
  let hPrev = row * H;                // h_{t−1}[b] (state row (t−1)·B + b)
  let hNew = (row + u.B) * H + j;     // h_t[b,j] (state row t·B + b)
  let a = row * ${GATES[spec.cell]}u * H + j;        // gate q of unit j at a + q·H (inputProj)
  let cached = row * ${CACHE_WIDTH[spec.cell]}u * H + j;   // cache entry q of unit j at cached + q·H
${spec.lengths ? paddedForward(spec) : forwardBody(spec)}`;
}

/** Past its length row b carries h_{t−1} (c_{t−1}) and outputs 0; within it the cell's step, its
 *  output h_t. (The cache of a carried step is left as it was: backward never reads it.) */
function paddedForward(spec: Variant): string {
  const carryCell = spec.cell === "lstm" ? "\n    cells[hNew] = cells[hPrev + j];" : "";
  const body = forwardBody(spec).replaceAll("\n", "\n  ");
  return /* wgsl */ `
  if (i32(u.t) > lengths[b]) {
    states[hNew] = states[hPrev + j];${carryCell}
    maskedOutputs[row * H + j] = 0.0;
  } else {${body}
    maskedOutputs[row * H + j] = states[hNew];
  }`;
}

function forwardWgsl(spec: Variant): string {
  const bias = spec.bias ? "params[u.biasHh + r]" : "0.0";
  return `${header}
${forwardBindings(spec)}
${nonlinearities}

// b_hh[r] + W_hh[r,:]·h_{t−1}[b,:] for gate row r of W_hh [G·H×H]; h_{t−1}[b] starts at hPrev.
fn hiddenPart(r: u32, hPrev: u32) -> f32 {
  var sum = ${bias};
  let w = u.weightHh + r * u.H;
  for (var i = 0u; i < u.H; i++) { sum += params[w + i] * states[hPrev + i]; }
  return sum;
}
${spec.skip ? skipPartWgsl : ""}
${threadPrologue()}
  let j = n % H;${forwardUnit(spec)}
}`;
}

const skipPartWgsl = /* wgsl */ `
// M[j,:]·h_{t−k}[b,:]; h_{t−k}[b] starts at hSkip.
fn skipPart(j: u32, hSkip: u32) -> f32 {
  var sum = 0.0;
  let w = u.weightSkip + j * u.H;
  for (var i = 0u; i < u.H; i++) { sum += params[w + i] * states[hSkip + i]; }
  return sum;
}`;

/** Tiled forward: a workgroup owns TILE_UNITS units × TILE_ROWS rows; h rows and the W rows of its
 *  units (all G gate blocks) pass through workgroup memory TILE_K columns at a time, so each W
 *  element is read from memory once per TILE_ROWS rows, and coalesced. The products land in
 *  private accumulators; hiddenPart()/skipPart() then read them and the cell's forwardBody runs as
 *  in the plain kernel, row by row. */
function forwardTiledWgsl(spec: Variant): string {
  const G = GATES[spec.cell];
  const stride = G * TILE_UNITS + 1; // one column of the W tile (padded: no bank conflicts on store)
  const bias = spec.bias ? "params[u.biasHh + r]" : "0.0";
  const skipDecl = spec.skip
    ? /* wgsl */ `
var<private> skipSums: array<f32, ${TILE_ROWS}>;
var<private> skipOfRow: f32;
fn skipPart(j: u32, hSkip: u32) -> f32 { return skipOfRow; }
${tileProduct("skipTiles", "skipSums", 1, stride, "u.weightSkip")}`
    : "";
  const skipCall = spec.skip
    ? "\n  if (u.t >= u.skip) { skipTiles(j0, b0, lid, (u.t - u.skip) * u.B); }  // uniform: barriers allowed"
    : "";
  return `${header}
${forwardBindings(spec)}
${nonlinearities}

var<workgroup> hTile: array<f32, ${TILE_ROWS * TILE_K}>;       // [TILE_ROWS×TILE_K] of h
var<workgroup> wTile: array<f32, ${TILE_K * stride}>;   // [TILE_K×(G·TILE_UNITS+1)] of W, transposed
// sums[q·TILE_ROWS + r] = W_hh[q·H + j,:]·h_{t−1}[b0 + r,:] for this thread's unit j
var<private> sums: array<f32, ${G * TILE_ROWS}>;
var<private> sumsOfRow: array<f32, ${G}>;
// The plain kernel's hiddenPart, read from the accumulators: gate q = r / H of the current row.
fn hiddenPart(r: u32, hPrev: u32) -> f32 { return ${bias} + sumsOfRow[r / u.H]; }
${tileProduct("hiddenTiles", "sums", G, stride, "u.weightHh")}
${skipDecl}

@compute @workgroup_size(${TILE_UNITS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = u.H;
  let j0 = wid.x * ${TILE_UNITS}u;
  let b0 = wid.y * ${TILE_ROWS}u;
  hiddenTiles(j0, b0, lid, (u.t - 1u) * u.B);${skipCall}
  let j = j0 + lid;
  if (j >= H) { return; }
  for (var rb = 0u; rb < ${TILE_ROWS}u; rb++) {
    let b = b0 + rb;
    if (b >= u.B) { break; }
    for (var q = 0u; q < ${G}u; q++) { sumsOfRow[q] = sums[q * ${TILE_ROWS}u + rb]; }${spec.skip ? "\n    skipOfRow = skipSums[rb];" : ""}${forwardUnit(spec).replaceAll("\n", "\n  ")}
  }
}`;
}

/** WGSL fn `name`(j0, b0, lid, stateRow): out[q·TILE_ROWS + r] = Σ_i W[q·H + j0 + lid, i]·h[b0 + r, i]
 *  for the `gates` row blocks of W (at `weight` in params) and the state rows stateRow + b0 + r.
 *  All threads of the workgroup must call it (it has barriers); rows and units past the edge load 0. */
function tileProduct(name: string, out: string, gates: number, stride: number, weight: string): string {
  return /* wgsl */ `
fn ${name}(j0: u32, b0: u32, lid: u32, stateRow: u32) {
  let H = u.H;
  for (var i = 0u; i < ${gates * TILE_ROWS}u; i++) { ${out}[i] = 0.0; }
  for (var i0 = 0u; i0 < H; i0 += ${TILE_K}u) {
    workgroupBarrier();
    for (var e = lid; e < ${TILE_ROWS * TILE_K}u; e += ${TILE_UNITS}u) {
      let b = b0 + e / ${TILE_K}u;
      let i = i0 + e % ${TILE_K}u;
      hTile[e] = select(0.0, states[(stateRow + b) * H + i], b < u.B && i < H);
    }
    // element e: W row (tile row e / TILE_K: gate q, unit l), column i0 + e % TILE_K
    for (var e = lid; e < ${gates * TILE_UNITS * TILE_K}u; e += ${TILE_UNITS}u) {
      let tileRow = e / ${TILE_K}u;
      let q = tileRow / ${TILE_UNITS}u;
      let unit = j0 + tileRow % ${TILE_UNITS}u;
      let col = e % ${TILE_K}u;
      let i = i0 + col;
      wTile[col * ${stride}u + tileRow] = select(0.0, params[${weight} + (q * H + unit) * H + i], unit < H && i < H);
    }
    workgroupBarrier();
    for (var col = 0u; col < ${TILE_K}u; col++) {
      for (var q = 0u; q < ${gates}u; q++) {
        let w = wTile[col * ${stride}u + q * ${TILE_UNITS}u + lid];
        for (var r = 0u; r < ${TILE_ROWS}u; r++) { ${out}[q * ${TILE_ROWS}u + r] += w * hTile[r * ${TILE_K}u + col]; }
      }
    }
  }
}`;
}

function forwardBody(spec: Variant): string {
  switch (spec.cell) {
    case "rnn": {
      const { apply } = activationWgsl(spec);
      const skip = spec.skip
        ? "\n  if (u.t >= u.skip) { z += skipPart(j, ((u.t - u.skip) * u.B + b) * H); }"
        : "";
      return /* wgsl */ `
  // a_t = inputPart + hiddenPart (+ M h_{t−k}),  h_t = act(a_t);  cache a_t
  var z = inputProj[a] + hiddenPart(j, hPrev);${skip}
  cache[cached] = z;
  states[hNew] = ${apply};`;
    }
    case "gru":
      return /* wgsl */ `
  // r = σ(gi_r + gh_r)  z = σ(gi_z + gh_z)  n = tanh(gi_n + r·gh_n)  h = (1 − z)·n + z·h_{t−1}
  let r = sigmoid(inputProj[a] + hiddenPart(j, hPrev));
  let z = sigmoid(inputProj[a + H] + hiddenPart(H + j, hPrev));
  let ghN = hiddenPart(2u * H + j, hPrev);
  let nGate = tanhOf(inputProj[a + 2u * H] + r * ghN);
  states[hNew] = (1.0 - z) * nGate + z * states[hPrev + j];
  cache[cached] = r;
  cache[cached + H] = z;
  cache[cached + 2u * H] = nGate;
  cache[cached + 3u * H] = ghN;`;
    case "lstm":
      return /* wgsl */ `
  // i, f, o = σ(a)  g = tanh(a)  c_t = f·c_{t−1} + i·g  h_t = o·tanh(c_t)
  let i = sigmoid(inputProj[a] + hiddenPart(j, hPrev));
  let f = sigmoid(inputProj[a + H] + hiddenPart(H + j, hPrev));
  let g = tanhOf(inputProj[a + 2u * H] + hiddenPart(2u * H + j, hPrev));
  let o = sigmoid(inputProj[a + 3u * H] + hiddenPart(3u * H + j, hPrev));
  let c = f * cells[hPrev + j] + i * g;
  let tanhC = tanhOf(c);
  cells[hNew] = c;
  states[hNew] = o * tanhC;
  cache[cached] = i;
  cache[cached + H] = f;
  cache[cached + 2u * H] = g;
  cache[cached + 3u * H] = o;
  cache[cached + 4u * H] = tanhC;`;
  }
}

function backwardWgsl(spec: Variant): string {
  const G = GATES[spec.cell];
  // When shared, the one buffer is both d(inputPart) and d(hiddenPart).
  const hiddenPartGrad = spec.sharedPartGrad ? "inputPartGrad" : "hiddenPartGrad";
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "cache", "read"),
    binding(3, "outputGrad", "read"),
    binding(4, "hiddenGrads", "read_write"),
    binding(5, "inputPartGrad", "read_write"),
  ];
  if (!spec.sharedPartGrad) bindings.push(binding(bindings.length + 1, "hiddenPartGrad", "read_write"));
  if (spec.cell === "gru") bindings.push(binding(bindings.length + 1, "states", "read"));
  if (spec.cell === "lstm") {
    bindings.push(
      binding(bindings.length + 1, "cells", "read"),
      binding(bindings.length + 2, "cellGrad", "read_write"),
    );
  }
  if (spec.lengths) bindings.push(binding(bindings.length + 1, "lengths", "read", "i32"));
  const skipFn = spec.skip
    ? /* wgsl */ `
// Σ_j dA[b,j]·M[j,k]; dA's row (hiddenPartGrad of step t+k′) starts at start.
fn skipGrad(start: u32, k: u32) -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < u.H; j++) { sum += ${hiddenPartGrad}[start + j] * params[u.weightSkip + j * u.H + k]; }
  return sum;
}`
    : "";
  const skipTerm = spec.skip
    ? "\n  if (u.t + u.skip <= u.T) { g += skipGrad(((u.t + u.skip - 1u) * u.B + b) * H, k); }"
    : "";
  const gruTerm =
    spec.cell === "gru"
      ? "\n    g += hiddenGrads[(next + u.B) * H + k] * cache[next * 4u * H + H + k];  // dh_{t+1}·z_{t+1}"
      : "";
  const recurrentTerms = `g += recurrentGrad(next * ${G}u * H, k);${gruTerm}`;
  // With lengths: a carried step t+1 (h_{t+1} = h_t) passes its whole gradient to h_t.
  const fromNext = spec.lengths
    ? `if (carried) {\n      g += hiddenGrads[(next + u.B) * H + k];\n    } else {\n      ${recurrentTerms.replaceAll("\n", "\n  ")}\n    }`
    : recurrentTerms;
  const carriedDecl = spec.lengths
    ? "\n  let carried = i32(u.t) + 1 > lengths[b];  // step t+1 carried h_t (and c_t)"
    : "";
  return `${header}
${bindings.join("\n")}
${nonlinearities}

// Σ_j dA[b,j]·W_hh[j,k] over the G·H gate rows j; dA's row (hiddenPartGrad of step t+1) starts at start.
fn recurrentGrad(start: u32, k: u32) -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < ${G}u * u.H; j++) { sum += ${hiddenPartGrad}[start + j] * params[u.weightHh + j * u.H + k]; }
  return sum;
}
${skipFn}
${threadPrologue()}
  let k = n % H;${carriedDecl}
  var g = 0.0;
  if (u.t >= 1u) { g = outputGrad[((u.t - 1u) * u.B + b) * H + k]; }
  if (u.t < u.T) {
    let next = u.t * u.B + b;  // step t+1's row of the part gradients and cache
    ${fromNext}
  }${skipTerm}
  hiddenGrads[(u.t * u.B + b) * H + k] = g;
${backwardBody(spec)}
}`;
}

/** The cell's pointwise backward of step t for unit k of row b, with g = dL/dh_t[b,k]. */
function backwardBody(spec: Variant): string {
  const G = GATES[spec.cell];
  const W = CACHE_WIDTH[spec.cell];
  const prologue = /* wgsl */ `
  let row = (u.t - 1u) * u.B + b;     // step t's row of cache and part gradients
  let a = row * ${G}u * H + k;        // gate q of unit k at a + q·H
  let cached = row * ${W}u * H + k;   // cache entry q of unit k at cached + q·H${spec.lengths ? carriedStep(spec) : ""}`;
  // Writes d to gate q's entry of both part gradients (once when they are one buffer).
  const both = (q: string, d: string) =>
    spec.sharedPartGrad
      ? `  inputPartGrad[a${q}] = ${d};`
      : `  inputPartGrad[a${q}] = ${d};\n  hiddenPartGrad[a${q}] = ${d};`;
  switch (spec.cell) {
    case "rnn": {
      const { apply, derivative } = activationWgsl(spec);
      return /* wgsl */ `
  if (u.t == 0u) { return; }${prologue}
  // da = dh·act′(a, y), y = act(a) recomputed from the cached a
  let z = cache[cached];
  let y = ${apply};
  let d = g * (${derivative});
${both("", "d")}`;
    }
    case "gru":
      return /* wgsl */ `
  if (u.t == 0u) { return; }${prologue}
  // dn_a = dh(1 − z)(1 − n²)   dz_a = dh(h_{t−1} − n)z(1 − z)   dr_a = dn_a·gh_n·r(1 − r)
  let r = cache[cached];
  let z = cache[cached + H];
  let nGate = cache[cached + 2u * H];
  let ghN = cache[cached + 3u * H];
  let hPrev = states[row * H + k];
  let nPre = g * (1.0 - z) * (1.0 - nGate * nGate);
  let zPre = g * (hPrev - nGate) * z * (1.0 - z);
  let rPre = nPre * ghN * r * (1.0 - r);
${both("", "rPre")}
${both(" + H", "zPre")}
  inputPartGrad[a + 2u * H] = nPre;
  hiddenPartGrad[a + 2u * H] = nPre * r;`;
    case "lstm":
      return /* wgsl */ `
  // dc_t = dc_{t+1}·f_{t+1} (at t = T: cellGrad as is) + dh·o(1 − tanh²c); at t = 0 only the first
  var dc = cellGrad[b * H + k];
  if (u.t < u.T${spec.lengths ? " && !carried" : ""}) { dc *= cache[(u.t * u.B + b) * 5u * H + H + k]; }
  if (u.t == 0u) {
    cellGrad[b * H + k] = dc;
    return;
  }${prologue}
  let i = cache[cached];
  let f = cache[cached + H];
  let gGate = cache[cached + 2u * H];
  let o = cache[cached + 3u * H];
  let tanhC = cache[cached + 4u * H];
  dc += g * o * (1.0 - tanhC * tanhC);
  cellGrad[b * H + k] = dc;
  // da_i = dc·g·i(1 − i)  da_f = dc·c_{t−1}·f(1 − f)  da_g = dc·i(1 − g²)  da_o = dh·tanh c·o(1 − o)
${both("", "dc * gGate * i * (1.0 - i)")}
${both(" + H", "dc * cells[row * H + k] * f * (1.0 - f)")}
${both(" + 2u * H", "dc * i * (1.0 - gGate * gGate)")}
${both(" + 3u * H", "g * tanhC * o * (1.0 - o)")}`;
  }
}

/** With lengths, a carried step t (t > lengths[b]): zero gate gradients, and nothing else to do
 *  (g went to hiddenGrads_t, whence step t−1 takes it whole; lstm: cellGrad holds dc as is). */
function carriedStep(spec: Variant): string {
  const zero = (buffer: string) => `${buffer}[a + q * H] = 0.0;`;
  const writes = spec.sharedPartGrad
    ? zero("inputPartGrad")
    : `${zero("inputPartGrad")} ${zero("hiddenPartGrad")}`;
  return /* wgsl */ `
  if (i32(u.t) > lengths[b]) {
    for (var q = 0u; q < ${GATES[spec.cell]}u; q++) { ${writes} }
    return;
  }`;
}
