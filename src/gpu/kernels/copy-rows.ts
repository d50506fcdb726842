import { type BufferRef, type KernelSource, linearGroups, type Plan } from "../context.js";

// Moving row blocks between buffers: a bidirectional level's two directions into its [T·B×2H]
// outputs and their gradient back, a reverse direction's rows reversed within each length.

const WG = 256;
const copyRowsKernels = new Map<string, KernelSource>();

function copyRowsKernel(gather: boolean, accumulate: boolean): KernelSource {
  const key = `${gather}:${accumulate}`;
  let kernel = copyRowsKernels.get(key);
  if (!kernel) {
    kernel = {
      label: `copy rows${gather ? " (gathered)" : ""}${accumulate ? " (+=)" : ""}`,
      code: /* wgsl */ `
struct U { rows: u32, width: u32, srcOffset: u32, srcWidth: u32, dstOffset: u32, dstWidth: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${gather ? "@group(0) @binding(3) var<storage, read> order: array<i32>;" : ""}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.rows * u.width) { return; }
  let n = i / u.width;
  let j = i % u.width;
  let source = ${gather ? "u32(order[n])" : "n"};
  dst[u.dstOffset + n * u.dstWidth + j] ${accumulate ? "+=" : "="} src[u.srcOffset + source * u.srcWidth + j];
}`,
    };
    copyRowsKernels.set(key, kernel);
  }
  return kernel;
}

/** dst[n, j] (+)= src[row(n), j] for n < rows, j < width: rows of srcWidth and dstWidth floats
 *  starting at the refs' offsets (a column block: offset by its first column), row(n) = order[n]
 *  (i32 [rows]) or n. src and dst must be different buffers. */
export function encodeCopyRows(
  plan: Plan,
  o: {
    rows: number;
    width: number;
    src: BufferRef;
    srcWidth: number;
    dst: BufferRef;
    dstWidth: number;
    order: GPUBuffer | null;
    accumulate: boolean;
  },
): void {
  const buffers = [o.src.buffer, o.dst.buffer];
  if (o.order) buffers.push(o.order);
  plan.dispatch(
    copyRowsKernel(o.order !== null, o.accumulate),
    buffers,
    { u32: [o.rows, o.width, o.src.offset, o.srcWidth, o.dst.offset, o.dstWidth] },
    linearGroups(o.rows * o.width, WG),
  );
}
