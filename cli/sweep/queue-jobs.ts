// What the coordinator (queue.ts) and `rnnlab worker` (queue-worker.ts) agree on: the queue's name,
// a trial's job id and data, the progress a worker reports, and the key that asks it to stop a trial.

import type { MetricRecord } from "../../node/store/types.js";
import type { Trial, TrialResult } from "./types.js";

export const QUEUE_NAME = "rnnlab-trials";

/** A stop request outlives any trial it could concern, then Redis forgets it. */
export const STOP_TTL_S = 24 * 3600;

export interface TrialJobData {
  sweepId: string;
  trial: Trial;
  /** The trial's folder, `<artefacts>/<trial key>`, on a path every worker sees. */
  dir: string;
}

/** A batch of metric records, sent with job.updateProgress; `attempt` tells a retry's records from
 *  a dead attempt's late ones. */
export interface TrialProgress {
  attempt: number;
  records: MetricRecord[];
}

/** `${sweepId}-${trial key}`: BullMQ job ids may not contain ':'. */
export function trialJobId(sweepId: string, trial: Trial): string {
  return `${sweepId.replaceAll(":", "_")}-${trial.key}`;
}

export function stopKey(jobId: string): string {
  return `rnnlab:stop:${jobId}`;
}

export function isTrialProgress(data: unknown): data is TrialProgress {
  const p = data as TrialProgress | null;
  return typeof p === "object" && p !== null && typeof p.attempt === "number" && Array.isArray(p.records);
}

/** A job's stored return value, if it is a TrialResult. */
export function asTrialResult(value: unknown): TrialResult | null {
  const r = value as TrialResult | null;
  return typeof r === "object" && r !== null && typeof r.status === "string" && Array.isArray(r.metrics)
    ? r
    : null;
}
