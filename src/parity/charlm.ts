import { FormatError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { modelParamSpecs } from "../model/param-shapes.js";
import { SequenceModel } from "../model/sequence-model.js";
import type { DType } from "../tensor.js";
import { clipGradNorm } from "../train/clip.js";
import { createOptimizer, type OptimizerConfig } from "../train/optimizers.js";
import { Comparison } from "./compare.js";
import { archToConfig } from "./recurrent.js";
import type { CharlmFixture } from "./schema.js";
import { readTensor, reference, requireKey } from "./tensors.js";

type TensorRecord = Record<string, unknown[]>;

/** Two training steps of a character LM: embedding → one recurrent layer → linear → mean
 *  cross-entropy, gradients clipped by global norm, then one optimizer step each. */
export function runCharlm(f: CharlmFixture, dtype: DType, tolerance: number): Comparison {
  const { V, E, H, T, B } = f;
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
  const params = model.params;
  for (const [i, spec] of specs.entries()) params.set(spec.name, weights[i]);
  const optimizer = createOptimizer(optimizerConfig(f.optimizer), model);
  const check = new Comparison(tolerance);
  for (const suffix of ["", "_2"]) {
    const tokens = tokenBuffer(requireKey(f, `tokens${suffix}`) as number[][], T, B, V, `tokens${suffix}`);
    const targets = tokenBuffer(requireKey(f, `targets${suffix}`) as number[][], T, B, V, `targets${suffix}`);
    const result = model.lossAndGrad({ T, B, tokens }, { classes: targets });
    check.values(
      `logits${suffix}`,
      model.forwardOutputs(),
      reference(requireKey(f, `logits${suffix}`), [T, B, V], `logits${suffix}`),
    );
    check.scalar(`loss${suffix}`, result.loss, requireKey(f, `loss${suffix}`) as number);
    compareParams(
      check,
      `grads${suffix}`,
      params.gradOf.bind(params),
      requireKey(f, `grads${suffix}`) as TensorRecord,
      params.specs,
    );
    const clip = clipGradNorm(params.gradViews(), f.max_norm, f.norm_type);
    check.scalar(`total_norm${suffix}`, clip.totalNorm, requireKey(f, `total_norm${suffix}`) as number);
    compareParams(
      check,
      `grads_clipped${suffix}`,
      params.gradOf.bind(params),
      requireKey(f, `grads_clipped${suffix}`) as TensorRecord,
      params.specs,
    );
    optimizer.step(params.data, params.grad);
    const after = `params_after_${f.optimizer.name}${suffix}`;
    compareParams(
      check,
      after,
      params.value.bind(params),
      requireKey(f, after) as TensorRecord,
      params.specs,
    );
  }
  return check;
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

function optimizerConfig(o: CharlmFixture["optimizer"]): OptimizerConfig {
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
