// The coordinator's side of a sweep: what the runner reports becomes run-store rows (a run per
// trial attempt, kind "trial"), successive-halving decisions, and progress. A trial's metrics are
// written once, from its result, when it ends: a coordinator that restarts mid-trial (queue) or a
// trial retried elsewhere leaves no half-copied curve, and the store equals a local run's.

import { hostname } from "node:os";
import { pidAlive, type RunStore } from "../../node/store/index.js";
import { UserError } from "../errors.js";
import { AshaScheduler } from "./asha.js";
import { maxSteps } from "./spec.js";
import type { SweepSpec, Trial, TrialEvents, TrialResult } from "./types.js";

type ProgressCallback = (done: number, best: string, line: string) => void;

export class SweepRecorder {
  readonly events: TrialEvents;
  private readonly running = new Map<string, number>();
  private readonly asha: AshaScheduler | null;
  private done = 0;
  private best: number | null = null;

  constructor(
    private readonly spec: SweepSpec,
    private readonly sweepId: string,
    private readonly store: RunStore,
    private readonly progress: ProgressCallback,
  ) {
    this.asha = spec.asha ? ashaOf(spec, store, sweepId) : null;
    this.events = {
      started: (trial, info) => this.started(trial, info.machine),
      record: (trial, record) => {
        const loss = record.values.valLoss;
        if (!this.asha || record.type !== "val" || loss === undefined) return "continue";
        return this.asha.report(trial.key, record.step, loss ?? Number.NaN);
      },
      ended: (trial, result) => this.ended(trial, result),
    };
  }

  private started(trial: Trial, machine: string): void {
    const earlier = this.running.get(trial.key);
    // Started again before it ended: the attempt before died (a worker killed mid-trial).
    if (earlier !== undefined)
      this.store.finishRun(earlier, { status: "killed", error: "retried elsewhere" });
    const id = this.store.startRun({
      kind: "trial",
      name: label(trial),
      // The coordinator that records the row: a queued trial runs on another machine, so the row's
      // machine and the recording process's pid would not tell markKilled when this one is dead.
      config: {
        argv: trial.argv,
        params: trial.params,
        seed: trial.seed,
        coordinator: { host: hostname(), pid: process.pid },
      },
      sweepId: this.sweepId,
      trialKey: trial.key,
      machine,
    });
    this.running.set(trial.key, id);
  }

  private ended(trial: Trial, result: TrialResult): void {
    let id = this.running.get(trial.key);
    // Ended while no coordinator watched it start (it ran while this one was down): one row now.
    if (id === undefined) {
      this.started(trial, result.machine);
      id = this.running.get(trial.key) as number;
    }
    this.running.delete(trial.key);
    this.store.appendMetrics(id, result.metrics);
    const status = result.status;
    this.store.finishRun(id, {
      status,
      final: result.summary,
      artefacts: result.artefacts,
      error: result.error,
    });
    this.done++;
    const value = result.summary?.[this.spec.metric];
    if (status === "finished" && typeof value === "number" && this.better(value)) this.best = value;
    const shown =
      typeof value === "number" ? `${this.spec.metric} ${format(value)}` : (result.error ?? status);
    this.progress(
      this.done,
      this.best === null ? "-" : format(this.best),
      `${status.padEnd(8)} ${label(trial)} ${shown} (${result.seconds.toFixed(1)} s, ${result.machine})`,
    );
  }

  private better(value: number): boolean {
    if (this.best === null) return true;
    return this.spec.goal === "min" ? value < this.best : value > this.best;
  }
}

/** Marks "killed" the sweep's trial rows still "running" whose coordinator (on this machine) is gone:
 *  a coordinator killed mid-sweep leaves them, and --resume runs those trials again. */
export function markOrphanedTrials(store: RunStore, sweepId: string): void {
  for (const run of store.trialRuns(sweepId)) {
    if (run.status !== "running") continue;
    const { coordinator } = (run.config ?? {}) as { coordinator?: { host?: string; pid?: number } };
    if (coordinator?.host !== hostname() || pidAlive(Number(coordinator.pid))) continue;
    store.finishRun(run.id, {
      status: "killed",
      error: "its sweep's coordinator ended before the trial did",
    });
  }
}

/** The scheduler, with the rung values of trials already in the store (a resumed sweep). */
function ashaOf(spec: SweepSpec, store: RunStore, sweepId: string): AshaScheduler {
  const { minSteps, eta } = spec.asha as { minSteps: number; eta: number };
  // The parser refuses asha without steps among the trial's options.
  const scheduler = new AshaScheduler({ minSteps, eta, maxSteps: maxSteps(spec) as number, goal: "min" });
  const rungs = new Set(scheduler.rungs);
  for (const run of store.trialRuns(sweepId)) {
    if (!run.trialKey || (run.status !== "finished" && run.status !== "stopped")) continue;
    for (const record of store.metrics(run.id, "val"))
      if (rungs.has(record.step))
        scheduler.report(run.trialKey, record.step, record.values.valLoss ?? Number.NaN);
  }
  return scheduler;
}

/** "cell=gru lr=0.01 seed=2" */
export function label(trial: Trial): string {
  const params = Object.entries(trial.params)
    .filter(([key]) => key !== "seed")
    .map(([key, value]) => `${key}=${value}`);
  return [...params, `seed=${trial.seed}`].join(" ");
}

const format = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(4) : x.toPrecision(4));

/** Successive halving reads the validation loss at each rung (minSteps·eta^k): trials evaluate every
 *  minSteps steps unless the spec's --eval-every already lands on every rung. */
export function evaluateAtRungs(spec: SweepSpec, trials: readonly Trial[]): Trial[] {
  if (!spec.asha) return [...trials];
  const { minSteps } = spec.asha;
  return trials.map((trial) => {
    const at = trial.argv.indexOf("--eval-every");
    if (at < 0) return { ...trial, argv: [...trial.argv, "--eval-every", String(minSteps)] };
    const every = Number(trial.argv[at + 1]);
    if (!(every > 0 && minSteps % every === 0))
      throw new UserError(
        `asha: eval-every ${trial.argv[at + 1]} misses the rungs (every ${minSteps}·eta^k steps): drop eval-every or make it divide min-steps`,
      );
    return trial;
  });
}
