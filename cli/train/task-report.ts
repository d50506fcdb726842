import type { ForecastLearner } from "../../src/fit/forecast.js";
import type { ForecastData } from "../../src/fit/forecast-data.js";
import type { Metrics } from "../../src/fit/metrics.js";
import type { TaskEvaluation } from "../../src/fit/task.js";
import type { FitTaskName } from "../../src/fit/tasks.js";
import { formatNumber } from "../../src/report/format.js";
import { type CellValue, type Figure, renderPage, type Section, type Table } from "../../src/report/page.js";
import { type LineSeries, plotNumber } from "../../src/report/spec.js";
import { writeFileAtomic } from "../files.js";
import { loadReportAssets } from "../report-assets.js";
import type { PreparedTaskRun, TaskRecord } from "./task-run.js";
import { evaluationLines, headline } from "./task-summary.js";

// report.html of a task run: the validation metrics against the task's baselines (classify: the
// confusion matrix as a table; forecast: the validation series with the model's and the naive
// forecasts), the training loss and validation curves from metrics.jsonl, and the run's settings.

/** The ids of the figures, for tests. */
export const TASK_REPORT_IDS = { loss: "loss", validation: "validation", forecast: "forecast" } as const;

export function writeTaskReport(
  path: string,
  run: PreparedTaskRun,
  records: readonly TaskRecord[],
  evaluation: TaskEvaluation,
): void {
  const task = run.spec.task;
  const sections: Section[] = [resultSection(task, evaluation)];
  if (evaluation.confusion) sections.push(confusionSection(evaluation.confusion));
  if (task === "forecast") {
    sections.push(forecastSection(run.learner as unknown as ForecastLearner, run.validation as ForecastData));
  }
  sections.push(trainingSection(records, run.learner.monitor.metric), settingsSection(run));
  const html = renderPage({
    title: `rnnlab train --task ${task}`,
    subtitle: `${run.spec.data}: ${run.trainExamples.length} training and ${run.validationExamples.length} validation examples`,
    sections,
    assets: loadReportAssets(),
  });
  writeFileAtomic(path, html);
}

function resultSection(task: FitTaskName, evaluation: TaskEvaluation): Section {
  const h = headline(task, evaluation);
  const names = [
    ...new Set([
      ...Object.keys(evaluation.metrics),
      ...Object.values(evaluation.baselines).flatMap(Object.keys),
    ]),
  ];
  const baselineNames = Object.keys(evaluation.baselines);
  const row = (name: string): CellValue[] => [
    name,
    evaluation.metrics[name],
    ...baselineNames.map((b) => evaluation.baselines[b][name]),
  ];
  const table: Table = {
    kind: "grid",
    title: "Validation metrics, the model against the baselines",
    columns: ["metric", "model", ...baselineNames],
    rows: names.map(row),
  };
  return {
    heading: "Validation result",
    prose: evaluationLines(task, evaluation).join("\n\n"),
    stats: [
      {
        label: h.name,
        value: formatNumber(h.value),
        note: `${h.baselineName}: ${formatNumber(h.baseline)}`,
        tone: h.beats ? "good" : "bad",
      },
    ],
    tables: [table],
  };
}

function confusionSection(confusion: NonNullable<TaskEvaluation["confusion"]>): Section {
  const { labels, counts } = confusion;
  return {
    heading: "Confusion matrix",
    prose: "Validation examples by actual label (rows) and predicted label (columns).",
    tables: [
      {
        kind: "grid",
        columns: ["actual \\ predicted", ...labels],
        rows: counts.map((row, i) => [labels[i], ...row]),
      },
    ],
  };
}

/** The validation part's target, the model's forecasts h steps ahead (its own predictions fed
 *  back) at each point they reach, and the naive forecast (the value at the origin). */
