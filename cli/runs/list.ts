// `rnnlab runs list`: one line per run. Pure: the command reads the store.

import type { RunRow } from "../../node/store/types.js";
import { durationSeconds, durationText, headlineMetric, textTable, timeText, valueText } from "./format.js";

const HEADER = ["id", "kind", "status", "name", "sweep", "started", "duration", "final"];
const NUMERIC = [true, false, false, false, false, false, true, false];

/** The table of runs; `sweepMetrics` maps a sweep's id to its metric, shown for its trials (else
 *  valLoss) as "valLoss 2.31". "no runs" when there are none. */
export function runsTable(runs: readonly RunRow[], sweepMetrics: ReadonlyMap<string, string>): string {
  if (runs.length === 0) return "no runs\n";
  const rows = runs.map((run) => {
    const headline = headlineMetric(run, sweepMetrics);
    return [
      String(run.id),
      run.kind,
      run.status,
      run.name.replace(/\s+/g, " "), // one line per run, whatever the name holds
      run.sweepId ?? "",
      timeText(run.startedAt),
      durationText(durationSeconds(run)),
      headline === null ? "" : `${headline.key} ${valueText(headline.value)}`,
    ];
  });
  return `${textTable(HEADER, rows, NUMERIC)}\n`;
}
