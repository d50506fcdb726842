import { ConfigError } from "../errors.js";
import { parseCsv } from "./csv.js";
import { lineError } from "./source.js";

// forecast's file: a CSV with a header, one row per time step, in time order. The model reads the
// target column and the feature columns at each step and predicts the target at the next one.

export interface ForecastOptions {
  /** The column to forecast (default: the only column of a one-column file). */
  target?: string;
  /** Further input columns (default none: the target alone). */
  features?: string[];
  /** Steps forecast ahead from each origin (default 1). */
  horizon?: number;
  /** Steps of history the model reads (default 24). */
  window?: number;
  /** A season m (e.g. 12 for months): adds the seasonal-naive baseline and MASE (m <= window). */
  season?: number;
}

export interface ForecastData {
  fileName: string;
  /** The input columns, the target first. */
  columns: string[];
  /** rows[i] = the input columns' values at step i [n×F], in `columns` order. */
  rows: number[][];
  /** The file line of each row. */
  lines: number[];
  horizon: number;
  window: number;
  season: number | null;
  /** Rows before it are history only: forecasts are scored on rows start.. (0 for a whole file). */
  start: number;
}

export function parseForecast(text: string, fileName: string, options: ForecastOptions = {}): ForecastData {
  const table = parseCsv(text, fileName);
  const { horizon = 1, window = 24, season } = options;
  checkCount("horizon", horizon);
  checkCount("window", window);
  if (season !== undefined) {
    checkCount("season", season);
    if (season > window)
      throw new ConfigError(
        `season ${season} is longer than window ${window}: the model should see a whole season; raise --window`,
      );
  }
  const target = options.target ?? onlyColumn(table.header, fileName);
  const columns = [target, ...(options.features ?? []).filter((c) => c !== target)];
  const indices = columns.map((name) => {
    const k = table.header.indexOf(name);
    if (k < 0)
      throw new ConfigError(`${fileName}: no column "${name}"; the columns are ${table.header.join(", ")}`);
    return k;
  });
  const rows = table.rows.map(({ line, fields }) =>
    indices.map((k) => {
      const field = fields[k].trim();
      const value = Number(field);
      if (field === "")
        throw lineError(
          fileName,
          line,
          `column "${table.header[k]}" is empty; fill in the value or drop the row`,
        );
      if (!Number.isFinite(value)) {
        throw lineError(
          fileName,
          line,
          `column "${table.header[k]}" holds ${JSON.stringify(field)}, not a number; write a number like 12.5`,
        );
      }
      return value;
    }),
  );
  const data = {
    fileName,
    columns,
    rows,
    lines: table.rows.map((r) => r.line),
    horizon,
    window,
    season: season ?? null,
    start: 0,
  };
  checkLength(data, rows.length, "the series");
  return data;
}

/** A series too short for one window and its horizon → the rows needed and the fix. */
export function checkLength(data: ForecastData, rows: number, what: string): void {
  const needed = data.window + data.horizon;
  if (rows < needed) {
    throw new ConfigError(
      `${data.fileName}: ${what} has ${rows} rows, but window ${data.window} + horizon ${data.horizon} needs at least ${needed}; lower --window or --horizon, or give a longer series`,
    );
  }
}

/** The last `fraction` of the rows for validation, with the `window` rows before it as history. */
export function splitForecast(
  data: ForecastData,
  fraction: number,
): { train: ForecastData; validation: ForecastData } {
  if (!(fraction > 0 && fraction < 1))
    throw new ConfigError(`the validation fraction must be in (0, 1), e.g. 0.2, got ${fraction}`);
  const n = data.rows.length;
  const cut = n - Math.max(data.horizon, Math.round(n * fraction));
  const part = (from: number, to: number, start: number) => ({
    ...data,
    rows: data.rows.slice(from, to),
    lines: data.lines.slice(from, to),
    start,
  });
  const train = part(0, cut, 0);
  checkLength(train, cut, "the training part");
  return { train, validation: part(cut - data.window, n, data.window) };
}

function onlyColumn(header: string[], fileName: string): string {
  if (header.length === 1) return header[0];
  throw new ConfigError(
    `${fileName} has ${header.length} columns: name the one to forecast with --target (one of ${header.join(", ")})`,
  );
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`forecast: ${name} must be an integer >= 1, got ${value}`);
}
