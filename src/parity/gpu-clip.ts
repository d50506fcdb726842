import type { GpuContext, Plan } from "../gpu/context.js";
import { encodeClipByNorm, encodeClipByValue } from "../gpu/kernels/clip.js";
import { encodeMaxAbs, encodeSumOfSquares, reduceScratchSize } from "../gpu/kernels/reduce.js";
import type { Buf } from "../tensor.js";
import { checkNotVacuous, clipGrads, compareClipNorm, compareClipValue } from "./clip.js";
import { Comparison } from "./compare.js";
import type { ClipFixture } from "./schema.js";

/** PyTorch's constant in clip_coef = max_norm / (total_norm + 1e-6), as the clip kernel uses it. */
const NORM_EPSILON = 1e-6;

/** runClip on the GPU (float32): the gradients as one flat buffer, as GpuUpdate clips them; the
 *  coefficient and flag follow from the norm the GPU computed, by the kernel's formula: √Σg² for
 *  norm_type 2, max |g| for inf. */
export async function runClipOnGpu(
  f: ClipFixture,
  context: GpuContext,
  tolerance: number,
): Promise<Comparison> {
  checkNotVacuous(f);
  const check = new Comparison(tolerance);
  const fresh = clipGrads(f, "float32");
  const flat = concat(fresh);
  const n = flat.length;
  const grad = context.buffer(n, "parity clip gradient");
  // Σg² (norm_type 2) or max |g| (inf).
  const normBuffer = context.buffer(1, "parity clip norm");
  const norm = { buffer: normBuffer, offset: 0 };
  const scratch = context.buffer(reduceScratchSize(n), "parity clip scratch");
  const g = { buffer: grad, offset: 0 };
  // Runs `record`'s dispatches on a fresh copy of the gradients; the tensors after, split by shape.
  const clipped = async (record: (plan: Plan) => void) => {
    context.write(grad, flat);
    const plan = context.plan("parity clip");
    try {
      await context.checked(() => record(plan));
      context.run(plan);
      return split(await context.read(grad, n), fresh);
    } finally {
      plan.destroy();
    }
  };
  try {
    for (const [k, entry] of f.clip_grad_norm.entries()) {
      const maxNorm = entry.max_norm;
      const inf = entry.norm_type === "inf";
      const tensors = await clipped((plan) => {
        if (inf) {
          encodeMaxAbs(plan, { n, src: g, dst: norm, scratch });
          encodeClipByNorm(plan, { n, grad: g, norm, maxNorm });
        } else {
          encodeSumOfSquares(plan, { n, src: g, dst: norm, scratch });
          encodeClipByNorm(plan, { n, grad: g, norm2: norm, maxNorm });
        }
      });
      const [stored] = await context.read(normBuffer, 1);
      const totalNorm = inf ? stored : Math.sqrt(stored);
      const coef = (1 / (totalNorm + NORM_EPSILON)) * entry.max_norm;
      compareClipNorm(check, f, k, { totalNorm, coef, clipped: !(coef >= 1), tensors });
    }
    const value = f.clip_grad_value.clip_value;
    compareClipValue(check, f, await clipped((plan) => encodeClipByValue(plan, { n, grad: g, value })));
    return check;
  } finally {
    for (const buffer of [grad, normBuffer, scratch]) buffer.destroy();
  }
}

function concat(parts: readonly Buf[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `flat` cut into pieces as long as `like`'s. */
function split(flat: Float32Array, like: readonly Buf[]): Float32Array[] {
  let at = 0;
  return like.map((p) => {
    at += p.length;
    return flat.subarray(at - p.length, at);
  });
}
