import { ConfigError } from "../../errors.js";
import { type BufferRef, type KernelSource, linearGroups, type Plan } from "../context.js";

// Gradient clipping on the GPU with train/clip.ts's rules (PyTorch's clip_grad_norm_ and
// clip_grad_value_), in place on one flat gradient, with nothing read back: the norm comes from a
// buffer another kernel wrote, and every thread derives the same coefficient from it.

const WG = 256;

const clipByNormKernel: KernelSource = {
  label: "clip by norm",
  code: /* wgsl */ `
struct U { n: u32, gradOffset: u32, normOffset: u32, squared: u32, maxNorm: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n) { return; }
  // ‖g‖ is the stored value, or its square root when it is a squared 2-norm.
  var norm = norms[u.normOffset];
  if (u.squared != 0u) { norm = sqrt(norm); }
  // coef = maxNorm / (‖g‖ + 1e-6), as torch's reciprocal-then-multiply; min(coef, 1) = 1 leaves g
  // as it is, so only coef < 1 scales (and NaN: a NaN norm makes the gradient NaN, as PyTorch).
  let coef = (1.0 / (norm + 1e-6)) * u.maxNorm;
  if (!(coef >= 1.0)) { grad[u.gradOffset + i] *= coef; }
}`,
};

const clipByValueKernel: KernelSource = {
  label: "clip by value",
  code: /* wgsl */ `
struct U { n: u32, gradOffset: u32, limit: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n) { return; }
  // Compares, not clamp(): clamp's NaN result is implementation-defined, and NaN must stay NaN.
  let g = grad[u.gradOffset + i];
  if (g > u.limit) { grad[u.gradOffset + i] = u.limit; }
  else if (g < -u.limit) { grad[u.gradOffset + i] = -u.limit; }
}`,
};

/** Where encodeClipByNorm reads the gradient's norm (written by an earlier dispatch, in another
 *  buffer than grad's): `norm2`, the squared 2-norm Σg² (encodeSumOfSquares); or `norm`, a norm as
 *  it is (max |g| from encodeMaxAbs, for norm_type inf). One element, at the ref's offset. */
export type ClipNormSource = { norm2: BufferRef } | { norm: BufferRef };

/** grad [n] in place: clip_grad_norm_, g *= min(1, maxNorm / (‖g‖ + 1e-6)), with ‖g‖ read from the
 *  GPU (no read-back): √norm2 or norm, see ClipNormSource. */
export function encodeClipByNorm(
  plan: Plan,
  o: { n: number; grad: BufferRef; maxNorm: number } & ClipNormSource,
): void {
  checkPositive("maxNorm", o.maxNorm);
  const squared = "norm2" in o;
  const norm = squared ? o.norm2 : o.norm;
  if (norm.buffer === o.grad.buffer)
    throw new ConfigError("encodeClipByNorm: the norm must be in a different buffer from grad");
  plan.dispatch(
    clipByNormKernel,
    [o.grad.buffer, norm.buffer],
    { u32: [o.n, o.grad.offset, norm.offset, squared ? 1 : 0], f32: [o.maxNorm] },
    linearGroups(o.n, WG),
  );
}

/** grad [n] in place: clip_grad_value_, each entry clamped into [−value, value] (NaN stays NaN). */
export function encodeClipByValue(plan: Plan, o: { n: number; grad: BufferRef; value: number }): void {
  checkPositive("value", o.value);
  plan.dispatch(
    clipByValueKernel,
    [o.grad.buffer],
    { u32: [o.n, o.grad.offset], f32: [o.value] },
    linearGroups(o.n, WG),
  );
}

function checkPositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(`clip ${name} must be a finite number > 0, got ${value}`);
  }
}
