// The one place the evaluation code touches a model: batched, stateful feeding of tokens. It uses
// only forward() and finalState(), so anything shaped like a SequenceModel (or a test stub) works;
// swap the body for the stepwise API when it lands.

import type { StackState } from "../model/stack.js";
import type { DType } from "../tensor.js";

/** What the evaluation code needs from a model (SequenceModel satisfies it). */
export interface StepModel {
  readonly config: {
    readonly outputSize: number;
    readonly layers: number;
    readonly hiddenSize: number;
    readonly dtype: DType;
    readonly input?: { readonly kind: string };
  };
  /** Logits [T·B×V], time-major (row t·B + b), starting from `initial` (zeros when null). */
  forward(batch: { T: number; B: number; tokens: Int32Array }, initial: StackState | null): ArrayLike<number>;
  /** The state after the last forward, written into `out`. */
  finalState(out: StackState): StackState;
}

/** B sequences fed forward together, the state carried from call to call. */
export class TokenStepper {
  readonly V: number;
  private readonly state: StackState;
  private started = false;

  constructor(
    private readonly model: StepModel,
    readonly B: number,
  ) {
    const { layers, hiddenSize, dtype, outputSize } = model.config;
    const size = layers * B * hiddenSize;
    const make = () => (dtype === "float64" ? new Float64Array(size) : new Float32Array(size));
    this.state = { h: make(), c: make() };
    this.V = outputSize;
  }

  /** Back to the zero state. */
  reset(): void {
    this.started = false;
  }

  /** Feeds T steps of tokens [T·B] (time-major) after what was fed before; returns the logits
   *  [T·B×V], valid until the next call. */
  feed(tokens: Int32Array, T: number): ArrayLike<number> {
    const logits = this.model.forward({ T, B: this.B, tokens }, this.started ? this.state : null);
    this.model.finalState(this.state);
    this.started = true;
    return logits;
  }
}
