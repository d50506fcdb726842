import type { Rng } from "../random.js";
import type { ModelConfig } from "./config.js";
import type { Params } from "./params.js";

/** PyTorch's default initialization: nn.Embedding N(0, 1); nn.RNN/GRU/LSTM every weight and bias
 *  U(−1/√H, 1/√H) (the skip matrix M likewise); nn.Linear weight and bias U(−1/√fan_in, 1/√fan_in).
 *  Drawn in parameter order from `rng`, so one seed gives one model everywhere. */
export function initParams(params: Params, config: ModelConfig, rng: Rng): void {
  for (const spec of params.specs) {
    const values = params.value(spec.name);
    if (spec.name.startsWith("embedding.")) {
      for (let i = 0; i < values.length; i++) values[i] = rng.normal();
      continue;
    }
    // Recurrent weights use 1/√H; the readout's fan-in is H too.
    const bound = 1 / Math.sqrt(config.hiddenSize);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniformIn(-bound, bound);
  }
}
