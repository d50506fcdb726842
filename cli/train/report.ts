import { renderTrainingReport } from "../../src/report/training.js";
import type { MetricRecord } from "../../src/train/metrics.js";
import { writeFileAtomic } from "../files.js";
import { loadReportAssets } from "../report-assets.js";

/** Writes report.html for the records so far (atomically: a reader never sees half a page). */
export function writeTrainingReport(path: string, records: readonly MetricRecord[]): void {
  writeFileAtomic(path, renderTrainingReport(records, loadReportAssets()));
}
