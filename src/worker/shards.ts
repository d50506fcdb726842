import type { SpawnShard } from "../parallel/data-parallel.js";
import type { ShardMessage } from "../parallel/protocol.js";
import { onShardMessage } from "../parallel/shard.js";
import { SHARD_WORKER_NAME } from "./protocol.js";
import { newModuleWorker, type ScriptUrl, type WorkerScope, workerScope } from "./scope.js";

// DataParallel's shards as browser Workers: the worker side (serveShard) and the spawner a
// training worker hands to DataParallel.create.

/** Serves a DataParallel shard in this worker until it is told to stop, then closes it. */
export function serveShard(scope: WorkerScope = workerScope()): void {
  scope.addEventListener("message", (event) => {
    if (!onShardMessage(event.data as ShardMessage)) scope.close();
  });
}

/** Shards as module Workers running `url`, a script that calls serveShard(), or serveTraining(),
 *  which serves a shard when its worker is named SHARD_WORKER_NAME. A script that fails to load
 *  is reported to DataParallel.ready() as the thread's start failure. */
export function workerShardSpawner(url: ScriptUrl): SpawnShard {
  return () => {
    const worker = newModuleWorker(url, SHARD_WORKER_NAME);
    const listeners: ((message: string) => void)[] = [];
    let failure: string | null = null;
    worker.addEventListener("error", (event) => {
      event.preventDefault?.();
      failure = event.message || `could not load the thread worker script ${String(url)}`;
      for (const listener of listeners) listener(failure);
    });
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => worker.terminate(),
      onError: (listener) => (failure === null ? listeners.push(listener) : listener(failure)),
    };
  };
}
