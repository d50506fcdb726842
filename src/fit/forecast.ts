import { ConfigError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { type Batch, SequenceModel } from "../model/sequence-model.js";
import type { StackState } from "../model/stack.js";
import { type ForecastData, type ForecastOptions, parseForecast, splitForecast } from "./forecast-data.js";
import { chunks, EVAL_CHUNK, type Learner, setModelTraining } from "./learner.js";
import { evaluateForecast } from "./forecast-eval.js";
import { type Metrics, naiveScale } from "./metrics.js";
import { checkTaskOptions, type FitTask, type TaskModelOptions } from "./task.js";

// forecast: a dense-input SequenceModel reads z_t = (x_t − mean) / std of the input columns (the
// target first) and its one output at step t predicts the target's z at t + 1 (mse, teacher
// forced over windows of `window` steps). The mean and std come from the training part only.
// Forecasting n steps runs the history, then feeds each prediction back in as the next target
// input (the seed's Q4 situation, exposure bias with real numbers); any other input column must be
// given for those steps. Scored by MAE, RMSE and MASE against the naive forecast ŷ = last value
// (and the seasonal-naive ŷ_t = y_{t−m}), over every origin of the scored rows.

export interface Normalisation {
  mean: number[];
  std: number[];
}

export interface ForecastState {
  task: "forecast";
  model: ModelConfig;
  columns: string[];
  normalisation: Normalisation;
  window: number;
  horizon: number;
  season: number | null;
  /** MASE's scales: the training target's in-sample naive (and seasonal-naive) MAE. */
  naiveScale: number;
  seasonalScale: number | null;
}

/** A window of `window` normalised steps [W×F] and the next step's normalised target [W];
 *  mask[t] = 0 leaves a target out of the loss (a history row of the validation part). */
export interface ForecastExample {
  inputs: Float64Array;
  targets: Float64Array;
  mask: Uint8Array;
}

export class ForecastLearner implements Learner<ForecastExample> {
  readonly monitor = { metric: "loss", mode: "min" } as const;
  readonly model: SequenceModel;
  readonly state: ForecastState;

  constructor(state: ForecastState, seed = 0) {
    if (state.model.bidirectional) {
      throw new ConfigError(
        "a forecast model reads the past only: drop bidirectional (it would see the future it predicts)",
      );
    }
    this.state = state;
    this.model = new SequenceModel(state.model, { seed });
  }

  get params() {
    return this.model.params;
  }

  get features(): number {
    return this.state.columns.length;
  }

  setTraining(training: boolean): void {
    setModelTraining(this.model, training);
  }

  normalise(row: readonly number[], out: Float64Array | Float32Array, at: number): void {
    const { mean, std } = this.state.normalisation;
    for (let f = 0; f < row.length; f++) out[at + f] = (row[f] - mean[f]) / std[f];
  }

  /** The target's value from its normalised z. */
  denormalise(z: number): number {
    return z * this.state.normalisation.std[0] + this.state.normalisation.mean[0];
  }

  /** Windows time-major [W·B×F], targets [W·B×1], mask [W·B]. */
  batch(examples: readonly ForecastExample[]): { batch: Batch; values: Float64Array; mask: Uint8Array } {
    const W = this.state.window;
    const F = this.features;
    const B = examples.length;
    const inputs = new (this.model.config.dtype === "float64" ? Float64Array : Float32Array)(W * B * F);
    const values = new Float64Array(W * B);
    const mask = new Uint8Array(W * B);
    examples.forEach((e, b) => {
      for (let t = 0; t < W; t++) {
        inputs.set(e.inputs.subarray(t * F, (t + 1) * F), (t * B + b) * F);
        values[t * B + b] = e.targets[t];
        mask[t * B + b] = e.mask[t];
      }
    });
    return { batch: { T: W, B, inputs }, values, mask };
  }

  lossAndGrad(examples: readonly ForecastExample[]): number {
    const { batch, values, mask } = this.batch(examples);
    return this.model.lossAndGrad(batch, { values, mask }).loss;
  }

  evaluate(examples: readonly ForecastExample[]): Metrics {
    let sum = 0;
    let count = 0;
    for (const part of chunks(examples, EVAL_CHUNK)) {
      const { batch, values, mask } = this.batch(part);
      this.model.forward(batch);
      const { loss, count: n } = this.model.loss({ values, mask });
      sum += loss * n;
      count += n;
    }
    return { loss: sum / count };
  }

  /** Every window of `data` whose targets reach its scored rows (rows start..). */
  encode(data: ForecastData): ForecastExample[] {
    this.checkColumns(data);
    const W = this.state.window;
    const F = this.features;
    const out: ForecastExample[] = [];
    for (let i = 0; i + W < data.rows.length; i++) {
      if (i + W < data.start) continue;
      const inputs = new Float64Array(W * F);
      const targets = new Float64Array(W);
      const mask = new Uint8Array(W);
      for (let t = 0; t < W; t++) {
        this.normalise(data.rows[i + t], inputs, t * F);
        targets[t] =
          (data.rows[i + t + 1][0] - this.state.normalisation.mean[0]) / this.state.normalisation.std[0];
        mask[t] = i + t + 1 >= data.start ? 1 : 0;
      }
      out.push({ inputs, targets, mask });
    }
    return out;
  }

  checkColumns(data: ForecastData): void {
    if (data.columns.join("\u0000") !== this.state.columns.join("\u0000")) {
      throw new ConfigError(
        `${data.fileName}: reads columns ${data.columns.join(", ")}, the model ${this.state.columns.join(", ")}; give the same --target and --features`,
      );
    }
  }

  /** B forecasts of n steps at once: histories [B][steps][F] (raw values, the same number of steps
   *  each), future[b][k] the other input columns at forecast step k + 1 (k < n − 1; [] when the
   *  target is the only input). Returns [B][n] raw values. */
  rollout(
    histories: readonly (readonly (readonly number[])[])[],
    n: number,
    future: readonly (readonly (readonly number[])[])[],
  ): number[][] {
    const B = histories.length;
    const F = this.features;
    const T = histories[0].length;
    const dtype = this.model.config.dtype;
    const make = (size: number) => (dtype === "float64" ? new Float64Array(size) : new Float32Array(size));
    const inputs = make(T * B * F);
    histories.forEach((history, b) => {
      history.forEach((row, t) => {
        this.normalise(row, inputs, (t * B + b) * F);
      });
    });
    let out = this.model.forward({ T, B, inputs });
    const z = Array.from({ length: B }, (_, b) => [out[(T - 1) * B + b]]);
    const step = make(B * F);
    for (let k = 1; k < n; k++) {
      const state = copyState(this.model.finalState());
      for (let b = 0; b < B; b++) {
        const row = [this.denormalise(z[b][k - 1]), ...(future[b]?.[k - 1] ?? [])];
        this.normalise(row, step, b * F);
      }
      out = this.model.forward({ T: 1, B, inputs: step }, state);
      for (let b = 0; b < B; b++) z[b].push(out[b]);
    }
    return z.map((series) => series.map((v) => this.denormalise(v)));
  }
}

function copyState(state: StackState): StackState {
  return { h: state.h.slice(), c: state.c.slice() };
}

/** The next n values of the target after `history` (raw rows, the model's columns, the target
 *  first), its own predictions fed back. A model with other input columns needs their values at
 *  the first n − 1 forecast steps in `future` (rows without the target). */
export function forecast(
  learner: ForecastLearner,
  history: readonly (readonly number[])[],
  n: number,
  future: readonly (readonly number[])[] = [],
): number[] {
  const F = learner.features;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`forecast: n must be an integer >= 1, got ${n}`);
  if (history.length === 0) throw new ConfigError("forecast: the history is empty; give at least one row");
  const bad = history.findIndex((row) => row.length !== F || row.some((v) => !Number.isFinite(v)));
  if (bad >= 0)
    throw new ConfigError(
      `forecast: history row ${bad + 1} needs ${F} finite values (${learner.state.columns.join(", ")})`,
    );
  if (F > 1 && future.length < n - 1) {
    const others = learner.state.columns.slice(1).join(", ");
    throw new ConfigError(
      `forecast: this model also reads ${others}, so ${n} steps need their values at the next ${n - 1} steps (got ${future.length} rows); give them, or train on the target alone`,
    );
  }
  learner.setTraining(false);
  return learner.rollout([history], n, [future])[0];
}

