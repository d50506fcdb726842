import { ConfigError } from "../errors.js";
import type { ForecastLearner } from "./forecast.js";
import type { ForecastData } from "./forecast-data.js";
import { chunks, EVAL_CHUNK } from "./learner.js";
import { type Metrics, meanAbsoluteError, rootMeanSquaredError } from "./metrics.js";
import type { TaskEvaluation } from "./task.js";

// forecast's evaluation: rolling origins over the scored rows, the model's forecasts (its own
// predictions fed back) beside the naive and seasonal-naive ones, in the data's units.

/** Scores of the model and the baselines over every origin o of the scored rows: history
 *  rows o − W .. o − 1, truth rows o .. o + h − 1. */
export function evaluateForecast(learner: ForecastLearner, data: ForecastData): TaskEvaluation {
  learner.setTraining(false);
  learner.checkColumns(data);
  const { window: W, horizon: h, season } = learner.state;
  const origins: number[] = [];
  for (let o = Math.max(data.start, W); o + h <= data.rows.length; o++) origins.push(o);
  if (origins.length === 0) {
    throw new ConfigError(
      `${data.fileName}: no origin with ${W} rows of history and ${h} to score; give a longer series`,
    );
  }
  const target = (i: number) => data.rows[i][0];
  const truth: number[] = [];
  const predicted: number[] = [];
  const naive: number[] = [];
  const seasonal: number[] = [];
  for (const part of chunks(origins, EVAL_CHUNK)) {
    const histories = part.map((o) => data.rows.slice(o - W, o));
    const future = part.map((o) => data.rows.slice(o, o + h - 1).map((row) => row.slice(1)));
    const forecasts = learner.rollout(histories, h, future);
    part.forEach((o, i) => {
      for (let j = 0; j < h; j++) {
        truth.push(target(o + j));
        predicted.push(forecasts[i][j]);
        naive.push(target(o - 1));
        if (season) seasonal.push(target(o + j - season * (Math.floor(j / season) + 1)));
      }
    });
  }
  const scores = (p: number[]): Metrics => {
    const mae = meanAbsoluteError(p, truth);
    const out: Metrics = { mae, rmse: rootMeanSquaredError(p, truth), mase: mae / learner.state.naiveScale };
    if (learner.state.seasonalScale !== null) out.maseSeasonal = mae / learner.state.seasonalScale;
    return out;
  };
  const baselines: Record<string, Metrics> = { naive: scores(naive) };
  if (season) baselines["seasonal naive"] = scores(seasonal);
  const metrics = { ...learner.evaluate(learner.encode(data)), ...scores(predicted) };
  return { metrics, baselines };
}
