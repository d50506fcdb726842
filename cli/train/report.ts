import type { MetricRecord } from "../../src/train/metrics.js";
import { writeFileAtomic } from "../files.js";

/** Writes report.html for the records so far (atomically: a reader never sees half a page). */
export function writeTrainingReport(path: string, records: readonly MetricRecord[]): void {
  writeFileAtomic(path, `<!doctype html><title>rnnlab run</title><pre>${records.length} records</pre>`);
}
