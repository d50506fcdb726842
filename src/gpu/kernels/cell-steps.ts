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
// LSTM projections (CellStepSpec.projSize, PyTorch's proj_size) are a variant too: h is P < H wide,
// h_t = W_hr m_t with m_t = o ⊙ tanh c_t [B×H] (hTilde). Each step is then two dispatches each way:
// forward the cell (writing m_t) and the projection; backward dL/dh_t [B×P] (gathered as above), then
// the cell's pointwise backward from dL/dm_t = dL/dh_t W_hr.

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
  /** lstm only: P = projSize (0 < P < H) projects h = W_hr m to P units, so states, outputGrad,
   *  hiddenGrads and maskedOutputs are P wide and W_hh is [4H×P]; absent or 0: none (P = H). */
  projSize?: number;
  /** Offset of W_hr [P×H] in params (projection only). */
  weightHr?: number | null;
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
  /** Projection only: [T·B×H] m_t = o ⊙ tanh c_t at rows (t−1)·B (0 past a row's length), what
   *  W_hr projects to h_t. Written by forward. */
  hTilde?: GPUBuffer | null;
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
  if (variant.projection) encodeProjectionForward(plan, variant, spec, bufs, t, T);
}

/** Projection, after the cell of step t [B×P threads]: h_t[b,p] = W_hr[p,:]·m_t[b,:] into states
 *  (and maskedOutputs); a carried row (t > lengths[b]) keeps h_{t−1} and outputs 0. */
