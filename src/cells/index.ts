import type { RecurrentConfig } from "../model/config.js";
import type { Cell } from "./cell.js";
import { gruCell } from "./gru.js";
import { lstmCell } from "./lstm.js";
import { rnnCell } from "./rnn.js";

export type { Cell, CellStep } from "./cell.js";

/** The registry of cell kinds: a new cell is one file plus one line here. */
export const cellFactories = {
  rnn: (config: Pick<RecurrentConfig, "activation" | "straightThrough">) =>
    rnnCell(config.activation, config.straightThrough),
  gru: () => gruCell(),
  lstm: () => lstmCell(),
} satisfies Record<string, (config: Pick<RecurrentConfig, "activation" | "straightThrough">) => Cell>;

export function createCell(config: RecurrentConfig): Cell {
  return cellFactories[config.cell](config);
}
