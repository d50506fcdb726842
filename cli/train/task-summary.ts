import type { Metrics } from "../../src/fit/metrics.js";
import type { TaskEvaluation } from "../../src/fit/task.js";
import type { FitTaskName } from "../../src/fit/tasks.js";
import { formatNumber } from "../../src/report/format.js";

// What a task run's validation means, in one place for train, eval and the report: the headline
// figure against its baseline (the issue's acceptance: classify above the majority class, tag above
// the most frequent tag per token, forecast below the naive forecast), and the lines printed.

export interface Headline {
  /** What is compared, e.g. "accuracy" or "MAE / naive MAE". */
  name: string;
  value: number;
  baselineName: string;
  baseline: number;
  /** Higher is better (accuracy) or lower (the forecast's MAE ratio). */
  higherIsBetter: boolean;
  beats: boolean;
}

/** The baseline named first in each task's evaluation. */
const BASELINE: Record<FitTaskName, string> = {
  classify: "majority",
  tag: "most frequent tag per token",
  forecast: "naive",
};

export function headline(task: FitTaskName, evaluation: TaskEvaluation): Headline {
  const base = evaluation.baselines[BASELINE[task]] ?? {};
  if (task === "forecast") {
    // MASE against the naive forecast: the model's MAE over the naive forecast's MAE on the same
    // origins and horizons (the naive scores 1 by construction).
    const value = num(evaluation.metrics.mae) / num(base.mae);
    return {
      name: "MAE / naive MAE (MASE against the naive forecast, same points)",
      value,
      baselineName: "naive",
      baseline: 1,
      higherIsBetter: false,
      beats: value < 1,
    };
  }
  const value = num(evaluation.metrics.accuracy);
  const baseline = num(base.accuracy);
  const name = task === "tag" ? "per-token accuracy" : "accuracy";
  return {
    name,
    value,
    baselineName: task === "tag" ? "most frequent tag per token" : "majority class",
    baseline,
    higherIsBetter: true,
    beats: value > baseline,
  };
}

/** The lines that report a task's validation scores against its baselines. */
export function evaluationLines(task: FitTaskName, evaluation: TaskEvaluation): string[] {
  const { metrics, baselines } = evaluation;
  const h = headline(task, evaluation);
  const f = (x: unknown) => formatNumber(num(x), 4);
  const verdict = `${h.beats ? "beats" : "does not beat"} the ${h.baselineName} baseline`;
  if (task === "classify") {
    const m = baselines.majority ?? {};
    return [
      `accuracy ${f(metrics.accuracy)}, macro-F1 ${f(metrics.macroF1)}, loss ${f(metrics.loss)} nats`,
      `baseline (majority class): accuracy ${f(m.accuracy)}, macro-F1 ${f(m.macroF1)}: ${verdict}`,
    ];
  }
  if (task === "tag") {
    return [
      `per-token accuracy ${f(metrics.accuracy)}, loss ${f(metrics.loss)} nats`,
      `baseline (most frequent tag per token): per-token accuracy ${f(baselines[BASELINE.tag]?.accuracy)}: ${verdict}`,
    ];
  }
  const naive = baselines.naive ?? {};
  const seasonal = baselines["seasonal naive"];
  const lines = [
    `MAE ${f(metrics.mae)}, RMSE ${f(metrics.rmse)}`,
    `baselines: naive (last value) MAE ${f(naive.mae)}, RMSE ${f(naive.rmse)}${seasonal ? `; seasonal naive MAE ${f(seasonal.mae)}, RMSE ${f(seasonal.rmse)}` : ""}`,
    `MASE against the naive forecast (MAE / naive MAE, same points) ${f(h.value)}${seasonal ? `, against the seasonal naive ${f(num(metrics.mae) / num(seasonal.mae))}` : ""}: ${verdict}`,
    `Hyndman's MASE (MAE / the training part's one-step naive MAE) ${f(metrics.mase)} (naive ${f(naive.mase)})${metrics.maseSeasonal === undefined ? "" : `; seasonal scale ${f(metrics.maseSeasonal)}`}`,
  ];
  return lines;
}

function num(x: unknown): number {
  return typeof x === "number" ? x : Number.NaN;
}

/** Metrics as "name value" pairs, for progress lines. */
export function metricsText(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${formatNumber(v, 4)}`)
    .join(", ");
}