function forecastSection(learner: ForecastLearner, data: ForecastData): Section {
  const { window: W, horizon: h } = learner.state;
  const origins: number[] = [];
  for (let o = Math.max(data.start, W); o + h <= data.rows.length; o++) origins.push(o);
  const histories = origins.map((o) => data.rows.slice(o - W, o));
  const future = origins.map((o) => data.rows.slice(o, o + h - 1).map((row) => row.slice(1)));
  const forecasts = learner.rollout(histories, h, future);
  const rowOf = (i: number) => data.lines[i] - 1;
  const shown = data.rows.map((_, i) => i).filter((i) => i >= data.start);
  const series: LineSeries[] = [
    {
      name: "actual",
      x: shown.map(rowOf),
      y: shown.map((i) => plotNumber(data.rows[i][0])),
      color: "#111827",
      width: 2,
    },
    {
      name: `model, ${h} step(s) ahead`,
      x: origins.map((o) => rowOf(o + h - 1)),
      y: forecasts.map((f) => plotNumber(f[h - 1])),
      color: "#ea580c",
      dots: true,
    },
    {
      name: `naive, ${h} step(s) ahead`,
      x: origins.map((o) => rowOf(o + h - 1)),
      y: origins.map((o) => plotNumber(data.rows[o - 1][0])),
      color: "#93b4f5",
      dashed: true,
    },
  ];
  const figure: Figure = {
    id: TASK_REPORT_IDS.forecast,
    title: `Validation series of ${learner.state.columns[0]} and the forecasts`,
    caption: `Each forecast starts from the ${W} values before it and feeds its own predictions back for ${h} step(s).`,
    spec: { kind: "line", x: { label: "row of the file" }, y: { label: learner.state.columns[0] }, series },
  };
  return { heading: "Forecasts", figures: [figure] };
}

function trainingSection(records: readonly TaskRecord[], monitor: string): Section {
  const train = records.filter((r) => r.type === "train");
  const val = records.filter((r) => r.type === "val");
  const figures: Figure[] = [
    {
      id: TASK_REPORT_IDS.loss,
      title: "Loss",
      spec: {
        kind: "line",
        x: { label: "step" },
        y: { label: "loss" },
        series: [
          {
            name: "training (batch)",
            x: train.map((r) => r.step),
            y: train.map((r) => plotNumber(r.loss)),
            width: 1,
          },
          {
            name: "validation",
            x: val.map((r) => r.step),
            y: val.map((r) => plotNumber(r.metrics.loss)),
            dots: true,
          },
        ],
      },
    },
  ];
  if (monitor !== "loss") {
    figures.push({
      id: TASK_REPORT_IDS.validation,
      title: `Validation ${monitor}`,
      spec: {
        kind: "line",
        x: { label: "step" },
        y: { label: monitor },
        series: [
          {
            name: monitor,
            x: val.map((r) => r.step),
            y: val.map((r) => plotNumber(r.metrics[monitor])),
            dots: true,
          },
        ],
      },
    });
  }
  const rows = val.map((r) => [r.epoch, r.step, ...metricCells(r.metrics), r.best ? "best" : ""]);
  const metricNames = val.length > 0 ? Object.keys(val[0].metrics) : [];
  return {
    heading: "Training",
    figures,
    tables: [
      {
        kind: "grid",
        title: "Validations",
        columns: ["epoch", "step", ...metricNames, ""],
        rows,
        visibleRows: 10,
      },
    ],
  };
}

function metricCells(metrics: Metrics): CellValue[] {
  return Object.values(metrics);
}

function settingsSection(run: PreparedTaskRun): Section {
  const { spec } = run;
  return {
    heading: "Settings",
    tables: [
      {
        kind: "kv",
        rows: [
          ["task", spec.task],
          ["data", spec.data],
          ["task options", JSON.stringify(spec.taskOptions)],
          ["validation fraction", spec.valFraction],
          ["model", { pre: JSON.stringify(run.model) }],
          ["optimizer", JSON.stringify(spec.optimizer)],
          ["lr schedule", JSON.stringify(run.lrSchedule)],
          ["clip", JSON.stringify(spec.clip)],
          ["epochs, batch", `${spec.epochs}, ${spec.batchSize}`],
          ["patience", spec.patience ?? "none"],
          ["reduce on plateau", spec.reduceOnPlateau ? JSON.stringify(spec.reduceOnPlateau) : "no"],
          ["seed", spec.seed],
        ],
      },
    ],
  };
}
