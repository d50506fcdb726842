import { renderTrainingReport } from "../../src/report/training.js";
import type { MetricRecord } from "../../src/train/metrics.js";
import { writeRegeneratedFile } from "../files.js";
import { loadReportAssets } from "../report-assets.js";

/** Writes report.html for the records so far (atomically: a reader never sees half a page; on a
 *  full disk it needs no more free space than the page: see writeRegeneratedFile). */
export function writeTrainingReport(path: string, records: readonly MetricRecord[]): void {
  writeRegeneratedFile(path, renderTrainingReport(records, loadReportAssets()));
}
