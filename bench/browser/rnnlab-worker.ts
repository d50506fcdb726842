// rnnlab in a Chromium module worker, as a page uses it: the prebuilt dist/browser/rnnlab.js
// (browser.ts bundles this file with these three imports pointing at /rnnlab.js), the batch's
// rows split over `threads` threads by DataParallel with dist/browser/training-worker.js serving
// the shards, then the Adam step: the same calls as worker.ts makes in Node.

import { createOptimizer, DataParallel, SequenceModel } from "../../src/index.js";
import { kernelPath, ready } from "../../src/kernels/index.js";
import { workerShardSpawner } from "../../src/worker/index.js";
import { rnnlabModel, SkipError, timeMajorPool, WORKLOAD } from "../common.js";
import { benchParams, scope, serveBench } from "./scope.js";

void serveBench(async () => {
  const { cell, hidden, threads } = benchParams();
  if (threads > 1 && !scope.crossOriginIsolated) {
    throw new SkipError("the page is not cross-origin isolated, so rnnlab runs one thread");
  }
  await ready(); // compiles the WebAssembly kernels before the first product

  const { seqLen: T, batch: B, lr } = WORKLOAD;
  const model = new SequenceModel(rnnlabModel(cell, hidden), { seed: WORKLOAD.seed });
  const adam = createOptimizer({ name: "adam", lr }, model);
  // Resolves once the shard workers run: this worker must not block before they start.
  const parallel = await DataParallel.create(model, workerShardSpawner("/training-worker.js"), threads);
  const batches = timeMajorPool();
  const path = kernelPath(); // the kernels that run: the row reports them
  return {
    info: { version: "dist/browser/rnnlab.js", threads, wasm: path.gemm, pointwise: path.pointwise },
    step(i) {
      const { tokens, classes } = batches[i % batches.length];
      const { loss } = parallel.lossAndGrad({ T, B, tokens }, { classes });
      adam.step(model.params.data, model.params.grad);
      return loss;
    },
  };
});
