import type { Buf } from "../tensor.js";

/** The buffers of one time step, for B rows of H units with G gate blocks. The unroller owns them
 *  and points the fields at the current step's views before each call (one object, reused).
 *  inputPart  [B×G·H]  W_ih x_t + b_ih          hiddenPart [B×G·H]  W_hh h_{t-1} + b_hh (+ M h_{t-k})
 *  hPrev, cPrev [B×H]  state before the step    h, c [B×H]          state after the step
 *  cache [B×cacheWidth·H]  what backward needs, written by forward
 *  hGrad, cGrad [B×H]  dL/dh_t; dL/dc_t through c_{t+1} only (LSTM backward makes it the total)
 *  inputPartGrad, hiddenPartGrad [B×G·H]  written by backward
 *  hPrevGrad, cPrevGrad [B×H]  accumulated (+=) by backward */
export interface CellStep {
  B: number;
  H: number;
  inputPart: Buf;
  hiddenPart: Buf;
  hPrev: Buf;
  cPrev: Buf;
  h: Buf;
  c: Buf;
  cache: Buf;
  hGrad: Buf;
  cGrad: Buf;
  inputPartGrad: Buf;
  hiddenPartGrad: Buf;
  hPrevGrad: Buf;
  cPrevGrad: Buf;
}

export interface Cell {
  readonly kind: string;
  /** G: gate blocks stacked in the rows of weight_ih / weight_hh (PyTorch's order). */
  readonly gates: number;
  /** Whether the state has a memory cell c besides h (LSTM). */
  readonly hasCellState: boolean;
  /** Floats cached per row and hidden unit by forward, for backward. */
  readonly cacheWidth: number;
  /** Whether the skip term M h_{t-k} may be added to the hidden part. */
  readonly supportsSkip: boolean;
  /** Whether backward writes the same values to inputPartGrad and hiddenPartGrad (a enters the
   *  cell only as inputPart + hiddenPart), so the unroller may give both one buffer. */
  readonly sharesPartGrad: boolean;
  forward(step: CellStep): void;
  backward(step: CellStep): void;
}
