// `rnnlab runs export`: runs as CSV (one row per run: its fields, its config flattened, its final
// metrics) or as JSON (each run with its metric records). Pure: the command reads the store.

import type { MetricRecord, RunRow } from "../../node/store/types.js";
import { flattenConfig } from "../../src/run/config-diff.js";
import { valueText } from "./format.js";

/** The run fields every CSV row starts with, and where each comes from. */
const RUN_COLUMNS: [string, (run: RunRow) => unknown][] = [
  ["id", (r) => r.id],
  ["kind", (r) => r.kind],
  ["status", (r) => r.status],
  ["name", (r) => r.name],
  ["sweep", (r) => r.sweepId],
  ["trial", (r) => r.trialKey],
  ["started", (r) => r.startedAt],
  ["ended", (r) => r.endedAt],
];

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, a CR or LF, or edge spaces; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",");
}

/** Keys in order of first appearance over all the lists. */
function unionKeys(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * The header (id, kind, status, name, sweep, trial, started, ended, then `config.<key>` for every
 * flattened config key of any run, then `final.<key>` for every final metric of any run) and one row
 * per run. Lines end in "\n" (a field's own line breaks stay inside its quotes); a run without a key
 * has an empty field; numbers are written exactly.
 */
export function runsCsv(runs: readonly RunRow[]): string {
  const configs = runs.map((r) => new Map(flattenConfig(r.config)));
  const configKeys = unionKeys(configs.map((c) => [...c.keys()]));
  const finalKeys = unionKeys(runs.map((r) => Object.keys(r.final ?? {})));
  const header = [
    ...RUN_COLUMNS.map(([name]) => name),
    ...configKeys.map((k) => (k === "" ? "config" : `config.${k}`)),
    ...finalKeys.map((k) => `final.${k}`),
  ];
  const exact = (v: unknown) => valueText(v, { exact: true });
  const rows = runs.map((run, i) => [
    ...RUN_COLUMNS.map(([, field]) => exact(field(run))),
    ...configKeys.map((k) => exact(configs[i].get(k))),
    ...finalKeys.map((k) => exact(run.final?.[k])),
  ]);
  return `${[header, ...rows].map(csvLine).join("\n")}\n`;
}

export interface ExportedRun extends RunRow {
  metrics: MetricRecord[];
}

/** The JSON export: an array of runs, each with its metric records in step order. */
export function runsJson(runs: readonly RunRow[], metrics: (runId: number) => MetricRecord[]): string {
  const exported: ExportedRun[] = runs.map((run) => ({ ...run, metrics: metrics(run.id) }));
  return `${JSON.stringify(exported, null, 2)}\n`;
}
