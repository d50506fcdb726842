import { ConfigError, ShapeError } from "../../errors.js";
import { alloc, type Buf, type DType } from "../../tensor.js";
import type { Optimizer, OptimizerState, ResolvedOptimizerConfig } from "./types.js";

/** The bookkeeping every optimizer shares: the step count, named state buffers allocated once, length
 *  checks, and state()/loadState(). Subclasses write only the update rule. */
export abstract class BufferedOptimizer<C extends ResolvedOptimizerConfig> implements Optimizer {
  lr: number;
  private steps = 0;
  protected readonly buffers: Record<string, Buf>;

  constructor(
    readonly config: C,
    readonly size: number,
    dtype: DType,
    bufferNames: readonly string[],
  ) {
    this.lr = config.lr;
    this.buffers = Object.fromEntries(bufferNames.map((name) => [name, alloc(dtype, size)]));
  }

  get stepCount(): number {
    return this.steps;
  }

  step(values: Buf, grads: Buf): void {
    this.checkLength("values", values);
    this.checkLength("grads", grads);
    this.steps += 1;
    this.update(values, grads, this.steps);
  }

  /** One update of `values` in place; `step` counts from 1 (this update included). */
  protected abstract update(values: Buf, grads: Buf, step: number): void;

  state(): OptimizerState {
    const buffers = Object.fromEntries(
      Object.entries(this.buffers).map(([name, buf]) => [name, buf.slice()]),
    );
    return { name: this.config.name, step: this.steps, buffers };
  }

  loadState(state: OptimizerState): void {
    const { name } = this.config;
    if (state.name !== name) {
      throw new ConfigError(
        `optimizer state is for ${state.name}, this optimizer is ${name}: create a ${state.name}`,
      );
    }
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new ConfigError(`${name} state: step must be an integer >= 0, got ${state.step}`);
    }
    const expected = Object.keys(this.buffers);
    const given = Object.keys(state.buffers);
    if (given.length !== expected.length || !expected.every((key) => given.includes(key))) {
      throw new ConfigError(
        `${name} state has buffers [${given.join(", ")}], this config needs [${expected.join(", ")}]: use the same config (e.g. momentum)`,
      );
    }
    for (const key of expected) this.checkLength(`state buffer ${key}`, state.buffers[key]);
    for (const key of expected) this.buffers[key].set(state.buffers[key]);
    this.steps = state.step;
  }

  private checkLength(what: string, buf: Buf): void {
    if (buf.length !== this.size) {
      throw new ShapeError(
        `${this.config.name}: ${what} has length ${buf.length}, the optimizer was created for ${this.size} parameters`,
      );
    }
  }
}
