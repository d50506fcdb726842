import { adamStepWasm, wasmPointwiseEnabled } from "../../kernels/pointwise-wasm.js";
import type { Buf, DType } from "../../tensor.js";
import { BufferedOptimizer } from "./base.js";
import type { ResolvedAdamConfig } from "./types.js";

/** torch.optim.Adam and AdamW (1.13, single-tensor path), elementwise, t = step from 1:
 *  AdamW first decays p = p·(1 − lr·wd); Adam instead adds it to the gradient, g = g + wd·p;
 *  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g·g;
 *  amsgrad: v̂ = max(v̂, v) and v̂ replaces v below;
 *  p = p − (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)   (ε after the bias correction of v).
 *  float32 without amsgrad runs in WebAssembly SIMD where it loads (assembly/adam.ts: float32
 *  arithmetic, as PyTorch's; here float64 arithmetic rounded once per stored value). */
export class Adam extends BufferedOptimizer<ResolvedAdamConfig> {
  constructor(config: ResolvedAdamConfig, size: number, dtype: DType) {
    super(config, size, dtype, ["exp_avg", "exp_avg_sq", ...(config.amsgrad ? ["max_exp_avg_sq"] : [])]);
  }

  protected update(p: Buf, g: Buf, step: number): void {
    const { name, beta1, beta2, eps, weightDecay, amsgrad } = this.config;
    const lr = this.lr;
    const m = this.buffers.exp_avg;
    const v = this.buffers.exp_avg_sq;
    const vMax = this.buffers.max_exp_avg_sq;
    const decoupled = name === "adamw";
    const decay = 1 - lr * weightDecay;
    const stepSize = lr / (1 - beta1 ** step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    if (
      p instanceof Float32Array &&
      g instanceof Float32Array &&
      m instanceof Float32Array &&
      !amsgrad &&
      wasmPointwiseEnabled()
    ) {
      const v32 = v as Float32Array;
      adamStepWasm(
        p,
        g,
        m,
        v32,
        beta1,
        beta2,
        stepSize,
        biasCorrection2Sqrt,
        eps,
        weightDecay,
        decoupled,
        decay,
      );
      return;
    }
    for (let i = 0; i < p.length; i++) {
      let gi = g[i];
      if (decoupled) p[i] = p[i] * decay;
      else if (weightDecay !== 0) gi = gi + weightDecay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      if (amsgrad) vMax[i] = Math.max(vMax[i], v[i]);
      const denom = Math.sqrt(amsgrad ? vMax[i] : v[i]) / biasCorrection2Sqrt + eps;
      p[i] = p[i] - (stepSize * m[i]) / denom;
    }
  }
}
