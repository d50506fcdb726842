// gradient-ratio: one point of the Q3 regime map. A sigmoid RNN of the Q3 sweep's families with
// ‖W‖₂ = norm runs T steps with the loss on h_T only; the result is log10 ‖dL/dh_0‖ / ‖dL/dh_T‖ from
// the library's BPTT (float64), classified as Q3.regime classifies it.

import { Rng } from "../../src/index.js";
import { gradientFlow } from "../gradients/flow.js";
import { norm2 } from "../gradients/linalg.js";
import { NET_FAMILIES, sampleNet } from "../gradients/nets.js";
import { classifyRatio } from "../q3/regime.js";
import { choiceOption, numberOption, seedOption } from "./options.js";
import type { OptionValues, Probe, ProbeSummary } from "./types.js";

/** Where the ratio under- or overflows float64, log10 is taken at the smallest (largest) double:
 *  the run is then clearly vanishing (exploding), which is all the map needs. */
const LOG10_FLOOR = Math.log10(Number.MIN_VALUE);
const LOG10_CEILING = Math.log10(Number.MAX_VALUE);

export interface GradientRatio {
  norm: number;
  seqLen: number;
  log10Ratio: number;
}

/** log10 ‖dL/dh_0‖ / ‖dL/dh_T‖ of one net of `kind` with hidden size H and ‖W‖₂ = norm. */
export function gradientRatio(values: OptionValues): GradientRatio {
  const norm = numberOption(values, "norm");
  const T = numberOption(values, "seq-len");
  const H = numberOption(values, "hidden");
  const kind = choiceOption(values, "kind", NET_FAMILIES);
  const rng = new Rng(numberOption(values, "seed"));
  const { spec, input } = sampleNet(rng, kind, H, norm, T);
  const flow = gradientFlow(spec, input);
  const first = norm2(flow.grads, 0, H);
  const last = norm2(flow.grads, T * H, (T + 1) * H);
  const log10Ratio = Math.min(LOG10_CEILING, Math.max(LOG10_FLOOR, Math.log10(first / last)));
  return { norm, seqLen: T, log10Ratio };
}

export function summarizeRatio(ratio: GradientRatio): ProbeSummary {
  const regime = classifyRatio(ratio.log10Ratio);
  return {
    ...ratio,
    regime,
    vanishing: regime === "vanishing" ? 1 : 0,
    exploding: regime === "exploding" ? 1 : 0,
  };
}

export const gradientRatioProbe: Probe = {
  name: "gradient-ratio",
  description:
    "log10 of ‖dL/dh_0‖ / ‖dL/dh_T‖ in a sigmoid RNN with ‖W‖₂ = --norm, classified as Q3.regime does (below 1e-2 vanishing, above 1e2 exploding)",
  unit: null,
  options: [
    { name: "norm", description: "spectral norm of W", type: { kind: "number", min: 0, max: 1000 } },
    {
      name: "seq-len",
      description: "steps T between h_0 and the loss on h_T",
      type: { kind: "integer", min: 1, max: 10_000 },
    },
    seedOption,
    { name: "hidden", description: "hidden size", type: { kind: "integer", min: 1, max: 256 }, default: 32 },
    {
      name: "kind",
      description:
        "the Q3 sweep's net family: driven (random inputs and biases), centred (no input, around σ's steepest point) or held (z = 0 at every step: the bound (‖W‖/4)^T exactly)",
      type: { kind: "choice", choices: NET_FAMILIES },
      default: "driven",
    },
  ],
  run: (values) => summarizeRatio(gradientRatio(values)),
};
