// The local pool: trials in child processes, `parallel` at a time, in order. A trial's process is
// its own (memory, crash, kill); each trains on one thread, so the pool fills the cores by trials.

import { hostname } from "node:os";
import { runTrial } from "./trial.js";
import type { Trial, TrialEvents, TrialRunner } from "./types.js";

export interface PoolOptions {
  parallel: number;
  /** The folder of a trial's files. */
  dirOf: (trial: Trial) => string;
  /** Date.now() after which no trial starts (the spec's budget.minutes), or null. */
  deadline?: number | null;
}

export class LocalPool implements TrialRunner {
  private readonly abort = new AbortController();

  constructor(private readonly options: PoolOptions) {}

  async run(trials: readonly Trial[], events: TrialEvents): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < trials.length && !this.abort.signal.aborted && !this.pastDeadline()) {
        const trial = trials[next++];
        events.started(trial, { machine: hostname(), attempt: 1 });
        const result = await runTrial(trial, {
          dir: this.options.dirOf(trial),
          onRecord: (record) => events.record(trial, record),
          signal: this.abort.signal,
        });
        events.ended(trial, result);
      }
    };
    const lanes = Math.max(1, Math.min(this.options.parallel, trials.length));
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  /** Stops the running trials (SIGTERM: each ends "failed", killed by SIGTERM) and starts no more. */
  async close(): Promise<void> {
    this.abort.abort();
  }

  private pastDeadline(): boolean {
    const { deadline } = this.options;
    return deadline !== undefined && deadline !== null && Date.now() > deadline;
  }
}
