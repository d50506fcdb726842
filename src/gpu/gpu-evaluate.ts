import type { TokenBatch } from "../data/windows.js";
import type { ModelConfig } from "../model/config.js";
import type { Params } from "../model/params.js";
import type { Pace } from "../train/schedule-fit.js";
import type { GpuContext } from "./context.js";
import { GpuModel } from "./gpu-model.js";

/** Mean teacher-forced cross-entropy (nats per token) over the batches, weighted by tokens, as
 *  evaluate (src/train/trainer.ts) on the CPU; one read-back per batch. */
export async function evaluateOnGpu(gpu: GpuModel, batches: readonly TokenBatch[]): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const batch of batches) {
    const pass = gpu.pass(batch.T, batch.B);
    pass.load(batch.tokens, batch.classes);
    gpu.context.run(pass.forwardPlan());
    const [lossSum] = await gpu.context.read(pass.figures, 1);
    sum += lossSum;
    count += pass.count;
  }
  return sum / count;
}

/** This machine's pace on a run, as measurePace (src/run/fitted-schedule.ts) on the CPU: the
 *  median of three gradient passes on the first validation batch (no update), and of three
 *  evaluations of it, each after one run that compiles the kernels. The model's copy on the GPU
 *  is freed after. */
export async function gpuPace(
  context: GpuContext,
  config: ModelConfig,
  params: Params,
  valSet: readonly TokenBatch[],
  now: () => number,
): Promise<Pace> {
  const gpu = new GpuModel(context, config, params);
  try {
    const first = valSet[0];
    const pass = gpu.pass(first.T, first.B);
    const msPerStep = await medianMs(async () => {
      pass.load(first.tokens, first.classes);
      context.run(pass.trainPlan());
      await context.read(pass.figures, 1);
    }, now);
    const msPerForward = await medianMs(() => evaluateOnGpu(gpu, [first]), now);
    return { msPerStep, msPerEval: msPerForward * valSet.length };
  } finally {
    gpu.destroy();
  }
}

async function medianMs(work: () => Promise<unknown>, now: () => number): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    await work();
    times.push(now() - t0);
  }
  return times.sort((a, b) => a - b)[1];
}
