import type { Buf, DType } from "../../tensor.js";
import { BufferedOptimizer } from "./base.js";
import type { ResolvedRmspropConfig } from "./types.js";

/** torch.optim.RMSprop (1.13, single-tensor path), elementwise with α the smoothing constant:
 *  g = g + wd·p;  s = α·s + (1 − α)·g·g;
 *  centered: ḡ = α·ḡ + (1 − α)·g and d = √(s − ḡ·ḡ) + ε, else d = √s + ε;
 *  momentum μ > 0: b = μ·b + g/d and p = p − lr·b, else p = p − lr·g/d. */
export class Rmsprop extends BufferedOptimizer<ResolvedRmspropConfig> {
  constructor(config: ResolvedRmspropConfig, size: number, dtype: DType) {
    const names = ["square_avg"];
    if (config.momentum > 0) names.push("momentum_buffer");
    if (config.centered) names.push("grad_avg");
    super(config, size, dtype, names);
  }

  protected update(p: Buf, g: Buf): void {
    const { alpha, eps, weightDecay, momentum, centered } = this.config;
    const lr = this.lr;
    const s = this.buffers.square_avg;
    const b = this.buffers.momentum_buffer;
    const gAvg = this.buffers.grad_avg;
    for (let i = 0; i < p.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
      s[i] = alpha * s[i] + (1 - alpha) * gi * gi;
      let variance = s[i];
      if (centered) {
        gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
        variance = s[i] - gAvg[i] * gAvg[i];
      }
      const d = Math.sqrt(variance) + eps;
      if (momentum > 0) {
        b[i] = momentum * b[i] + gi / d;
        p[i] = p[i] - lr * b[i];
      } else {
        p[i] = p[i] - (lr * gi) / d;
      }
    }
  }
}
