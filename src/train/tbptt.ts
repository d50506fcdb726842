import { ConfigError, ShapeError } from "../errors.js";
import { stateWidthOf } from "../model/config.js";
import type { SequenceModel, StepResult } from "../model/sequence-model.js";
import { alloc, type Buf } from "../tensor.js";

/** B parallel streams of N steps, time-major (row t·B + b), with next-step targets. */
export interface Stream {
  N: number;
  B: number;
  tokens?: Int32Array;
  inputs?: Buf;
  classes?: Int32Array;
  values?: Buf;
}

export interface Window {
  /** First step the window runs (its state is carried in, a constant for backpropagation). */
  start: number;
  /** First step whose loss counts: the k1 new steps are [lossFrom, end). */
  lossFrom: number;
  end: number;
}

/** Truncated BPTT(k1, k2) (Williams & Peng 1990): every k1 steps, backpropagate the loss of those
 *  k1 new steps through the last k2 steps (k2 >= k1). Window j runs [end − k2, end) with
 *  end = (j + 1)·k1 from the state saved at end − k2, so no gradient reaches further back. */
export function tbpttWindows(N: number, k1: number, k2: number): Window[] {
  if (!Number.isInteger(k1) || k1 < 1) throw new ConfigError(`k1 must be a positive integer, got ${k1}`);
  if (!Number.isInteger(k2) || k2 < k1)
    throw new ConfigError(`k2 must be an integer >= k1 = ${k1}, got ${k2}`);
  const windows: Window[] = [];
  for (let lossFrom = 0; lossFrom < N; lossFrom += k1) {
    const end = Math.min(lossFrom + k1, N);
    windows.push({ start: Math.max(0, end - k2), lossFrom, end });
  }
  return windows;
}

/** Runs truncated BPTT over a stream window by window, carrying the hidden state forward. After
 *  each window the caller clips and steps the optimizer; the saved states stay exact because the
 *  next window starts from a state of this window's forward. */
export class TruncatedBptt {
  readonly windows: Window[];
  private next = 0;
  private readonly state: { h: Buf; c: Buf };
  private stateAt = 0;

  constructor(
    readonly model: SequenceModel,
    readonly stream: Stream,
    readonly k1: number,
    readonly k2: number,
  ) {
    if (model.config.skip > 0) {
      throw new ConfigError(
        "truncated BPTT with a skip connection is not supported: use full BPTT (k1 = k2 = T)",
      );
    }
    if (model.config.bidirectional) {
      throw new ConfigError(
        "truncated BPTT carries the state forward from window to window, and a bidirectional model's reverse direction has none to carry: use full BPTT over whole sequences",
      );
    }
    const { N, B } = stream;
    const width = model.config.loss === "cross-entropy" ? 1 : model.config.outputSize;
    const targets = stream.classes ?? stream.values;
    if (!targets || targets.length !== N * B * width) {
      throw new ShapeError(`stream targets need N·B${width > 1 ? "·O" : ""} = ${N * B * width} entries`);
    }
    this.windows = tbpttWindows(N, k1, k2);
    // h [L·B×H_out] (H_out = projSize under a projection, else H), c [L·B×H].
    const { layers, hiddenSize, dtype } = model.config;
    const P = stateWidthOf(model.config);
    this.state = { h: alloc(dtype, layers * B * P), c: alloc(dtype, layers * B * hiddenSize) };
  }

  get done(): boolean {
    return this.next >= this.windows.length;
  }

  /** Forward and backward over the next window; parameter gradients are zeroed first. */
  step(): StepResult & Window {
    const window = this.windows[this.next++];
    if (!window) throw new RangeError("the stream is exhausted");
    if (window.start !== this.stateAt) throw new Error("internal: window does not start at the saved state");
    const { B } = this.stream;
    const { start, lossFrom, end } = window;
    const T = end - start;
    const model = this.model;
    const rows = (buf: Buf | Int32Array | undefined, width: number) =>
      buf?.subarray(start * B * width, end * B * width);
    const I = this.stream.inputs ? this.stream.inputs.length / (this.stream.N * B) : 0;
    const mask = new Uint8Array(T * B).fill(1, (lossFrom - start) * B);
    const O = model.config.outputSize;
    const result = model.lossAndGrad(
      {
        T,
        B,
        tokens: rows(this.stream.tokens, 1) as Int32Array | undefined,
        inputs: rows(this.stream.inputs, I) as Buf | undefined,
      },
      {
        classes: rows(this.stream.classes, 1) as Int32Array | undefined,
        values: rows(this.stream.values, O) as Buf | undefined,
        mask,
      },
      { h: this.state.h, c: this.state.c },
    );
    this.saveState(window);
    return { ...result, ...window };
  }

  /** Keeps the state at the next window's start (a step of this window: k2 >= k1). */
  private saveState(window: Window): void {
    const following = this.windows[this.next];
    const at = following ? following.start : window.end;
    const r = at - window.start;
    const { B } = this.stream;
    const H = this.model.config.hiddenSize;
    const P = stateWidthOf(this.model.config);
    const stack = this.model.stack;
    for (let k = 0; k < stack.layers.length; k++) {
      this.state.h.set(stack.hiddenStates(k).subarray(r * B * P, (r + 1) * B * P), k * B * P);
      if (stack.hasCellState)
        this.state.c.set(stack.layers[k].cellStates().subarray(r * B * H, (r + 1) * B * H), k * B * H);
    }
    this.stateAt = at;
  }

  /** The state carried to the next window (after the last window: h_N, c_N). */
  carriedState(): { h: Buf; c: Buf } {
    return this.state;
  }
}
