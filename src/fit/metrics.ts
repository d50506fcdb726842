import { ShapeError } from "../errors.js";

// The scores the tasks report: classification (accuracy, confusion matrix, macro-F1) and
// forecasting (MAE, RMSE, MASE). Plain functions of predictions and truths.

/** Named numbers, as fit's callbacks and a task's evaluation give them. */
export type Metrics = Record<string, number>;

/** The fraction of positions where predicted === actual (NaN for none). */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkSameLength(predicted, actual);
  let hits = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) hits++;
  return actual.length > 0 ? hits / actual.length : Number.NaN;
}

/** counts[actual][predicted] over C classes (rows: truth, columns: prediction, as scikit-learn). */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  classes: number,
): number[][] {
  checkSameLength(predicted, actual);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const row = counts[actual[i]];
    if (!row || !(predicted[i] >= 0 && predicted[i] < classes)) {
      throw new ShapeError(`class ${actual[i]} or ${predicted[i]} at ${i} is outside 0..${classes - 1}`);
    }
    row[predicted[i]]++;
  }
  return counts;
}

/** Macro-F1: the unweighted mean over classes of F1_c = 2·tp / (2·tp + fp + fn), over the classes
 *  that occur in the truth or the predictions (scikit-learn's labels=None); a class with
 *  tp + fp + fn = 0 is skipped. From a confusion matrix counts[actual][predicted]. */
export function macroF1(confusion: readonly (readonly number[])[]): number {
  const C = confusion.length;
  let sum = 0;
  let present = 0;
  for (let c = 0; c < C; c++) {
    const tp = confusion[c][c];
    let fn = 0;
    let fp = 0;
    for (let k = 0; k < C; k++) {
      if (k === c) continue;
      fn += confusion[c][k];
      fp += confusion[k][c];
    }
    if (tp + fp + fn === 0) continue;
    sum += (2 * tp) / (2 * tp + fp + fn);
    present++;
  }
  return present > 0 ? sum / present : Number.NaN;
}

/** Mean absolute error Σ|ŷ − y| / n. */
export function meanAbsoluteError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkSameLength(predicted, actual);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(predicted[i] - actual[i]);
  return sum / actual.length;
}

/** Root mean squared error √(Σ(ŷ − y)² / n). */
export function rootMeanSquaredError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkSameLength(predicted, actual);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i] - actual[i]) ** 2;
  return Math.sqrt(sum / actual.length);
}

/** MASE's scale (Hyndman & Koehler 2006): the in-sample MAE of the seasonal naive forecast
 *  ŷ_t = y_{t−m} on the training series, (1 / (n − m)) Σ_{t>m} |y_t − y_{t−m}|; m = 1 is the naive
 *  forecast. NaN when the series has no more than m values. */
export function naiveScale(train: ArrayLike<number>, season = 1): number {
  if (!Number.isInteger(season) || season < 1)
    throw new ShapeError(`season must be an integer >= 1, got ${season}`);
  let sum = 0;
  for (let t = season; t < train.length; t++) sum += Math.abs(train[t] - train[t - season]);
  return train.length > season ? sum / (train.length - season) : Number.NaN;
}

/** Mean absolute scaled error: MAE(predicted, actual) / scale, with scale = naiveScale(train, m).
 *  Below 1: better than the in-sample (seasonal) naive forecast. */
export function meanAbsoluteScaledError(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  scale: number,
): number {
  return meanAbsoluteError(predicted, actual) / scale;
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new ShapeError(`got ${a.length} predictions for ${b.length} true values: pass one per value`);
  }
}
