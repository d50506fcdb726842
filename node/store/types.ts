// The run store's records: one SQLite file per project folder (runs/store.sqlite by default) holding
// every `rnnlab train`, `rnnlab lab` and sweep trial: its config, revision, machine, status, metrics
// per step, final metrics and artefact paths. Written by node/store/store.ts (RunStore).

export type RunKind = "train" | "lab" | "trial";

/** running: started, not ended (or ended by a SIGKILL not yet noticed: RunStore.markKilled);
 *  stopped: ended early on purpose (a sweep's successive halving); killed: its process died. */
export type RunStatus = "running" | "finished" | "failed" | "killed" | "stopped";

export type EndStatus = Exclude<RunStatus, "running">;

/** A final or per-step value: numbers, and the odd string or flag of a summary. */
export type MetricValue = number | string | boolean | null;

export interface NewRun {
  kind: RunKind;
  /** A short label: the --out folder, the lab's --only, the trial's options. */
  name: string;
  /** The options the run was given (JSON-serialisable). */
  config: unknown;
  sweepId?: string | null;
  trialKey?: string | null;
  /** Default: `git rev-parse HEAD` of the working directory (with "+dirty" if it has changes), or null. */
  git?: string | null;
  /** Default: os.hostname(). */
  machine?: string;
  /** Default: process.pid. */
  pid?: number;
  artefacts?: Record<string, string>;
}

export interface RunRow {
  id: number;
  kind: RunKind;
  name: string;
  sweepId: string | null;
  trialKey: string | null;
  config: unknown;
  git: string | null;
  machine: string;
  pid: number;
  status: RunStatus;
  /** ISO 8601. */
  startedAt: string;
  endedAt: string | null;
  final: Record<string, MetricValue> | null;
  artefacts: Record<string, string>;
  error: string | null;
}

/** One record of a run's metrics: a training step ("train"), a validation ("val"), ... */
export interface MetricRecord {
  step: number;
  type: string;
  values: Record<string, number | null>;
}

export interface RunEnd {
  status: EndStatus;
  final?: Record<string, MetricValue> | null;
  artefacts?: Record<string, string>;
  error?: string | null;
}

export type SweepStatus = "running" | "finished" | "interrupted";

export interface SweepRow {
  id: string;
  name: string;
  /** The parsed spec, as given. */
  spec: unknown;
  metric: string;
  goal: "min" | "max";
  status: SweepStatus;
  createdAt: string;
  updatedAt: string;
}

export interface RunFilter {
  kind?: RunKind;
  status?: RunStatus;
  sweepId?: string;
  /** The newest first; default all. */
  limit?: number;
}
