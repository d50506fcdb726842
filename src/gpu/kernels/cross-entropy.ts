import { ShapeError } from "../../errors.js";
import { type BufferRef, linearGroups, type Plan } from "../context.js";

// Softmax cross-entropy on the GPU, as softmaxCrossEntropy (kernels/losses.ts) per row: one
// workgroup per row, WG threads striding over the V logits, two workgroup reductions (max, then
// Σ e^{z − max}) and a third pass writing the gradient. The mean loss is Σ rowLoss · invCount, left
// to a reduction kernel (or a read-back) so this kernel stays one dispatch with no atomics.

/** Threads per row (a power of two: the tree reductions halve it). */
const WG = 256;

/** The kernel; `inPlace`: the logits and dlogits share one buffer (dlogits overwrites logits). */
function crossEntropyKernel(inPlace: boolean): { label: string; code: string } {
  const buffers = inPlace
    ? `@group(0) @binding(1) var<storage, read_write> z: array<f32>;
@group(0) @binding(2) var<storage, read> classes: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;`
    : `@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> classes: array<i32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;`;
  const dz = inPlace ? "z" : "dz";
  return {
    label: inPlace ? "softmax cross-entropy (in place)" : "softmax cross-entropy",
    code: /* wgsl */ `
struct U { rows: u32, V: u32, zOffset: u32, dzOffset: u32, invCount: f32 }
@group(0) @binding(0) var<uniform> u: U;
${buffers}
var<workgroup> partial: array<f32, ${WG}>;

// Tree reduction of partial[0..WG) into partial[0]; every thread gets the result.
fn reduceMax(lid: u32) -> f32 {
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { partial[lid] = max(partial[lid], partial[lid + s]); }
  }
  workgroupBarrier();
  let result = partial[0];
  workgroupBarrier();
  return result;
}

fn reduceSum(lid: u32) -> f32 {
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { partial[lid] += partial[lid + s]; }
  }
  workgroupBarrier();
  let result = partial[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= u.rows) { return; }
  let zRow = u.zOffset + row * u.V;
  let dzRow = u.dzOffset + row * u.V;
  let cls = classes[row];
  if (cls < 0) {
    for (var c = lid; c < u.V; c += ${WG}u) { ${dz}[dzRow + c] = 0.0; }
    if (lid == 0u) { rowLoss[row] = 0.0; }
    return;
  }
  var m = -0x1.fffffep+127f; // −FLT_MAX: max() with it keeps any logit
  for (var c = lid; c < u.V; c += ${WG}u) { m = max(m, z[zRow + c]); }
  partial[lid] = m;
  m = reduceMax(lid);
  var s = 0.0;
  for (var c = lid; c < u.V; c += ${WG}u) { s += exp(z[zRow + c] - m); }
  partial[lid] = s;
  s = reduceSum(lid);
  // Every thread has read z[cls] before any thread overwrites it (in place): read it before a barrier.
  let zTarget = z[zRow + u32(cls)];
  workgroupBarrier();
  // loss = logsumexp(z) − z[target];  dz = e^{z − max} · (invCount / Σ) − invCount · onehot.
  let scale = u.invCount / s;
  for (var c = lid; c < u.V; c += ${WG}u) {
    let g = exp(z[zRow + c] - m) * scale;
    ${dz}[dzRow + c] = select(g, g - u.invCount, c == u32(cls));
  }
  if (lid == 0u) { rowLoss[row] = m + log(s) - zTarget; }
}`,
  };
}

/** logits [rows×V] at o.logits; classes [rows] i32 (−1: no target). Writes dlogits [rows×V]
 *  = (softmax(z) − onehot(class)) · invCount (a row with class −1 gets zeros) and
 *  rowLoss[r] = logsumexp(z_r) − z_r[class] (0 for −1). invCount is 1 / (rows with a class), as
 *  the CPU's mean. One workgroup per row (strided loops: V of any size), 2-D groups past 65535 rows.
 *  dlogits may overwrite logits (the same buffer and offset); any other overlap is not allowed. */
export function encodeSoftmaxCrossEntropy(
  plan: Plan,
  o: {
    rows: number;
    V: number;
    logits: BufferRef;
    classes: GPUBuffer;
    dlogits: BufferRef;
    rowLoss: GPUBuffer;
    invCount: number;
  },
): void {
  const inPlace = o.logits.buffer === o.dlogits.buffer;
  if (inPlace && o.logits.offset !== o.dlogits.offset) {
    throw new ShapeError(
      "encodeSoftmaxCrossEntropy: dlogits in the logits buffer must start where logits do",
    );
  }
  const buffers = inPlace
    ? [o.logits.buffer, o.classes, o.rowLoss]
    : [o.logits.buffer, o.classes, o.dlogits.buffer, o.rowLoss];
  plan.dispatch(
    crossEntropyKernel(inPlace),
    buffers,
    { u32: [o.rows, o.V, o.logits.offset, o.dlogits.offset], f32: [o.invCount] },
    linearGroups(o.rows, 1),
  );
}
