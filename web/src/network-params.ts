import type { WiredNet } from "../../lab/wired/net.js";

// Every number of a hand-wired network as an editable parameter with a stable id, and the edits
// to a preset as the compact text the URL carries: "l0-bias-0-0:0.5,readout-weights-0-0:5".

/** One matrix of a network: its id (the testid weight-<id>-<row>-<col>), what it is, and access. */
export interface Param {
  id: string;
  /** "layer 0: bias (step)", for the editor's legend. */
  title: string;
  /** The symbol in hover text: W_ih, W_hh, b, h_0, W_hy, b_y (with "layer l " when there are several). */
  symbol: string;
  rows: number;
  cols: number;
  /** One value per unit (a bias or an initial state): one index in symbols. */
  vector: boolean;
  get(row: number, col: number): number;
  set(row: number, col: number, value: number): void;
}

const vector = (values: number[]) => ({
  rows: values.length,
  cols: 1,
  vector: true,
  get: (row: number) => values[row],
  set: (row: number, _col: number, value: number) => {
    values[row] = value;
  },
});

const matrix = (values: number[][]) => ({
  rows: values.length,
  cols: values[0]?.length ?? 0,
  vector: false,
  get: (row: number, col: number) => values[row][col],
  set: (row: number, col: number, value: number) => {
    values[row][col] = value;
  },
});

/** The parameters of `net`, reading and writing its arrays in place. */
export function paramsOf(net: WiredNet): Param[] {
  const several = net.layers.length > 1;
  const params: Param[] = [];
  net.layers.forEach((layer, l) => {
    const prefix = several ? `layer ${l} ` : "";
    const title = (what: string) => `layer ${l}: ${what} (${layer.activation})`;
    params.push(
      {
        id: `l${l}-input`,
        title: title("input weights"),
        symbol: `${prefix}W_ih`,
        ...matrix(layer.inputWeights),
      },
      {
        id: `l${l}-recurrent`,
        title: title("recurrent weights"),
        symbol: `${prefix}W_hh`,
        ...matrix(layer.recurrentWeights),
      },
      { id: `l${l}-bias`, title: title("bias"), symbol: `${prefix}b`, ...vector(layer.bias) },
      {
        id: `l${l}-initial`,
        title: `layer ${l}: initial state`,
        symbol: `${prefix}h_0`,
        ...vector(layer.initial),
      },
    );
  });
  const readout = net.readout;
  if (readout) {
    const title = (what: string) => `readout: ${what} (${readout.activation})`;
    params.push(
      { id: "readout-weights", title: title("weights"), symbol: "W_hy", ...matrix(readout.weights) },
      { id: "readout-bias", title: title("bias"), symbol: "b_y", ...vector(readout.bias) },
    );
  }
  return params;
}

/** "l0-bias-0-0": the parameter and entry a weight editor and an edge share. */
export const entryId = (param: string, row: number, col: number) => `${param}-${row}-${col}`;

/** "W_hh[1,0]" or "b[1]" (vectors have one index). */
export function entrySymbol(param: Param, row: number, col: number): string {
  return param.vector ? `${param.symbol}[${row}]` : `${param.symbol}[${row},${col}]`;
}

/** The entries of `net` that differ from `preset` (same shape), as "id-row-col:value,…"; "" for none. */
export function encodeEdits(preset: WiredNet, net: WiredNet): string {
  const before = paramsOf(preset);
  const edits: string[] = [];
  paramsOf(net).forEach((param, p) => {
    for (let row = 0; row < param.rows; row++) {
      for (let col = 0; col < param.cols; col++) {
        const value = param.get(row, col);
        if (!Object.is(value, before[p].get(row, col))) edits.push(`${entryId(param.id, row, col)}:${value}`);
      }
    }
  });
  return edits.join(",");
}

const EDIT = /^([a-z0-9-]+)-(\d+)-(\d+):(.*)$/;

/** Applies "id-row-col:value,…" to `net` in place; throws a one-line Error naming the first bad entry
 *  (then `net` may be half edited: apply to a copy). */
export function applyEdits(net: WiredNet, text: string): void {
  if (text.trim() === "") return;
  const params = new Map(paramsOf(net).map((param) => [param.id, param]));
  for (const edit of text.split(",")) {
    const match = EDIT.exec(edit);
    if (!match) throw new Error(`"${edit}" is not <weight>-<row>-<col>:<number>`);
    const [, id, rowText, colText, valueText] = match;
    const param = params.get(id);
    const row = Number(rowText);
    const col = Number(colText);
    if (!param || row >= param.rows || col >= param.cols)
      throw new Error(`${net.name} has no weight ${id}-${row}-${col}`);
    const value = Number(valueText);
    if (valueText.trim() === "" || !Number.isFinite(value))
      throw new Error(`${id}-${row}-${col} needs a number, not "${valueText}"`);
    param.set(row, col, value);
  }
}