function freshState(train: ForecastData, model: TaskModelOptions): ForecastState {
  const F = train.columns.length;
  const n = train.rows.length;
  const mean = Array.from({ length: F }, (_, f) => train.rows.reduce((s, row) => s + row[f], 0) / n);
  const std = mean.map((m, f) => Math.sqrt(train.rows.reduce((s, row) => s + (row[f] - m) ** 2, 0) / n) || 1);
  const { embeddingSize: _, ...rest } = model;
  const config = parseModelConfig({ ...rest, input: { kind: "dense", size: F }, outputSize: 1, loss: "mse" });
  const series = train.rows.map((row) => row[0]);
  const scale = (m: number) => {
    const s = naiveScale(series, m);
    return s > 0 ? s : Number.NaN;
  };
  return {
    task: "forecast",
    model: config,
    columns: [...train.columns],
    normalisation: { mean, std },
    window: train.window,
    horizon: train.horizon,
    season: train.season,
    naiveScale: scale(1),
    seasonalScale: train.season ? scale(train.season) : null,
  };
}

const FORECAST_OPTIONS: readonly string[] = ["target", "features", "horizon", "window", "season"];

export const forecastTask: FitTask<
  ForecastOptions,
  ForecastData,
  ForecastExample,
  ForecastLearner,
  ForecastState,
  number
> = {
  name: "forecast",
  description: "the next values of a CSV column from its past (and other columns), fed back step by step",
  optionNames: FORECAST_OPTIONS,
  parse(text, fileName, options = {}) {
    checkTaskOptions("forecast", options, FORECAST_OPTIONS);
    return parseForecast(text, fileName, options);
  },
  split: (data, fraction) => splitForecast(data, fraction),
  suggestModel: () => ({ cell: "gru", hiddenSize: 32 }),
  createLearner: (train, model, init = {}) => new ForecastLearner(freshState(train, model), init.seed ?? 0),
  initialState: freshState,
  memoryShape: (state, data) => ({
    model: state.model,
    classes: 0,
    longest: state.window,
    examples: data.rows.length,
    padded: false,
    masked: true,
    targetBytes: 9, // values (Float64Array) and mask (Uint8Array) of every step
  }),
  examples: (learner, data) => learner.encode(data),
  evaluate: evaluateForecast,
  predict(learner, data) {
    learner.checkColumns(data);
    return forecast(learner, data.rows.slice(-learner.state.window), learner.state.horizon);
  },
  toJSON: (learner) => ({ ...learner.state }),
  fromJSON: (state, init = {}) => new ForecastLearner(state, init.seed ?? 0),
};
