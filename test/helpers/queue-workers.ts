import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Trial } from "../../cli/sweep/types.js";

// Real `rnnlab worker` processes for the queue tests, and tiny real training trials for them.

export interface Worker {
  events: Record<string, unknown>[];
  exited: Promise<number | null>;
  kill(): void;
}

/** `rnnlab worker --once --json` in a process group of its own, so a kill takes its trials too;
 *  `lockMs`: RNNLAB_QUEUE_LOCK_MS (default the worker's 30 s). */
export function startWorker(url: string, lockMs?: number): Worker {
  const lock = lockMs === undefined ? {} : { RNNLAB_QUEUE_LOCK_MS: String(lockMs) };
  const child: ChildProcess = spawn(
    process.execPath,
    ["dist/cli/main.js", "worker", "--queue", url, "--once", "--json"],
    {
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...lock },
    },
  );
  const events: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const kill = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  return { events, exited, kill };
}

/** `n` training trials of `steps` steps on the first 20,000 characters of the bundled text. */
export function tinyTrainTrials(folder: string, n: number, steps: number): Trial[] {
  const text = join(folder, "text.txt");
  writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 20_000));
  return Array.from({ length: n }, (_, i) => ({
    key: `s${steps}t${i + 1}`,
    command: "train",
    params: { seed: i + 1 },
    seed: i + 1,
    argv: ["train", "--data", text, "--hidden", "8", "--seq-len", "8", "--batch", "4"].concat([
      "--steps",
      String(steps),
      "--eval-every",
      "10",
      "--threads",
      "1",
      "--seed",
      String(i + 1),
    ]),
  }));
}
