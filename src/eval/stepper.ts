// The one place the evaluation code touches a model: batched, stateful feeding of tokens. It uses
// only forward() and finalState(), so anything shaped like a SequenceModel (or a test stub) works;
// swap the body for the stepwise API when it lands.

import { ConfigError, StateError } from "../errors.js";
import { inEvalMode } from "../model/dropout.js";
import type { StackState } from "../model/stack.js";
import type { Buf, DType } from "../tensor.js";

/** What the evaluation code needs from a model (SequenceModel satisfies it). */
export interface StepModel {
  readonly config: {
    readonly outputSize: number;
    readonly layers: number;
    readonly hiddenSize: number;
    /** LSTM projection: h is projSize wide (H_out), c stays hiddenSize wide. */
    readonly projSize?: number;
    /** Refused: generation feeds tokens left to right, and a reverse direction needs the future. */
    readonly bidirectional?: boolean;
    readonly dtype: DType;
    readonly input?: { readonly kind: string };
  };
  /** Logits [T·B×V], time-major (row t·B + b), starting from `initial` (zeros when null). */
  forward(batch: { T: number; B: number; tokens: Int32Array }, initial: StackState | null): ArrayLike<number>;
  /** The state after the last forward, written into `out`. */
  finalState(out: StackState): StackState;
  /** A SequenceModel's mode: the stepper runs it in evaluation mode (no dropout), as it found it after. */
  readonly training?: boolean;
  train?(mode?: boolean): unknown;
}

/** Throws a ConfigError for a bidirectional model: generation (and anything fed step by step)
 *  runs left to right, and a reverse direction would need the tokens still to come. */
export function checkLeftToRight(model: Pick<StepModel, "config">): void {
  if (model.config.bidirectional) {
    throw new ConfigError(
      "the model is bidirectional: generation runs left to right, and its reverse direction reads the tokens still to come; use a one-direction model",
    );
  }
}

/** B sequences fed forward together, the state carried from call to call (one direction only). */
export class TokenStepper {
  readonly V: number;
  private state: StackState;
  private started = false;

  constructor(
    private readonly model: StepModel,
    private rows: number,
  ) {
    checkLeftToRight(model);
    const { layers, hiddenSize, projSize, dtype, outputSize } = model.config;
    // h [L·B×H_out] (H_out = projSize under a projection, else H), c [L·B×H].
    const make = (width: number) => {
      const size = layers * rows * width;
      return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
    };
    this.state = { h: make(projSize || hiddenSize), c: make(hiddenSize) };
    this.V = outputSize;
  }

  /** The sequences fed together (select() changes it). */
  get B(): number {
    return this.rows;
  }

  /** Continues from the states of rows `parents` of the last feed: new row b carries on from old row
   *  parents[b], and B becomes parents.length (a beam's survivors, each kept once or more). */
  select(parents: ArrayLike<number>): void {
    if (!this.started) throw new StateError("TokenStepper.select() before any feed(): feed tokens first");
    const L = this.model.config.layers;
    const gather = (from: Buf): Buf => {
      if (from.length === 0) return from;
      const width = from.length / (L * this.rows); // H, per layer, whatever the layer's state width is
      const to =
        from instanceof Float64Array
          ? new Float64Array(L * parents.length * width)
          : new Float32Array(L * parents.length * width);
      for (let l = 0; l < L; l++) {
        for (let b = 0; b < parents.length; b++) {
          const src = (l * this.rows + parents[b]) * width;
          to.set(from.subarray(src, src + width), (l * parents.length + b) * width);
        }
      }
      return to;
    };
    this.state = { h: gather(this.state.h), c: gather(this.state.c) };
    this.rows = parents.length;
  }

  /** Back to the zero state. */
  reset(): void {
    this.started = false;
  }

  /** Feeds T steps of tokens [T·B] (time-major) after what was fed before; returns the logits
   *  [T·B×V], valid until the next call. */
  feed(tokens: Int32Array, T: number): ArrayLike<number> {
    const model = this.model;
    const run = () => model.forward({ T, B: this.rows, tokens }, this.started ? this.state : null);
    const logits = model.train ? inEvalMode(model as Required<StepModel>, run) : run();
    this.model.finalState(this.state);
    this.started = true;
    return logits;
  }
}
