import type { ActivationName } from "../kernels/activations.js";
import type { Cell } from "./cell.js";
import { gruCell } from "./gru.js";
import { lstmCell } from "./lstm.js";
import { rnnCell } from "./rnn.js";

export type { Cell, CellStep } from "./cell.js";

/** What a cell factory may read from the model config (GRU and LSTM have fixed nonlinearities). */
export interface CellOptions {
  activation: ActivationName;
  straightThrough: boolean;
}

/** The registry of cell kinds: a new cell is one file plus one line here; the model config's
 *  schema and the CLI's --cell choices follow from it. */
export const cellFactories = {
  rnn: (options: CellOptions) => rnnCell(options.activation, options.straightThrough),
  gru: () => gruCell(),
  lstm: () => lstmCell(),
} satisfies Record<string, (options: CellOptions) => Cell>;

export type CellKind = keyof typeof cellFactories;

/** The registered kinds, in registration order. */
export const cellKinds: readonly CellKind[] = Object.freeze(Object.keys(cellFactories) as CellKind[]);

export function createCell(config: CellOptions & { cell: CellKind }): Cell {
  return cellFactories[config.cell](config);
}
