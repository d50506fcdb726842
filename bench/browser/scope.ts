// What the bench's Chromium workers share: the few worker globals they use (bench/ compiles
// without the DOM's types) and their command loop, worker.ts's serve() over postMessage.

import { CELLS, type CellName, type Command, type Reply, SkipError, type Trainer } from "../common.js";

interface WorkerGlobal {
  postMessage(message: Reply): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  location: { search: string };
  crossOriginIsolated: boolean;
  navigator: { hardwareConcurrency: number };
}

export const scope = globalThis as unknown as WorkerGlobal;

/** The configuration, from the worker's query string (the page's, passed on). */
export function benchParams(): { cell: CellName; hidden: number; threads: number; api: "minimize" | "fit" } {
  const query = new URLSearchParams(scope.location.search);
  return {
    cell: CELLS.find((c) => c === query.get("cell")) ?? "lstm",
    hidden: Number(query.get("hidden")),
    threads: Number(query.get("threads")),
    api: query.get("api") === "fit" ? "fit" : "minimize",
  };
}

/** Builds the trainer, says ready (or skip, or error), then answers warmup and window commands as
 *  the Node worker does: whole steps until `seconds` have passed, at least one. The coordinator
 *  measures CPU time and memory from outside, and handles done itself. */
export async function serveBench(build: () => Promise<Trainer>): Promise<void> {
  let trainer: Trainer;
  try {
    trainer = await build();
  } catch (e) {
    scope.postMessage(failure(e));
    return;
  }
  scope.postMessage({ ready: true, info: trainer.info });
  let counter = 0;
  let initialLoss: number | undefined;
  const run = async (seconds: number): Promise<Reply> => {
    let steps = 0;
    let loss = Number.NaN;
    const t0 = performance.now();
    let elapsed = 0;
    do {
      const result = trainer.step(counter);
      loss = typeof result === "number" ? result : await result;
      counter++;
      steps++;
      if (initialLoss === undefined) initialLoss = loss;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < seconds);
    return { steps, seconds: elapsed, loss, initialLoss };
  };
  // One command at a time, in order (the coordinator waits for each answer anyway).
  let queue = Promise.resolve();
  scope.addEventListener("message", (event) => {
    const command = event.data as Command;
    if (command.cmd !== "warmup" && command.cmd !== "window") return;
    queue = queue.then(async () => {
      try {
        scope.postMessage(await run(command.seconds));
      } catch (e) {
        scope.postMessage(failure(e));
      }
    });
  });
}

function failure(e: unknown): Reply {
  if (e instanceof SkipError) return { skip: e.message };
  return { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
