import type { GpuContext } from "../gpu/context.js";
import { GpuModel } from "../gpu/gpu-model.js";
import { FIGURE } from "../gpu/gpu-pass.js";
import { GpuUpdate } from "../gpu/gpu-update.js";
import { createOptimizer } from "../train/optimizers.js";
import { CHARLM_STEPS, charlmBatch, charlmModel, charlmOptimizer, compareCharlmStep } from "./charlm.js";
import { Comparison } from "./compare.js";
import type { CharlmFixture } from "./schema.js";

/** runCharlm on the GPU (float32): each step is GpuTrainer's, a train plan (forward, loss, BPTT)
 *  then the update (norm, clipping, optimizer step), with every quantity read back between them. */
export async function runCharlmOnGpu(
  f: CharlmFixture,
  context: GpuContext,
  tolerance: number,
): Promise<Comparison> {
  const check = new Comparison(tolerance);
  const model = charlmModel(f, "float32");
  const optimizer = createOptimizer(charlmOptimizer(f.optimizer), model);
  const gpu = new GpuModel(context, model.config, model.params);
  const pass = gpu.pass(f.T, f.B);
  const clip = { kind: "norm" as const, maxNorm: f.max_norm, normType: f.norm_type };
  const update = new GpuUpdate(
    context,
    optimizer,
    clip,
    gpu.params,
    gpu.grad,
    gpu.size,
    pass.figures,
    FIGURE.gradNorm2,
  );
  try {
    for (const [k, suffix] of CHARLM_STEPS.entries()) {
      const { tokens, targets } = charlmBatch(f, suffix);
      pass.load(tokens, targets);
      const trainPlan = await context.checked(() => pass.trainPlan());
      context.run(trainPlan);
      const [lossSum] = await context.read(pass.figures, 1, FIGURE.lossSum);
      const stepLogits = await pass.readLogits();
      const grad = await gpu.readGrad();
      update.prepare(f.optimizer.lr, k + 1);
      context.run(update.plan);
      compareCharlmStep(check, f, suffix, model.params, {
        logits: stepLogits,
        loss: lossSum / pass.count,
        grad,
        totalNorm: await update.readClipNorm(),
        clippedGrad: await gpu.readGrad(),
        paramsAfter: await gpu.readParams(),
      });
    }
    return check;
  } finally {
    update.destroy();
    gpu.destroy();
  }
}
