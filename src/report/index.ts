// Self-contained HTML reports (pure: no Node imports, runs in a browser too).

export { CLIENT_SCRIPT, REPORT_DATA_ID } from "./client.js";
export { escapeHtml, type Html, isHtml, jsonForScript, rawHtml, scriptForInline, toHtml } from "./escape.js";
export {
  type CellValue,
  type Figure,
  formatNumber,
  type GridColumn,
  type GridTable,
  type KeyValueTable,
  type PageOptions,
  type ReportAssets,
  type ReportData,
  readReportData,
  renderPage,
  type Section,
  type Stat,
  slug,
  type Table,
} from "./page.js";
export type {
  AxisSpec,
  BarSpec,
  HeatmapCell,
  HeatmapSpec,
  LineSeries,
  LineSpec,
  PlotSpec,
  RuleSpec,
  ScatterSpec,
} from "./spec.js";
export { finiteOrNull, plotNumber } from "./spec.js";
export {
  buildTrainingReport,
  groupRecords,
  type RunRecords,
  renderTrainingReport,
  TRAINING_IDS,
} from "./training.js";
