import { ConfigError } from "../errors.js";
import type { RunConfig } from "../train/run-config.js";
import { type LrSchedule, makeLrSchedule } from "../train/schedules.js";
import { now } from "./scope.js";

/** What every run in a worker keeps beside its model: the learning rate of each update (its
 *  schedule, or the one set while it runs), the time its steps took here, and its budget. */
export class RunPace {
  private lrOverride: number | null = null;
  private readonly schedule: LrSchedule;
  private trainMs = 0;
  private stepsRun = 0;

  constructor(spec: RunConfig) {
    this.schedule = makeLrSchedule(spec.lrSchedule, spec.optimizer.lr);
  }

  /** The learning rate of update `step`. */
  lr(step: number): number {
    return this.lrOverride ?? this.schedule(step);
  }

  /** Holds the learning rate at `lr` from the next step on, and returns `spec` saying so, so a
   *  resumed run goes on with it. */
  setLearningRate(spec: RunConfig, lr: number): RunConfig {
    if (!(Number.isFinite(lr) && lr >= 0))
      throw new ConfigError(`learning rate must be a number >= 0, got ${lr}`);
    this.lrOverride = lr;
    return { ...spec, optimizer: { ...spec.optimizer, lr }, lrSchedule: { kind: "constant", warmup: 0 } };
  }

  /** Runs one step, timing it. */
  timed<T>(step: () => T): T {
    const t0 = now();
    const result = step();
    this.trainMs += now() - t0;
    this.stepsRun++;
    return result;
  }

  /** Whether the budget (`steps` in all, or `minutes` of training in this worker, whichever comes
   *  first when a schedule fitted to the minutes set both) is spent. */
  finished(spec: RunConfig, stepsTaken: number): boolean {
    if (spec.steps !== null && stepsTaken >= spec.steps) return true;
    return spec.minutes !== null && this.trainMs >= spec.minutes * 60_000;
  }

  /** Runs one step that completes later (a GPU step and its read-back), timing it to the end. */
  async timedAsync<T>(step: () => Promise<T>): Promise<T> {
    const t0 = now();
    const result = await step();
    this.trainMs += now() - t0;
    this.stepsRun++;
    return result;
  }

  tokensPerSecond(spec: RunConfig): number {
    const tokens = this.stepsRun * spec.seqLen * spec.batch;
    return this.trainMs > 0 ? tokens / (this.trainMs / 1000) : 0;
  }

  seconds(): number {
    return this.trainMs / 1000;
  }
}
