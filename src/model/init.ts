import type { Rng } from "../random.js";
import type { Buf } from "../tensor.js";
import { type InitWeights, type ModelConfig, outputWidthOf, PARAM_PREFIX } from "./config.js";
import { fillIdentity, fillNormal, fillOrthogonal, fillXavier } from "./init-blocks.js";
import { directionsOf } from "./config.js";
import { GATES, layerNames, type ParamSpec } from "./param-shapes.js";
import type { Params } from "./params.js";

/** σ of IRNN's input weights (Le et al. 2015). */
const IRNN_INPUT_STD = 0.001;

/** A recurrent parameter's name after the prefix: weight_ih_l0, bias_hh_l1_reverse, … */
const RECURRENT_NAME = /^(weight|bias)_(ih|hh|hr|skip)_l\d+(_reverse)?$/;

/** Initializes every parameter, drawn in parameter order from `rng`, so one seed gives one model
 *  everywhere. PyTorch's default: nn.Embedding N(0, 1); nn.RNN/GRU/LSTM every weight and bias
 *  U(−1/√H, 1/√H) (the skip matrix M likewise); nn.Linear weight and bias U(−1/√fan_in, 1/√fan_in)
 *  with fan_in D·H_out. config.init changes the recurrent layers' (InitConfig), then sets the
 *  LSTM's forget-gate biases. */
export function initParams(params: Params, config: ModelConfig, rng: Rng): void {
  const weights = config.init?.weights ?? "default";
  for (const spec of params.specs) {
    const values = params.value(spec.name);
    if (spec.name.startsWith(PARAM_PREFIX.embedding)) {
      for (let i = 0; i < values.length; i++) values[i] = rng.normal();
      continue;
    }
    const role = spec.name.startsWith(PARAM_PREFIX.recurrent)
      ? RECURRENT_NAME.exec(spec.name.slice(PARAM_PREFIX.recurrent.length))
      : null;
    if (role && weights !== "default") {
      initRecurrent(values, spec, `${role[1]}_${role[2]}`, weights, config, rng);
      continue;
    }
    const fanIn = role ? config.hiddenSize : outputWidthOf(config);
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniformIn(-bound, bound);
  }
  if (config.init?.forgetBias !== undefined) initForgetBias(params, config, config.init.forgetBias, rng);
}

/** One recurrent parameter under a scheme other than default: biases 0; each gate block of a
 *  weight (W_ih and W_hh have G blocks of H rows; W_hr and M are one block) filled by the scheme. */
function initRecurrent(
  values: Buf,
  spec: ParamSpec,
  role: string,
  weights: Exclude<InitWeights, "default">,
  config: ModelConfig,
  rng: Rng,
): void {
  if (role.startsWith("bias")) {
    values.fill(0);
    return;
  }
  const gain = config.init?.gain ?? 1;
  const [allRows, cols] = spec.shape;
  const gates = role === "weight_ih" || role === "weight_hh" ? GATES[config.cell] : 1;
  const rows = allRows / gates;
  for (let g = 0; g < gates; g++) {
    const block = { values, offset: g * rows * cols, rows, cols };
    if (weights === "orthogonal") fillOrthogonal(block, rng, gain);
    else if (weights === "xavier-uniform") fillXavier(block, rng, gain, "uniform");
    else if (weights === "xavier-normal") fillXavier(block, rng, gain, "normal");
    else if (role === "weight_hh") fillIdentity(block, gain);
    else fillNormal(block, rng, IRNN_INPUT_STD);
  }
}

/** The LSTM's forget gate (gate block 1 of i, f, g, o) of every layer and direction: b_ih's forget
 *  block b_f = the value, or chrono (Tallec & Ollivier 2018) b_f = log u, u ~ U(1, Tmax − 1) per
 *  unit, with the input gate's b_i = −b_f; b_hh's blocks are 0, so the sum PyTorch adds is b_f. */
function initForgetBias(
  params: Params,
  config: ModelConfig,
  forgetBias: number | { chrono: number },
  rng: Rng,
) {
  const H = config.hiddenSize;
  for (let k = 0; k < config.layers; k++) {
    for (let d = 0; d < directionsOf(config); d++) {
      const names = layerNames(config, k, d, PARAM_PREFIX.recurrent);
      if (!names.biasIh || !names.biasHh) continue;
      const ih = params.value(names.biasIh);
      const hh = params.value(names.biasHh);
      hh.fill(0, H, 2 * H);
      if (typeof forgetBias === "number") {
        ih.fill(forgetBias, H, 2 * H);
        continue;
      }
      hh.fill(0, 0, H);
      for (let j = 0; j < H; j++) {
        const bf = Math.log(rng.uniformIn(1, forgetBias.chrono - 1));
        ih[H + j] = bf;
        ih[j] = -bf;
      }
    }
  }
}
