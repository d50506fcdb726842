import { hostname } from "node:os";
import type { MetricRecord } from "../../node/store/types.js";
import type { TrialOptions } from "../../cli/sweep/trial.js";
import type { Trial, TrialEvents, TrialResult } from "../../cli/sweep/types.js";

// Fakes for the queue tests that need no training: trials, a runTrial that writes a record every
// few milliseconds, and TrialEvents that log what a runner told them.

export function fakeTrials(n: number, prefix = "t"): Trial[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${prefix}${i + 1}`,
    command: "train" as const,
    params: { lr: 0.01 * (i + 1) },
    seed: i + 1,
    argv: ["train", "--seed", String(i + 1)],
  }));
}

/** A runTrial with `steps` records `ms` apart; it stops on "stop" and fails when aborted. The keys
 *  of the trials it ran go to `ran`. */
export function fakeRunTrial(ran: string[], { steps = 5, ms = 40 } = {}) {
  return async (trial: Trial, o: TrialOptions): Promise<TrialResult> => {
    ran.push(trial.key);
    const metrics: MetricRecord[] = [];
    const result = (status: TrialResult["status"], error: string | null = null): TrialResult => ({
      status,
      summary: status === "finished" ? { valLoss: trial.seed } : null,
      metrics,
      error,
      artefacts: { dir: o.dir },
      seconds: 0.1,
      machine: "fake",
    });
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (o.signal?.aborted) return result("failed", "killed by SIGTERM");
      const record: MetricRecord = { step, type: "train", values: { loss: 1 / step } };
      metrics.push(record);
      if (o.onRecord?.(record) === "stop") return result("stopped");
    }
    return result("finished");
  };
}

export interface EventLog {
  events: TrialEvents;
  /** "started t1 #1", "ended t1 finished", in the order told. */
  lines: string[];
  records: Map<string, MetricRecord[]>;
  results: Map<string, TrialResult[]>;
  machines: string[];
}

/** TrialEvents that log; `stopAt(trial, record)` true answers "stop". */
export function eventLog(stopAt: (trial: Trial, record: MetricRecord) => boolean = () => false): EventLog {
  const log: EventLog = {
    events: null as unknown as TrialEvents,
    lines: [],
    records: new Map(),
    results: new Map(),
    machines: [],
  };
  log.events = {
    started(trial, info) {
      log.lines.push(`started ${trial.key} #${info.attempt}`);
      log.machines.push(info.machine);
    },
    record(trial, record) {
      log.records.set(trial.key, [...(log.records.get(trial.key) ?? []), record]);
      return stopAt(trial, record) ? "stop" : "continue";
    },
    ended(trial, result) {
      log.lines.push(`ended ${trial.key} ${result.status}`);
      log.results.set(trial.key, [...(log.results.get(trial.key) ?? []), result]);
    },
  };
  return log;
}

/** The trials ended exactly once each: their keys, sorted, and the number of ends. */
export function endedOnce(log: EventLog): { keys: string[]; ends: number } {
  const ends = [...log.results.values()].reduce((n, results) => n + results.length, 0);
  return { keys: [...log.results.keys()].sort(), ends };
}

export const thisMachine = hostname();
