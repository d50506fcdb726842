import type { GpuContext } from "../gpu/context.js";
import { GpuStack, gpuStackUnsupported, stackOffsets } from "../gpu/gpu-stack.js";
import { Params } from "../model/params.js";
import { Comparison } from "./compare.js";
import { compareRecurrent, readRecurrent } from "./recurrent.js";
import type { RecurrentFixture } from "./schema.js";

/** runRecurrent on the GPU (float32): the layer's forward from x, h0 (c0) and its backward from the
 *  loss weights, compared as on the CPU. A fixture with options the backend lacks is not run: the
 *  comparison holds no quantity and says why. */
export async function runRecurrentOnGpu(
  f: RecurrentFixture,
  context: GpuContext,
  tolerance: number,
): Promise<Comparison> {
  const c = readRecurrent(f, "float32");
  const reason = gpuStackUnsupported(c.config, { bidirectional: true, projection: true });
  if (reason) {
    const check = new Comparison(tolerance);
    check.skip(reason);
    return check;
  }
  const params = new Params(c.specs, "float32");
  for (const [i, spec] of c.specs.entries()) params.set(spec.name, c.weights[i]);
  const stack = new GpuStack(
    context,
    c.config,
    stackOffsets(params, c.config),
    params.data as Float32Array,
    c.I,
    c.T,
    c.B,
    c.lengths !== null,
  );
  try {
    const f32 = (data: ArrayLike<number> | undefined) => (data ? Float32Array.from(data) : null);
    const result = await stack.run(
      { x: Float32Array.from(c.x), h0: f32(c.h0), c0: f32(c.c0), lengths: c.lengths },
      { output: Float32Array.from(c.outputWeights), hN: f32(c.hnWeights), cN: f32(c.cnWeights) },
    );
    params.grad.set(result.grad);
    return compareRecurrent(f, c, tolerance, { ...result, gradOf: (name) => params.gradOf(name) });
  } finally {
    stack.destroy();
  }
}
