import type { Buf, DType } from "../../tensor.js";
import { BufferedOptimizer } from "./base.js";
import type { ResolvedAdagradConfig } from "./types.js";

/** torch.optim.Adagrad (1.13, dense gradients), elementwise, k = step from 1:
 *  g = g + wd·p;  lr_k = lr / (1 + (k − 1)·lrDecay);  S = S + g·g;  p = p − lr_k·g / (√S + ε),
 *  with S starting at initialAccumulatorValue. */
export class Adagrad extends BufferedOptimizer<ResolvedAdagradConfig> {
  constructor(config: ResolvedAdagradConfig, size: number, dtype: DType) {
    super(config, size, dtype, ["sum"]);
    this.buffers.sum.fill(config.initialAccumulatorValue);
  }

  protected update(p: Buf, g: Buf, step: number): void {
    const { lrDecay, weightDecay, eps } = this.config;
    const lrStep = this.lr / (1 + (step - 1) * lrDecay);
    const sum = this.buffers.sum;
    for (let i = 0; i < p.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
      sum[i] = sum[i] + gi * gi;
      p[i] = p[i] - (lrStep * gi) / (Math.sqrt(sum[i]) + eps);
    }
  }
}
