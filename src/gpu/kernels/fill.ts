import { type BufferRef, linearGroups, type Plan } from "../context.js";

const WG = 256;

const fillKernel = {
  label: "fill",
  code: /* wgsl */ `
struct U { n: u32, offset: u32, value: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i < u.n) { dst[u.offset + i] = u.value; }
}`,
};

/** dst[i] = value for i < n (zeroing a gradient before backward accumulates into it). */
export function encodeFill(plan: Plan, o: { n: number; dst: BufferRef; value: number }): void {
  if (o.n === 0) return;
  plan.dispatch(
    fillKernel,
    [o.dst.buffer],
    { u32: [o.n, o.dst.offset], f32: [o.value] },
    linearGroups(o.n, WG),
  );
}