function encodeProjectionForward(
  plan: Plan,
  variant: Variant,
  spec: CellStepSpec,
  bufs: CellStepBuffers,
  t: number,
  T: number,
): void {
  const buffers = [bufs.params, bufs.hTilde as GPUBuffer, bufs.states];
  if (bufs.lengths) buffers.push(bufs.lengths, bufs.maskedOutputs as GPUBuffer);
  const groups = linearGroups(spec.B * (spec.projSize as number), WG);
  plan.dispatch(projectionForwardKernel(variant), buffers, uniformsOf(spec, t, T), groups);
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
  if (variant.projection)
    throw new ConfigError("encodeCellForwardTiled: no LSTM projection variant; use encodeCellForward");
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
  if (spec.projSize) {
    // The projection's dispatch writes states' new rows and maskedOutputs.
    buffers.push(bufs.hTilde as GPUBuffer);
    if (bufs.lengths) buffers.push(bufs.lengths);
    return buffers;
  }
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
 *  outputs are constants (the layer above gives 0 there by itself; a loss on the outputs must).
 *  Projection: g as above for unit k < P (W_hh's columns are P), in a dispatch of its own [B×P];
 *  then the pointwise backward of unit k < H runs from dL/dm_t[b,k] = Σ_p g[b,p] W_hr[p,k]. */
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
  if (variant.projection) {
    encodeProjectionBackward(plan, variant, spec, bufs, t, T);
    return;
  }
  const buffers = [bufs.params, bufs.cache, bufs.outputGrad, bufs.hiddenGrads, bufs.inputPartGrad];
  if (!variant.sharedPartGrad) buffers.push(bufs.hiddenPartGrad);
  if (spec.cell === "gru") buffers.push(bufs.states);
  if (spec.cell === "lstm") buffers.push(bufs.cells as GPUBuffer, bufs.cellGrad as GPUBuffer);
  if (bufs.lengths) buffers.push(bufs.lengths);
  plan.dispatch(backwardKernel(variant), buffers, uniformsOf(spec, t, T), linearGroups(spec.B * spec.H, WG));
}

/** encodeCellBackward's two dispatches for a projection: dL/dh_t [B×P], then the cell's [B×H]. */
function encodeProjectionBackward(
  plan: Plan,
  variant: Variant,
  spec: CellStepSpec,
  bufs: CellStepBuffers,
  t: number,
  T: number,
): void {
  const uniforms = uniformsOf(spec, t, T);
  const gather = [bufs.params, bufs.outputGrad, bufs.hiddenGrads, bufs.hiddenPartGrad];
  if (bufs.lengths) gather.push(bufs.lengths);
  const P = spec.projSize as number;
  plan.dispatch(projectionGradKernel(variant), gather, uniforms, linearGroups(spec.B * P, WG));
  const cell = [bufs.params, bufs.cache, bufs.hiddenGrads, bufs.inputPartGrad];
  if (!variant.sharedPartGrad) cell.push(bufs.hiddenPartGrad);
  cell.push(bufs.cells as GPUBuffer, bufs.cellGrad as GPUBuffer);
  if (bufs.lengths) cell.push(bufs.lengths);
  plan.dispatch(backwardKernel(variant), cell, uniforms, linearGroups(spec.B * spec.H, WG));
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
  /** LSTM projection: h = W_hr m, P wide (uniforms P and weightHr). */
  projection: boolean;
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
  const projection = checkedProjection(spec, bufs);
  const rnn = cell === "rnn";
  return {
    cell,
    activation: rnn ? spec.activation : "tanh",
    straightThrough: rnn && spec.activation === "step" && spec.straightThrough,
    skip: skip > 0,
    bias: spec.biasHh !== null,
    sharedPartGrad,
    lengths,
    projection,
  };
}

/** Whether spec has a projection, after checking it has what one needs. */
function checkedProjection(spec: CellStepSpec, bufs: CellStepBuffers): boolean {
  const P = spec.projSize ?? 0;
  if (P === 0) return false;
  if (!Number.isInteger(P) || P < 0 || P >= spec.H)
    throw new ConfigError(`cell step: projSize ${P}, not 0 or 1..H−1 (H = ${spec.H})`);
  if (spec.cell !== "lstm" || spec.weightHr == null || !bufs.hTilde)
    throw new ConfigError("cell step: a projection needs an lstm cell, weightHr and hTilde");
  return true;
}

/** u32 uniforms, in the order of the WGSL struct U. */
function uniformsOf(spec: CellStepSpec, t: number, T: number) {
  const u32 = [spec.B, spec.H, t, T, spec.weightHh, spec.biasHh ?? 0, spec.weightSkip ?? 0, spec.skip];
  if (spec.projSize) u32.push(spec.projSize, spec.weightHr ?? 0);
  return { u32 };
}

const forwardKernels = new Map<string, KernelSource>();
const backwardKernels = new Map<string, KernelSource>();
const forwardTiledKernels = new Map<string, KernelSource>();
const projectionForwardKernels = new Map<string, KernelSource>();
const projectionGradKernels = new Map<string, KernelSource>();

function cachedKernel(
  kernels: Map<string, KernelSource>,
  v: Variant,
  label: string,
  make: (v: Variant) => string,
) {
  const key = [
    v.cell,
    v.activation,
    v.straightThrough,
    v.skip,
    v.bias,
    v.sharedPartGrad,
    v.lengths,
    v.projection,
  ].join(":");
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
  return cachedKernel(
    backwardKernels,
    v,
    "cell backward",
    v.projection ? projectionCellBackwardWgsl : backwardWgsl,
  );
}

function projectionForwardKernel(v: Variant): KernelSource {
  return cachedKernel(projectionForwardKernels, v, "projection forward", projectionForwardWgsl);
}

function projectionGradKernel(v: Variant): KernelSource {
  return cachedKernel(projectionGradKernels, v, "projection hidden grads", projectionGradWgsl);
}

// ---- WGSL ---------------------------------------------------------------------------------------

/** The uniforms (uniformsOf's order); a projection adds P and W_hr's offset. */
function headerOf(v: Variant): string {
  const projection = v.projection ? ", P: u32, weightHr: u32" : "";
  return /* wgsl */ `
struct U { B: u32, H: u32, t: u32, T: u32, weightHh: u32, biasHh: u32, weightSkip: u32, skip: u32${projection} }
@group(0) @binding(0) var<uniform> u: U;`;
}

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

/** Thread n of B·width: row b = n / width (width u.H, or u.P for a projection's [B×P] kernels). */
function threadPrologue(width = "H"): string {
  return /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${WG}u;
  if (n >= u.B * u.${width}) { return; }
  let H = u.H;
  let b = n / u.${width};`;
}

function forwardBindings(spec: Variant): string {
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "inputProj", "read"),
    binding(3, "states", "read_write"),
    binding(4, "cache", "read_write"),
  ];
  if (spec.cell === "lstm") bindings.push(binding(5, "cells", "read_write"));
  if (spec.projection) {
    bindings.push(binding(6, "hTilde", "read_write"));
    if (spec.lengths) bindings.push(binding(7, "lengths", "read", "i32"));
    return bindings.join("\n");
  }
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
  if (spec.projection) return projectionForwardUnit(spec);
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

/** forwardUnit with a projection: h_{t−1} is P wide, c H wide; the cell writes m_t into hTilde (0
 *  past a row's length, where c_{t−1} is carried; the projection's dispatch carries h). */
function projectionForwardUnit(spec: Variant): string {
  const body = lstmForward("cPrev", "cNew", "hTilde[row * H + j]");
  const unit = spec.lengths
    ? /* wgsl */ `
  if (i32(u.t) > lengths[b]) {
    cells[cNew] = cells[cPrev];
    hTilde[row * H + j] = 0.0;
  } else {${body.replaceAll("\n", "\n  ")}
  }`
    : body;
  return /* wgsl */ `
  let row = (u.t - 1u) * u.B + b;     // step t's row of inputProj, cache and hTilde
  let hPrev = row * u.P;              // h_{t−1}[b] (state row (t−1)·B + b, P wide)
  let cPrev = row * H + j;            // c_{t−1}[b,j]
  let cNew = (row + u.B) * H + j;     // c_t[b,j]
  let a = row * 4u * H + j;           // gate q of unit j at a + q·H (inputProj)
  let cached = row * 5u * H + j;      // cache entry q of unit j at cached + q·H
${unit}`;
}

/** Projection step t [B×P threads], after the cell's: h_t[b,p] = W_hr[p,:]·m_t[b,:]. */
function projectionForwardWgsl(spec: Variant): string {
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "hTilde", "read"),
    binding(3, "states", "read_write"),
  ];
  if (spec.lengths)
    bindings.push(binding(4, "lengths", "read", "i32"), binding(5, "maskedOutputs", "read_write"));
  const carried = spec.lengths
    ? /* wgsl */ `
  if (i32(u.t) > lengths[b]) {
    states[hNew] = states[row * u.P + p];
    maskedOutputs[row * u.P + p] = 0.0;
    return;
  }`
    : "";
  return `${headerOf(spec)}
${bindings.join("\n")}
${threadPrologue("P")}
  let p = n % u.P;
  let row = (u.t - 1u) * u.B + b;     // step t's row of hTilde (and maskedOutputs)
  let hNew = (row + u.B) * u.P + p;   // h_t[b,p] (state row t·B + b)${carried}
  var h = 0.0;
  for (var j = 0u; j < H; j++) { h += params[u.weightHr + p * H + j] * hTilde[row * H + j]; }
  states[hNew] = h;${spec.lengths ? "\n  maskedOutputs[row * u.P + p] = h;" : ""}
}`;
}

function forwardWgsl(spec: Variant): string {
  const bias = spec.bias ? "params[u.biasHh + r]" : "0.0";
  const width = spec.projection ? "u.P" : "u.H"; // h's width: W_hh's columns
  return `${headerOf(spec)}
${forwardBindings(spec)}
${nonlinearities}

// b_hh[r] + W_hh[r,:]·h_{t−1}[b,:] for gate row r of W_hh [G·H×H]; h_{t−1}[b] starts at hPrev.
fn hiddenPart(r: u32, hPrev: u32) -> f32 {
  var sum = ${bias};
  let w = u.weightHh + r * ${width};
  for (var i = 0u; i < ${width}; i++) { sum += params[w + i] * states[hPrev + i]; }
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
  return `${headerOf(spec)}
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
      return lstmForward("hPrev + j", "hNew", "states[hNew]");
  }
}

/** The LSTM step given where c_{t−1} and c_t are in cells and where h_t (or m_t) goes. */
function lstmForward(cPrev: string, cNew: string, hOut: string): string {
  return /* wgsl */ `
  // i, f, o = σ(a)  g = tanh(a)  c_t = f·c_{t−1} + i·g  h_t = o·tanh(c_t)
  let i = sigmoid(inputProj[a] + hiddenPart(j, hPrev));
  let f = sigmoid(inputProj[a + H] + hiddenPart(H + j, hPrev));
  let g = tanhOf(inputProj[a + 2u * H] + hiddenPart(2u * H + j, hPrev));
  let o = sigmoid(inputProj[a + 3u * H] + hiddenPart(3u * H + j, hPrev));
  let c = f * cells[${cPrev}] + i * g;
  let tanhC = tanhOf(c);
  cells[${cNew}] = c;
  ${hOut} = o * tanhC;
  cache[cached] = i;
  cache[cached + H] = f;
  cache[cached + 2u * H] = g;
  cache[cached + 3u * H] = o;
  cache[cached + 4u * H] = tanhC;`;
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
  return `${headerOf(spec)}
${bindings.join("\n")}
${nonlinearities}
${recurrentGradWgsl(G, hiddenPartGrad, "u.H")}
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

/** WGSL fn recurrentGrad(start, k) = Σ_j dA[b,j]·W_hh[j,k] over the G·H gate rows j of W_hh
 *  [G·H×width] (width: H, or P under a projection); dA's row (`partGrad` of step t+1) at start. */
function recurrentGradWgsl(G: number, partGrad: string, width: string): string {
  return /* wgsl */ `
// Σ_j dA[b,j]·W_hh[j,k] over the ${G}·H gate rows j; dA's row (of step t+1) starts at start.
fn recurrentGrad(start: u32, k: u32) -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < ${G}u * u.H; j++) { sum += ${partGrad}[start + j] * params[u.weightHh + j * ${width} + k]; }
  return sum;
}`;
}

/** Projection step t = T..0, first dispatch [B×P threads]: hiddenGrads_t[b,k] = g for k < P, g as in
 *  backwardWgsl (no gru or skip terms), W_hh [4H×P]. */
function projectionGradWgsl(spec: Variant): string {
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "outputGrad", "read"),
    binding(3, "hiddenGrads", "read_write"),
    binding(4, "hiddenPartGrad", "read"),
  ];
  if (spec.lengths) bindings.push(binding(5, "lengths", "read", "i32"));
  // With lengths: a carried step t+1 (h_{t+1} = h_t) passes its whole gradient to h_t.
  const fromNext = spec.lengths
    ? /* wgsl */ `if (i32(u.t) + 1 > lengths[b]) {
      g += hiddenGrads[(next + u.B) * u.P + k];
    } else {
      g += recurrentGrad(next * 4u * H, k);
    }`
    : "g += recurrentGrad(next * 4u * H, k);";
  return `${headerOf(spec)}
${bindings.join("\n")}
${recurrentGradWgsl(4, "hiddenPartGrad", "u.P")}
${threadPrologue("P")}
  let k = n % u.P;
  var g = 0.0;
  if (u.t >= 1u) { g = outputGrad[((u.t - 1u) * u.B + b) * u.P + k]; }
  if (u.t < u.T) {
    let next = u.t * u.B + b;  // step t+1's row of the part gradients
    ${fromNext}
  }
  hiddenGrads[(u.t * u.B + b) * u.P + k] = g;
}`;
}

