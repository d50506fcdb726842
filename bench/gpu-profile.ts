// Where a WebGPU training step's time goes, for tuning on a real GPU (not part of `npm run bench`):
//
//   node dist/bench/bench/gpu-profile.js [--cells rnn,lstm] [--hidden 128,512] [--batch 32,256]
//
// For each config of the bench's workload (bench/common.ts: V 65, E 64, T 64, Adam), the mean wall
// time of each part submitted alone, R times in a row, then a wait for the GPU:
//   step        GpuTrainer.trainStep() with figures: false (windows, upload, train plan, update)
//   step+read   the same, reading the step's figures back (what `rnnlab train` does)
//   train       the recorded train plan alone (zero grad, forward, loss, BPTT)
//   forward     inputs → logits → loss
//   fwd-steps   the T fused forward steps (the plain kernel, which the layer uses)
//   fwd-tiled   the same T steps by the tiled kernel
//   bwd-steps   the T + 1 fused backward steps
//   empty       T empty-ish dispatches (fill of one float): the cost of a dispatch itself
// Timings only: the buffers hold whatever the last part left.

import { Command } from "commander";
import { requestNodeGpu } from "../node/index.js";
import type { GpuContext, Plan } from "../src/gpu/index.js";
import { GpuModel, GpuTrainer } from "../src/gpu/index.js";
import { encodeCellBackward, encodeCellForwardTiled } from "../src/gpu/kernels/cell-steps.js";
import { encodeFill } from "../src/gpu/kernels/fill.js";
import { createOptimizer, SequenceModel } from "../src/index.js";
import { type CellName, rnnlabModel, WORKLOAD } from "./common.js";

const list = (s: string) => s.split(",").map((x) => x.trim());
const cli = new Command()
  .option("--cells <list>", "cells", list, ["rnn", "lstm"])
  .option("--hidden <list>", "hidden sizes", list, ["128", "512"])
  .option("--batch <list>", "batch sizes", list, ["32", "256"])
  .option("--seconds <s>", "time spent on each part", Number, 0.4)
  .parse();
const o = cli.opts<{ cells: string[]; hidden: string[]; batch: string[]; seconds: number }>();

/** Mean ms of `submit()` over repetitions filling about `seconds`, after one warm-up. */
async function timed(context: GpuContext, submit: () => unknown, seconds: number): Promise<number> {
  await submit();
  await context.finish();
  let reps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || reps < 3) {
    for (let i = 0; i < 8; i++) await submit();
    reps += 8;
    await context.finish();
  }
  return (performance.now() - start) / reps;
}

function recorded(context: GpuContext, label: string, record: (plan: Plan) => void): Plan {
  const plan = context.plan(label);
  record(plan);
  return plan;
}

async function profile(
  context: GpuContext,
  cell: CellName,
  H: number,
  B: number,
): Promise<Record<string, number>> {
  const T = WORKLOAD.seqLen;
  const model = new SequenceModel(rnnlabModel(cell, H), { seed: WORKLOAD.seed });
  const data = new Int32Array(200_000).map((_, i) => (i * 7919) % WORKLOAD.vocab);
  const optimizer = createOptimizer({ name: "adam", lr: WORKLOAD.lr }, model);
  const trainer = new GpuTrainer({ context, model, optimizer, data, seqLen: T, batch: B, figures: false });
  const reader = new GpuTrainer({ context, model, optimizer, data, seqLen: T, batch: B });
  const gpu = new GpuModel(context, model.config, model.params);
  const pass = gpu.pass(T, B);
  pass.load(new Int32Array(T * B).fill(1), new Int32Array(T * B).fill(2));
  const layer = pass.layers[0];
  const { spec, buffers } = layer;
  const parts: Record<string, Plan> = {
    train: pass.trainPlan(),
    forward: pass.forwardPlan(),
    "fwd-steps": recorded(context, "fwd", (p) => layer.encodeSteps(p)),
    "fwd-tiled": recorded(context, "tiled", (p) => {
      for (let t = 1; t <= T; t++) encodeCellForwardTiled(p, spec, buffers, t, T);
    }),
    "bwd-steps": recorded(context, "bwd", (p) => {
      for (let t = T; t >= 0; t--) encodeCellBackward(p, spec, buffers, t, T);
    }),
    empty: recorded(context, "empty", (p) => {
      for (let t = 0; t < T; t++) encodeFill(p, { n: 1, dst: { buffer: pass.figures, offset: 0 }, value: 0 });
    }),
  };
  const ms: Record<string, number> = {
    step: await timed(context, () => trainer.trainStep(), o.seconds),
    "step+read": await timed(context, () => reader.trainStep(), o.seconds),
  };
  for (const [name, plan] of Object.entries(parts))
    ms[name] = await timed(context, () => context.run(plan), o.seconds);
  ms.dispatches = parts.train.length;
  trainer.destroy();
  reader.destroy();
  pass.destroy();
  gpu.destroy();
  return ms;
}

const request = await requestNodeGpu();
if ("reason" in request) {
  console.error(`gpu-profile: ${request.reason}`);
  process.exitCode = 2;
} else {
  const { context, adapter } = request;
  console.log(`gpu-profile on ${adapter}; T ${WORKLOAD.seqLen}, ms per part (mean), tokens/s of a step`);
  const columns = ["step", "step+read", "train", "forward", "fwd-steps", "fwd-tiled", "bwd-steps", "empty"];
  console.log(["config", ...columns, "dispatches", "tok/s"].map((c) => c.padStart(10)).join(""));
  for (const cell of o.cells as CellName[])
    for (const H of o.hidden.map(Number))
      for (const B of o.batch.map(Number)) {
        const ms = await profile(context, cell, H, B);
        const tokens = (WORKLOAD.seqLen * B) / (ms.step / 1000);
        const row = columns.map((c) => ms[c].toFixed(3).padStart(10));
        console.log(
          [
            `${cell}${H}/${B}`.padStart(10),
            ...row,
            String(ms.dispatches).padStart(10),
            tokens.toFixed(0).padStart(10),
          ].join(""),
        );
        console.error(JSON.stringify({ cell, H, B, ms }));
      }
  context.destroy();
}
