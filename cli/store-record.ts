// What `rnnlab train` and `rnnlab lab` record in the run store (node/store): the run at its start,
// its metric records as they come (buffered, one transaction per flush), its end. `--no-store` (a
// sweep's trials: the coordinator records them) or a store that cannot be opened leaves the command
// as it was: recording never fails a run, it says so in one line.

import type { Command } from "commander";
import { RunStore } from "../node/store/index.js";
import type { EndStatus, MetricRecord, MetricValue, NewRun } from "../node/store/types.js";
import { UserError } from "./errors.js";

/** runs/store.sqlite in the current folder, or $RNNLAB_STORE. */
export const DEFAULT_STORE = process.env.RNNLAB_STORE || "runs/store.sqlite";
const FLUSH_RECORDS = 200;
const FLUSH_MS = 1000;

export interface StoreOptions {
  /** A path, or false for --no-store. */
  store: string | false;
}

/** --store PATH and --no-store. */
export function addStoreOptions(command: Command): Command {
  return command
    .option("--store <path>", "the run store this run is recorded in", DEFAULT_STORE)
    .option("--no-store", "do not record this run in the run store");
}

/** A metric record (a metrics.jsonl line, parsed) as the store keeps it: its step, type and numbers
 *  (null for a non-finite one or a null); text and arrays are not metrics, nor a record without a
 *  numeric step (the run's config). */
export function metricRecordOf(record: unknown): MetricRecord | null {
  if (record === null || typeof record !== "object") return null;
  const { step, type, ...rest } = record as Record<string, unknown>;
  if (typeof step !== "number" || typeof type !== "string") return null;
  const values: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === "number") values[key] = Number.isFinite(value) ? value : null;
    else if (value === null) values[key] = null;
  }
  return { step, type, values };
}

export class RunRecorder {
  private pending: MetricRecord[] = [];
  private lastFlush = Date.now();
  private ended = false;

  private constructor(
    private readonly store: RunStore,
    readonly runId: number,
  ) {}

  /** The run started in the store, or null (--no-store, or the store refused: said on stderr). */
  static start(options: StoreOptions, run: NewRun): RunRecorder | null {
    if (options.store === false) return null;
    let store: RunStore | null = null;
    try {
      store = RunStore.open(options.store);
      return new RunRecorder(store, store.startRun(run));
    } catch (error) {
      store?.close();
      process.stderr.write(`rnnlab: not recorded in the run store: ${(error as Error).message}\n`);
      return null;
    }
  }

  /** Buffers a metric record of the run (numbers only; a flush every 200 records or second). */
  record = (record: { type: string; step?: number }): void => {
    const converted = metricRecordOf(record);
    if (converted === null) return;
    this.pending.push(converted);
    if (this.pending.length >= FLUSH_RECORDS || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  };

  /** The run's end: its final metrics, or the error that ended it. */
  finish(status: EndStatus, final: Record<string, MetricValue> | null, error: string | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.guard(() => {
      this.flush();
      this.store.finishRun(this.runId, { status, final, error });
    });
    this.store.close();
  }

  /** finish() from whatever ended a command: a UserError of a stop signal (exit 130, 143) is
   *  "killed", anything else "failed". */
  fail(error: unknown): void {
    const signalled = error instanceof UserError && (error.exitCode === 130 || error.exitCode === 143);
    const message = error instanceof Error ? error.message : String(error);
    this.finish(signalled ? "killed" : "failed", null, message);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    this.guard(() => this.store.appendMetrics(this.runId, records));
  }

  private guard(write: () => void): void {
    try {
      write();
    } catch (error) {
      process.stderr.write(`rnnlab: the run store missed a write: ${(error as Error).message}\n`);
    }
  }
}
