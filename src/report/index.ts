// rnnlab/report: self-contained HTML pages of figures and tables, the training report, and the one
// number formatter (pure: no Node imports, runs in a browser too). Text is escaped as it goes into a
// page (its `$…$` formulas typeset by textHtml); rawHtml marks HTML to insert as is. The inlined
// client script stays private.

export { type Html, rawHtml } from "./escape.js";
export { formatNumber } from "./format.js";
export { textHtml } from "./math.js";
export {
  type CellValue,
  type Figure,
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
  type RunRecords,
  renderTrainingReport,
  TRAINING_IDS,
} from "./training.js";
