import type { Command } from "commander";
import { boundedInteger } from "../train/limits.js";
import { runTrial } from "../sweep/trial.js";

interface WorkerOptions {
  queue: string;
  concurrency: string;
  once?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("worker")
    .description("run the trials of `rnnlab sweep --queue` from a BullMQ queue on Redis, on this machine")
    .requiredOption("--queue <url>", "the queue's Redis: redis://HOST:PORT")
    .option("--concurrency <n>", "trials at once on this machine", "1")
    .option("--once", "exit when no trial is waiting or running anywhere (instead of waiting for more)")
    .option("--json", "a JSON line per event (ready, started, ended, requeued, failed)")
    .action((options: WorkerOptions) => workerCommand(options));
}

async function workerCommand(options: WorkerOptions): Promise<void> {
  // BullMQ and ioredis load here, not when any rnnlab command starts.
  const { parseRedisUrl } = await import("../sweep/redis.js");
  const { startQueueWorker } = await import("../sweep/queue-worker.js");
  parseRedisUrl(options.queue);
  const worker = await startQueueWorker({
    url: options.queue,
    concurrency: boundedInteger(options.concurrency, "--concurrency"),
    once: options.once === true,
    json: options.json === true,
    runTrial,
  });
  // The first signal puts the running trials back on the queue and closes; a second one exits now.
  const stop = () => {
    process.once("SIGINT", () => process.exit(130));
    process.once("SIGTERM", () => process.exit(143));
    void worker.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await worker.done;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
