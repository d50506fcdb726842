// What a sweep is made of: the parsed spec (spec.ts), its trials (expand.ts), and the contract
// between the coordinator (commands/sweep.ts, which records into the run store and runs successive
// halving) and whoever runs the trials: the local pool (pool.ts) or a BullMQ queue (queue.ts).

import type { MetricRecord, MetricValue } from "../../node/store/types.js";

/** An option's value as the spec gives it: `--key value`, or a flag (true: `--key`, false: `--no-key`). */
export type OptionValue = string | number | boolean;

/** A random option's distribution (`random: { lr: { log-uniform: [1e-4, 1e-1] } }`). */
export type Distribution =
  | { kind: "uniform"; low: number; high: number }
  | { kind: "log-uniform"; low: number; high: number }
  | { kind: "int"; low: number; high: number }
  | { kind: "choice"; values: OptionValue[] };

/** The command a trial runs: `rnnlab train`, `rnnlab lab` or `rnnlab probe <name>`. */
export type TrialCommand = "train" | "lab" | "probe";

export interface SweepSpec {
  /** The spec's `name`, else the file's base name without its extension. */
  name: string;
  command: TrialCommand;
  /** The fixed options of every trial (the `train:` / `lab:` / `probe:` block), by long option name. */
  fixed: Record<string, OptionValue>;
  /** Every combination of these. */
  grid: Record<string, OptionValue[]>;
  /** Sampled `trials` times (with the sweep's seed), crossed with the grid. */
  random: Record<string, Distribution>;
  /** Samples of `random` (0 when random is empty). */
  trials: number;
  /** Every configuration runs once per seed (`--seed`). Default [1]. */
  seeds: number[];
  /** A key of the trial command's --json summary (train: valLoss, ...). */
  metric: string;
  goal: "min" | "max";
  /** Caps: at most `trials` trials run (the first in order), no new trial starts after `minutes`. */
  budget: { trials: number | null; minutes: number | null };
  /** Successive halving (train only, metric valLoss): rungs at minSteps·eta^k below the trial's
   *  steps; at each, a trial whose validation loss is not in the best 1/eta of those seen at that
   *  rung is stopped. */
  asha: { minSteps: number; eta: number } | null;
  /** Local pool size; default: one trial per core. */
  parallel: number | null;
  /** Where trial folders go: `<artefacts>/<trial key>/`. Default runs/sweeps/<sweep id>. A queue's
   *  workers write there too, so give a path every machine sees. */
  artefacts: string | null;
}

export interface Trial {
  /** Stable across runs of the same spec (a hash of command, params and seed): letters and digits. */
  key: string;
  command: TrialCommand;
  /** The varying options (grid and random) and the seed, for tables. */
  params: Record<string, OptionValue>;
  seed: number;
  /** The command line after `rnnlab`: ["train", "--hidden", "16", ..., "--seed", "1"], without
   *  --out, --json or store options, which the runner adds. */
  argv: string[];
}

export interface TrialResult {
  /** killed: ended by a signal (the sweep interrupted, a worker shut down); --resume reruns it. */
  status: "finished" | "failed" | "stopped" | "killed";
  /** The command's --json summary (null when it failed before printing one). */
  summary: Record<string, MetricValue> | null;
  /** Every metric record the trial wrote (train: its metrics.jsonl). */
  metrics: MetricRecord[];
  /** One line, for a failed trial. */
  error: string | null;
  /** The trial's folder and files in it (checkpoint, report). */
  artefacts: Record<string, string>;
  seconds: number;
  machine: string;
}

/** What a runner tells the coordinator, in order, for each trial it runs: started (again, after a
 *  retry elsewhere), records as they appear, ended once. */
export interface TrialEvents {
  started(trial: Trial, info: { machine: string; attempt: number }): void;
  /** A metric record of a running trial; "stop" ends the trial early (its result: "stopped"). */
  record(trial: Trial, record: MetricRecord): "continue" | "stop";
  ended(trial: Trial, result: TrialResult): void;
}

export interface TrialRunner {
  /** Runs every trial (in order, as many at once as the runner allows); resolves when all ended. */
  run(trials: readonly Trial[], events: TrialEvents): Promise<void>;
  close(): Promise<void>;
}