/** Projection step t, second dispatch [B×H threads]: the LSTM's pointwise backward of unit k from
 *  g = dL/dm_t[b,k] = Σ_p dL/dh_t[b,p]·W_hr[p,k] (t = 0: cellGrad only). */
function projectionCellBackwardWgsl(spec: Variant): string {
  const bindings = [
    binding(1, "params", "read"),
    binding(2, "cache", "read"),
    binding(3, "hiddenGrads", "read"),
    binding(4, "inputPartGrad", "read_write"),
  ];
  if (!spec.sharedPartGrad) bindings.push(binding(bindings.length + 1, "hiddenPartGrad", "read_write"));
  bindings.push(
    binding(bindings.length + 1, "cells", "read"),
    binding(bindings.length + 2, "cellGrad", "read_write"),
  );
  if (spec.lengths) bindings.push(binding(bindings.length + 1, "lengths", "read", "i32"));
  const carriedDecl = spec.lengths
    ? "\n  let carried = i32(u.t) + 1 > lengths[b];  // step t+1 carried h_t (and c_t)"
    : "";
  return `${headerOf(spec)}
${bindings.join("\n")}
${threadPrologue()}
  let k = n % H;${carriedDecl}
  var g = 0.0;
  if (u.t >= 1u) {
    let dh = (u.t * u.B + b) * u.P;  // dL/dh_t[b] in hiddenGrads
    for (var p = 0u; p < u.P; p++) { g += hiddenGrads[dh + p] * params[u.weightHr + p * H + k]; }
  }
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
