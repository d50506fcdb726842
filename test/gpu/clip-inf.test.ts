import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import type { BufferRef, GpuContext } from "../../src/gpu/context.js";
import { GpuUpdate } from "../../src/gpu/gpu-update.js";
import { encodeClipByNorm } from "../../src/gpu/kernels/clip.js";
import { encodeMaxAbs, reduceScratchSize } from "../../src/gpu/kernels/reduce.js";
import { clipGradNorm, gradNorm } from "../../src/train/clip.js";
import { createOptimizer } from "../../src/train/optimizers.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats, worstScaledError } from "../helpers/gpu-compare.js";

// Clipping by the infinity norm on the GPU (max |g|, then g *= min(1, maxNorm / (max |g| + 1e-6)))
// against train/clip.ts's clipGradNorm(…, "inf"), on one flat gradient as GpuUpdate clips it.

/** Gradient entries: over one reduction workgroup's 1024 elements, so max |g| takes two passes. */
const N = 5000;

/** Clips `grad` on the GPU by its infinity norm (encodeMaxAbs, then encodeClipByNorm reading it);
 *  returns the clipped gradient and the norm the GPU computed. */
async function clipOnGpu(
  gpu: GpuContext,
  grad: Float32Array,
  maxNorm: number,
): Promise<{ clipped: Float32Array; norm: number }> {
  const n = grad.length;
  // The gradient after 2 unused elements, to exercise the offset.
  const g: BufferRef = { buffer: gpu.upload(Float32Array.of(7, 7, ...grad), "grad"), offset: 2 };
  const norm: BufferRef = { buffer: gpu.buffer(1, "inf norm"), offset: 0 };
  const scratch = gpu.buffer(reduceScratchSize(n), "scratch");
  const plan = gpu.plan("clip inf");
  await gpu.checked(() => {
    encodeMaxAbs(plan, { n, src: g, dst: norm, scratch });
    encodeClipByNorm(plan, { n, grad: g, norm, maxNorm });
  });
  gpu.run(plan);
  const clipped = await gpu.read(g.buffer, n, g.offset);
  const [value] = await gpu.read(norm.buffer, 1);
  plan.destroy();
  for (const buffer of [g.buffer, norm.buffer, scratch]) buffer.destroy();
  return { clipped, norm: value };
}

describe.skipIf(skipGpuTests())("clipping by the infinity norm on the GPU", () => {
  it("encodeMaxAbs then encodeClipByNorm({ norm }) scales as clipGradNorm(g, maxNorm, 'inf')", async () => {
    const gpu = await gpuContext();
    const grad = Float32Array.from(randomFloats(N, 61, 0.3));
    grad[3210] = -2.5; // the infinity norm, far from the 2-norm's reach
    for (const maxNorm of [0.5, 1, 3]) {
      const cpu = Float64Array.from(grad);
      const result = clipGradNorm([cpu], maxNorm, "inf");
      expect(result.totalNorm).toBe(2.5);
      const { clipped, norm } = await clipOnGpu(gpu, grad, maxNorm);
      expect(norm).toBe(2.5); // max |g| is exact
      expect(worstScaledError(clipped, cpu, 0), `maxNorm ${maxNorm}`).toBeLessThanOrEqual(1e-6);
      if (result.clipped) expect(Math.abs(clipped[3210])).toBeCloseTo(maxNorm, 5);
      else expect(clipped).toEqual(grad);
    }
  });

  it("encodeClipByNorm({ norm }) with a NaN or infinite max |g| does what clipGradNorm does unchecked", async () => {
    const gpu = await gpuContext();
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY]) {
      const grad = Float32Array.from(randomFloats(N, 62));
      grad[4321] = bad;
      const cpu = Float64Array.from(grad);
      const result = clipGradNorm([cpu], 1, "inf", { errorIfNonfinite: false });
      const { clipped, norm } = await clipOnGpu(gpu, grad, 1);
      expect(norm).toBe(result.totalNorm); // NaN, or Infinity
      // NaN: coef NaN, every entry NaN. Infinity: coef 0, every entry 0 but the infinite one (NaN).
      expect(Array.from(clipped)).toEqual(Array.from(cpu));
      expect(clipped[4321]).toBeNaN();
    }
    expect(() => clipGradNorm([Float64Array.of(Number.NaN)], 1, "inf")).toThrow(/gradient norm is NaN/);
  });

  it("encodeClipByNorm with the norm in the gradient's buffer throws a ConfigError", async () => {
    const gpu = await gpuContext();
    const buffer = gpu.buffer(4, "grad");
    const o = { n: 3, grad: { buffer, offset: 0 }, norm: { buffer, offset: 3 }, maxNorm: 1 };
    expect(() => encodeClipByNorm(gpu.plan(), o)).toThrow(ConfigError);
    buffer.destroy();
  });

  it("GpuUpdate(clip { norm, normType: 'inf' }): readClipNorm() is max |g|, the figures 2-norms, SGD steps by the clipped g", async () => {
    const gpu = await gpuContext();
    const params = Float32Array.from(randomFloats(N, 63));
    const grad = Float32Array.from(randomFloats(N, 64, 0.1));
    grad[17] = 0.9;
    const maxNorm = 0.3;
    const optimizer = createOptimizer({ name: "sgd", lr: 0.5 }, Float32Array.from(params));
    const paramsBuffer = gpu.upload(params, "params");
    const gradBuffer = gpu.upload(grad, "grad");
    const figures = gpu.upload(Float32Array.of(-1, -1, -1), "figures");
    const clip = { kind: "norm", maxNorm, normType: "inf" } as const;
    const update = new GpuUpdate(gpu, optimizer, clip, paramsBuffer, gradBuffer, N, figures, 1);
    update.prepare(0.5, 1);
    gpu.run(update.plan);
    const cpuGrad = Float64Array.from(grad);
    const before = gradNorm([cpuGrad], 2);
    expect(clipGradNorm([cpuGrad], maxNorm, "inf").clipped).toBe(true);
    expect(await update.readClipNorm()).toBe(grad[17]);
    // The figures stay the 2-norm, before and after clipping (as Trainer reports them).
    const [norm2, clippedNorm2] = await gpu.read(figures, 2, 1);
    expect(Math.sqrt(norm2)).toBeCloseTo(before, 5);
    expect(Math.sqrt(clippedNorm2)).toBeCloseTo(gradNorm([cpuGrad], 2), 5);
    expect(Math.sqrt(clippedNorm2)).toBeLessThan(before);
    const after = params.map((p, i) => p - 0.5 * cpuGrad[i]);
    expect(worstScaledError(await gpu.read(paramsBuffer, N), after, 0)).toBeLessThanOrEqual(1e-6);
    update.destroy();
    for (const buffer of [paramsBuffer, gradBuffer, figures]) buffer.destroy();
  });
});
