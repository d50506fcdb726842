import type { Buf, DType } from "../../tensor.js";
import { BufferedOptimizer } from "./base.js";
import type { ResolvedSgdConfig } from "./types.js";

/** torch.optim.SGD (1.13, single-tensor path), elementwise with d the update direction:
 *  d = g + wd·p;  buf = d on the first step, else buf = momentum·buf + (1 − dampening)·d;
 *  d = d + momentum·buf (Nesterov) or d = buf;  p = p − lr·d. */
export class Sgd extends BufferedOptimizer<ResolvedSgdConfig> {
  constructor(config: ResolvedSgdConfig, size: number, dtype: DType) {
    super(config, size, dtype, config.momentum !== 0 ? ["momentum_buffer"] : []);
  }

  protected update(p: Buf, g: Buf, step: number): void {
    const { momentum, dampening, nesterov, weightDecay } = this.config;
    const lr = this.lr;
    const buf = this.buffers.momentum_buffer;
    for (let i = 0; i < p.length; i++) {
      let d = g[i];
      if (weightDecay !== 0) d = d + weightDecay * p[i];
      if (momentum !== 0) {
        buf[i] = step === 1 ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] = p[i] - lr * d;
    }
  }
}
