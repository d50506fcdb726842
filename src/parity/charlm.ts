import { FormatError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { modelParamSpecs } from "../model/param-shapes.js";
import { SequenceModel } from "../model/sequence-model.js";
import type { Params } from "../model/params.js";
import type { Buf, DType } from "../tensor.js";
import { clipGradNorm } from "../train/clip.js";
import { createOptimizer, type OptimizerConfig } from "../train/optimizers.js";
import { Comparison } from "./compare.js";
import { archToConfig } from "./recurrent.js";
import type { CharlmFixture } from "./schema.js";
import { readTensor, reference, requireKey } from "./tensors.js";

type TensorRecord = Record<string, unknown[]>;

/** The fixture's two steps: tokens, targets and references of the first without a suffix, the
 *  second's with "_2". */
export const CHARLM_STEPS = ["", "_2"] as const;

/** What one training step computed, flat: the parameters' layout for grad, clippedGrad (after
 *  clipping) and paramsAfter (after the optimizer step). */
export interface CharlmStep {
  logits: ArrayLike<number>;
  loss: number;
  grad: Buf;
  totalNorm: number;
  clippedGrad: Buf;
  paramsAfter: Buf;
}

/** Two training steps of a character LM: embedding → one recurrent layer → linear → mean
 *  cross-entropy, gradients clipped by global norm, then one optimizer step each. */
export function runCharlm(f: CharlmFixture, dtype: DType, tolerance: number): Comparison {
  const model = charlmModel(f, dtype);
  const params = model.params;
  const optimizer = createOptimizer(charlmOptimizer(f.optimizer), model);
  const check = new Comparison(tolerance);
  for (const suffix of CHARLM_STEPS) {
    const { tokens, targets } = charlmBatch(f, suffix);
    const result = model.lossAndGrad({ T: f.T, B: f.B, tokens }, { classes: targets });
    const logits = model.forwardOutputs().slice();
    const grad = params.grad.slice();
    const clip = clipGradNorm(params.gradViews(), f.max_norm, f.norm_type);
    const clippedGrad = params.grad.slice();
    optimizer.step(params.data, params.grad);
    compareCharlmStep(check, f, suffix, params, {
      logits,
      loss: result.loss,
      grad,
      totalNorm: clip.totalNorm,
      clippedGrad,
      paramsAfter: params.data,
    });
  }
  return check;
}

/** The fixture's model in `dtype`, holding the fixture's parameters. */
export function charlmModel(f: CharlmFixture, dtype: DType): SequenceModel {
  const { V, E, H } = f;
  const config: ModelConfig = {
    ...archToConfig(f.arch, H, 1),
    input: { kind: "embedding", vocabSize: V, embeddingSize: E },
    outputSize: V,
    loss: "cross-entropy",
    dtype,
  };
  // The tensors are read (and their shapes checked) before the model is built: they are as large as
  // the file, whereas V, E or H could claim any size.
  const specs = modelParamSpecs(parseModelConfig(config));
  const weights = specs.map((spec) =>
    readTensor(requireKey(f.params, spec.name, "params"), spec.shape, dtype, `params.${spec.name}`),
  );
  const model = new SequenceModel(config);
  for (const [i, spec] of specs.entries()) model.params.set(spec.name, weights[i]);
  return model;
}

/** Step `suffix`'s tokens and targets [T·B], time-major. */
export function charlmBatch(f: CharlmFixture, suffix: string): { tokens: Int32Array; targets: Int32Array } {
  const grid = (name: string) => tokenBuffer(requireKey(f, name) as number[][], f.T, f.B, f.V, name);
  return { tokens: grid(`tokens${suffix}`), targets: grid(`targets${suffix}`) };
}

/** Step `suffix`'s quantities against the fixture's references (flat arrays cut as `params`). */
export function compareCharlmStep(
  check: Comparison,
  f: CharlmFixture,
  suffix: string,
  params: Params,
  step: CharlmStep,
): void {
  const { T, B, V } = f;
  const viewsOf = (flat: Buf) => (name: string) => {
    const start = (params.value(name).byteOffset - params.data.byteOffset) / params.data.BYTES_PER_ELEMENT;
    return flat.subarray(start, start + params.value(name).length);
  };
  check.values(
    `logits${suffix}`,
    step.logits,
    reference(requireKey(f, `logits${suffix}`), [T, B, V], `logits${suffix}`),
  );
  check.scalar(`loss${suffix}`, step.loss, requireKey(f, `loss${suffix}`) as number);
  const grads = requireKey(f, `grads${suffix}`) as TensorRecord;
  compareParams(check, `grads${suffix}`, viewsOf(step.grad), grads, params.specs);
  check.scalar(`total_norm${suffix}`, step.totalNorm, requireKey(f, `total_norm${suffix}`) as number);
  const clipped = requireKey(f, `grads_clipped${suffix}`) as TensorRecord;
  compareParams(check, `grads_clipped${suffix}`, viewsOf(step.clippedGrad), clipped, params.specs);
  const after = `params_after_${f.optimizer.name}${suffix}`;
  compareParams(check, after, viewsOf(step.paramsAfter), requireKey(f, after) as TensorRecord, params.specs);
}

function compareParams(
  check: Comparison,
  group: string,
  actualOf: (name: string) => ArrayLike<number>,
  expected: TensorRecord,
  specs: readonly { name: string; shape: number[] }[],
): void {
  if (typeof expected !== "object" || expected === null)
    throw new FormatError(`'${group}' must be an object of tensors`);
  for (const spec of specs) {
    const ref = reference(requireKey(expected, spec.name, group), spec.shape, `${group}.${spec.name}`);
    check.values(`${group}.${spec.name}`, actualOf(spec.name), ref);
  }
}

/** A [T, B] grid of token ids, each below V (an embedding row). */
function tokenBuffer(grid: number[][], T: number, B: number, V: number, name: string): Int32Array {
  const data = readTensor(grid, [T, B], "float64", name);
  const bad = data.find((token) => !Number.isInteger(token) || token < 0 || token >= V);
  if (bad !== undefined)
    throw new FormatError(`'${name}' holds ${bad}, not a token id in 0..${V - 1} (V ${V})`);
  return Int32Array.from(data);
}

/** The fixture's optimizer as rnnlab's config. */
export function charlmOptimizer(o: CharlmFixture["optimizer"]): OptimizerConfig {
  if (o.name === "sgd") {
    return {
      name: "sgd",
      lr: o.lr,
      momentum: o.momentum,
      dampening: o.dampening,
      nesterov: o.nesterov,
      weightDecay: o.weight_decay,
    };
  }
  return { name: o.name, lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weight_decay };
}
