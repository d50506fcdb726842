import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ConfigError } from "../src/errors.js";
import type { SequenceModel } from "../src/model/sequence-model.js";
import { DataParallel, type SpawnShard } from "../src/parallel/data-parallel.js";

// DataParallel's shards as Node worker threads. The worker is the compiled node/shard-worker.js;
// run from TypeScript sources (vitest), this file finds the built one under dist/.

function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts")
    ? new URL("../dist/node/shard-worker.js", here)
    : new URL("./shard-worker.js", here);
}

/** Starts shard workers; unref'd, so a process that forgets close() still exits. */
export function nodeShardSpawner(): SpawnShard {
  const url = workerUrl();
  return () => {
    if (!existsSync(fileURLToPath(url))) {
      throw new ConfigError(`the thread worker ${fileURLToPath(url)} is missing; run npm run build`);
    }
    const worker = new Worker(url);
    worker.unref();
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => void worker.terminate(),
      onError: (listener) => {
        worker.on("error", (error) => listener(error.message));
        worker.on("exit", (code) => listener(`it exited with code ${code}`));
      },
    };
  };
}

/** Threads worth using for a batch of B rows here: every core, but at least 8 rows each. */
export function defaultThreads(B: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(B / 8)));
}

/** model.lossAndGrad over `threads` threads (worker_threads for all but the calling one). */
export function dataParallel(model: SequenceModel, threads: number): DataParallel {
  return new DataParallel(model, nodeShardSpawner(), threads);
}
