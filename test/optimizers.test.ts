import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../src/errors.js";
import { setWasmPointwiseEnabled, wasmPointwiseEnabled } from "../src/kernels/pointwise-wasm.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { alloc, type Buf, type DType } from "../src/tensor.js";
import { createOptimizer, type OptimizerConfig, resolveOptimizerConfig } from "../src/train/optimizers.js";

const FIXTURES = new URL("./fixtures/torch/", import.meta.url);
const TOLERANCE: Record<DType, number> = { float64: 1e-12, float32: 1e-5 };

type TensorRecord = Record<string, unknown>;

interface CharlmFixture {
  optimizer: Record<string, number | boolean | string>;
  param_order: string[];
  params: TensorRecord;
  [key: string]: unknown;
}

function flat(nested: unknown): number[] {
  return Array.isArray(nested) ? nested.flatMap(flat) : [nested as number];
}

function flatParams(record: TensorRecord, order: readonly string[], dtype: DType): Buf {
  const values = order.flatMap((name) => flat(record[name]));
  const buf = alloc(dtype, values.length);
  buf.set(values);
  return buf;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let maxRef = 1;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    maxDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, diff);
  }
  expect(maxDiff).toBeLessThanOrEqual(tolerance * maxRef);
}

/** The fixture's hyper-parameters (PyTorch names) as an OptimizerConfig. */
function configFromTorch(o: CharlmFixture["optimizer"]): OptimizerConfig {
  const num = (key: string) => o[key] as number;
  if (o.name === "sgd") {
    return {
      name: "sgd",
      lr: num("lr"),
      momentum: num("momentum"),
      dampening: num("dampening"),
      nesterov: o.nesterov as boolean,
      weightDecay: num("weight_decay"),
    };
  }
  expect(o.amsgrad ?? false).toBe(false);
  return {
    name: o.name as "adam" | "adamw",
    lr: num("lr"),
    beta1: num("beta1"),
    beta2: num("beta2"),
    eps: num("eps"),
    weightDecay: num("weight_decay"),
  };
}

const charlmFiles = readdirSync(FIXTURES).filter((f) => /^charlm_.*_(adam|sgd)_.*\.json$/.test(f));

describe("optimizers against PyTorch's char-LM training steps", () => {
  it("the charlm fixtures include both Adam and SGD", () => {
    expect(charlmFiles.some((f) => f.includes("_adam_"))).toBe(true);
    expect(charlmFiles.some((f) => f.includes("_sgd_"))).toBe(true);
  });

  for (const file of charlmFiles) {
    const f: CharlmFixture = JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8"));
    const name = f.optimizer.name as string;
    for (const dtype of ["float64", "float32"] as const) {
      it(`createOptimizer(${name}).step() twice matches params_after_${name}{,_2} (${file}, ${dtype})`, () => {
        const order = f.param_order;
        const values = flatParams(f.params, order, dtype);
        const optimizer = createOptimizer(configFromTorch(f.optimizer), alloc(dtype, values.length));
        for (const suffix of ["", "_2"]) {
          const grads = flatParams(f[`grads_clipped${suffix}`] as TensorRecord, order, dtype);
          optimizer.step(values, grads);
          const expected = flatParams(f[`params_after_${name}${suffix}`] as TensorRecord, order, "float64");
          expectClose(values, expected, TOLERANCE[dtype]);
        }
        expect(optimizer.stepCount).toBe(2);
      });
    }
  }
});

// A scalar reference written from the formulas, element by element with all steps inside (the
// implementation runs steps outside and elements inside, on typed-array state).

interface Hyper {
  lr: number[];
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

function referenceSgd(p0: number[], grads: number[][], h: Hyper): number[] {
  const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = h;
  return p0.map((start, i) => {
    let p = start;
    let buf = 0;
    grads.forEach((g, t) => {
      let d = g[i] + weightDecay * p;
      if (momentum !== 0) {
        buf = t === 0 ? d : momentum * buf + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf : buf;
      }
      p -= h.lr[t] * d;
    });
    return p;
  });
}

function referenceAdam(p0: number[], grads: number[][], h: Hyper, decoupled: boolean): number[] {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = h;
  return p0.map((start, i) => {
    let p = start;
    let m = 0;
    let v = 0;
    grads.forEach((g, t) => {
      const lr = h.lr[t];
      const step = t + 1;
      let grad = g[i];
      if (decoupled) p *= 1 - lr * weightDecay;
      else grad += weightDecay * p;
      m = beta1 * m + (1 - beta1) * grad;
      v = beta2 * v + (1 - beta2) * grad * grad;
      const vHat = Math.sqrt(v) / Math.sqrt(1 - beta2 ** step);
      p -= ((lr / (1 - beta1 ** step)) * m) / (vHat + eps);
    });
    return p;
  });
}

const P0 = [0.5, -1.25, 2, 0, -0.03];
const GRADS = [
  [0.1, -0.4, 0.25, 1.5, 0],
  [-0.2, -0.1, 0.3, -0.7, 0.05],
  [0.05, 0.6, -0.15, 0.2, -0.02],
];
const LRS = [0.1, 0.05, 0.02];

/** Three steps with the learning rate changed before each, as a schedule does. */
function runThreeSteps(config: OptimizerConfig, dtype: DType = "float64"): Buf {
  const values = alloc(dtype, P0.length);
  values.set(P0);
  const optimizer = createOptimizer(config, alloc(dtype, P0.length));
  GRADS.forEach((g, t) => {
    optimizer.lr = LRS[t];
    const grads = alloc(dtype, g.length);
    grads.set(g);
    optimizer.step(values, grads);
  });
  return values;
}

describe("update rules against a scalar reference over 3 steps", () => {
  const sgdCases: [string, Omit<Hyper, "lr">][] = [
    ["nesterov", { momentum: 0.9, nesterov: true }],
    ["weight decay, no momentum", { weightDecay: 0.1 }],
    ["weight decay and momentum with dampening", { momentum: 0.8, dampening: 0.3, weightDecay: 0.05 }],
    ["nesterov and weight decay", { momentum: 0.5, nesterov: true, weightDecay: 0.2 }],
  ];
  for (const [label, h] of sgdCases) {
    it(`createOptimizer({ name: "sgd", ...${JSON.stringify(h)} }) follows PyTorch's SGD rule (${label})`, () => {
      const actual = runThreeSteps({ name: "sgd", lr: 1, ...h });
      expectClose(actual, referenceSgd(P0, GRADS, { lr: LRS, ...h }), 1e-15);
    });
  }

  it("createOptimizer({ name: 'adam', weightDecay: 0.1 }) adds the decay to the gradient", () => {
    const h = { beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 };
    const actual = runThreeSteps({ name: "adam", lr: 1, ...h });
    expectClose(actual, referenceAdam(P0, GRADS, { lr: LRS, ...h }, false), 1e-15);
  });

  it("createOptimizer({ name: 'adamw', weightDecay: 0.1 }) decays the parameters first, decoupled", () => {
    const h = { beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 };
    const actual = runThreeSteps({ name: "adamw", lr: 1, ...h });
    expectClose(actual, referenceAdam(P0, GRADS, { lr: LRS, ...h }, true), 1e-15);
    const coupled = runThreeSteps({ name: "adam", lr: 1, ...h });
    expect(Math.max(...Array.from(actual, (x, i) => Math.abs(x - coupled[i])))).toBeGreaterThan(1e-4);
  });

  it("createOptimizer({ name: 'adamw' }) defaults to weight decay 0.01", () => {
    const actual = runThreeSteps({ name: "adamw", lr: 1 });
    expectClose(actual, referenceAdam(P0, GRADS, { lr: LRS, weightDecay: 0.01 }, true), 1e-15);
  });

  it("createOptimizer({ name: 'adam', lr: 0.01 }).step() first moves each parameter by about lr against its gradient", () => {
    const values = Float64Array.of(1, 1, 1);
    createOptimizer({ name: "adam", lr: 0.01 }, values).step(values, Float64Array.of(0.5, -3, 0));
    expectClose(values, [0.99, 1.01, 1], 1e-8);
  });

  it("createOptimizer({ name: 'sgd', momentum: 0.9, nesterov: true }).step() twice matches hand arithmetic", () => {
    const values = Float64Array.of(1);
    const optimizer = createOptimizer({ name: "sgd", lr: 0.1, momentum: 0.9, nesterov: true }, values);
    optimizer.step(values, Float64Array.of(0.5)); // buf = 0.5, d = 0.5 + 0.45 = 0.95
    expect(values[0]).toBeCloseTo(0.905, 15);
    optimizer.step(values, Float64Array.of(0.5)); // buf = 0.95, d = 0.5 + 0.855 = 1.355
    expect(values[0]).toBeCloseTo(0.7695, 15);
  });

  it("createOptimizer(adam config, float32 params) keeps float32 state and agrees with float64 to 1e-6", () => {
    const config: OptimizerConfig = { name: "adam", lr: 1, weightDecay: 0.1 };
    const single = runThreeSteps(config, "float32");
    expect(single).toBeInstanceOf(Float32Array);
    expectClose(single, runThreeSteps(config, "float64"), 1e-6);
    expect(createOptimizer(config, alloc("float32", 4)).state().buffers.exp_avg).toBeInstanceOf(Float32Array);
  });

  it("createOptimizer(config, model) sizes its state from the model's parameters and dtype", () => {
    const model = new SequenceModel({
      cell: "gru",
      hiddenSize: 3,
      input: { kind: "onehot", vocabSize: 4 },
      outputSize: 4,
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      layers: 1,
      loss: "cross-entropy",
      dtype: "float32",
    });
    const state = createOptimizer({ name: "adam", lr: 0.01 }, model).state();
    expect(state.buffers.exp_avg).toBeInstanceOf(Float32Array);
    expect(state.buffers.exp_avg.length).toBe(model.params.data.length);
    expect(createOptimizer({ name: "sgd", lr: 0.1 }, model.params).config.name).toBe("sgd");
  });

  it("createOptimizer(config, 12) → ConfigError naming what the target must be", () => {
    expect(() => createOptimizer({ name: "adam", lr: 0.01 }, 12 as never)).toThrow(
      /target must be a model, its params, or a Float32Array\/Float64Array/,
    );
  });

  it.each([
    ["adam", 0],
    ["adam", 0.1],
    ["adamw", 0.01],
  ] as const)(
    "%s (weight decay %s) in float32: WebAssembly and TypeScript agree to 1e-6",
    (name, weightDecay) => {
      const config: OptimizerConfig = { name, lr: 1, weightDecay };
      expect(wasmPointwiseEnabled()).toBe(true);
      const wasm = runThreeSteps(config, "float32");
      const previous = setWasmPointwiseEnabled(false);
      try {
        const ts = runThreeSteps(config, "float32");
        expectClose(wasm, ts, 1e-6);
        expect(Array.from(wasm)).not.toEqual(Array.from(P0));
      } finally {
        setWasmPointwiseEnabled(previous);
      }
    },
  );
});

describe("resolveOptimizerConfig", () => {
  it("resolveOptimizerConfig({ name: 'sgd', lr: 0.1 }) fills PyTorch's defaults", () => {
    expect(resolveOptimizerConfig({ name: "sgd", lr: 0.1 })).toEqual({
      name: "sgd",
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
  });

  it("resolveOptimizerConfig({ name: 'adam' | 'adamw', lr }) fills PyTorch's defaults", () => {
    const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false };
    expect(resolveOptimizerConfig({ name: "adam", lr: 1e-3 })).toEqual({
      name: "adam",
      lr: 1e-3,
      ...adam,
      weightDecay: 0,
    });
    expect(resolveOptimizerConfig({ name: "adamw", lr: 1e-3, beta1: undefined })).toEqual({
      name: "adamw",
      lr: 1e-3,
      ...adam,
      weightDecay: 0.01,
    });
  });

  const invalid: [string, unknown][] = [
    ["lr -1", { name: "adam", lr: -1 }],
    ["lr NaN", { name: "sgd", lr: Number.NaN }],
    ["no lr", { name: "sgd" }],
    ["beta1 1", { name: "adam", lr: 1e-3, beta1: 1 }],
    ["beta2 -0.1", { name: "adamw", lr: 1e-3, beta2: -0.1 }],
    ["eps -1", { name: "adam", lr: 1e-3, eps: -1 }],
    ["weightDecay -0.1", { name: "sgd", lr: 0.1, weightDecay: -0.1 }],
    ["momentum -0.5", { name: "sgd", lr: 0.1, momentum: -0.5 }],
    ["nesterov without momentum", { name: "sgd", lr: 0.1, nesterov: true }],
    ["nesterov with dampening", { name: "sgd", lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }],
    ["unknown name", { name: "lion", lr: 0.1 }],
    ["unknown option", { name: "adam", lr: 0.1, betas: [0.9, 0.999] }],
    ["sgd option on adam", { name: "adam", lr: 0.1, momentum: 0.9 }],
  ];
  for (const [label, config] of invalid) {
    it(`resolveOptimizerConfig(${JSON.stringify(config)}) throws ConfigError (${label})`, () => {
      expect(() => resolveOptimizerConfig(config as OptimizerConfig)).toThrow(ConfigError);
    });
  }
});

describe("state() and loadState()", () => {
  const configs: OptimizerConfig[] = [
    { name: "adam", lr: 0.01, weightDecay: 0.1 },
    { name: "adamw", lr: 0.01 },
    { name: "sgd", lr: 0.1, momentum: 0.9, dampening: 0.2 },
  ];
  for (const config of configs) {
    it(`loadState(state()) of a ${config.name} continues identically`, () => {
      const values = Float64Array.from(P0);
      const first = createOptimizer(config, alloc("float64", P0.length));
      first.step(values, Float64Array.from(GRADS[0]));
      first.step(values, Float64Array.from(GRADS[1]));

      const resumedValues = values.slice();
      const resumed = createOptimizer(config, alloc("float64", P0.length));
      resumed.loadState(first.state());
      expect(resumed.stepCount).toBe(2);
      const coldValues = values.slice();
      const cold = createOptimizer(config, alloc("float64", P0.length));
      for (const g of [GRADS[2], GRADS[0]]) {
        first.step(values, Float64Array.from(g));
        resumed.step(resumedValues, Float64Array.from(g));
        cold.step(coldValues, Float64Array.from(g));
      }
      expect(resumedValues).toEqual(values);
      expect(coldValues).not.toEqual(values);
    });
  }

  it("state() returns copies that later steps do not change", () => {
    const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 2));
    optimizer.step(Float64Array.of(1, 2), Float64Array.of(0.5, 0.5));
    const snapshot = optimizer.state();
    const expAvg = snapshot.buffers.exp_avg.slice();
    optimizer.step(Float64Array.of(1, 2), Float64Array.of(0.5, 0.5));
    expect(snapshot.buffers.exp_avg).toEqual(expAvg);
    expect(optimizer.state().buffers.exp_avg).not.toEqual(expAvg);
    expect(snapshot.step).toBe(1);
  });

  it("loadState(state with buffers of the wrong length) throws ShapeError", () => {
    const state = createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 3)).state();
    expect(() => createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 4)).loadState(state)).toThrow(
      ShapeError,
    );
  });

  it("loadState(another optimizer's state) throws ConfigError", () => {
    const sgd = createOptimizer({ name: "sgd", lr: 0.1, momentum: 0.9 }, alloc("float64", 3));
    const adam = createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 3));
    expect(() => adam.loadState(sgd.state())).toThrow(ConfigError);
    const plainSgd = createOptimizer({ name: "sgd", lr: 0.1 }, alloc("float64", 3));
    expect(() => plainSgd.loadState(sgd.state())).toThrow(ConfigError);
  });

  it("loadState({ step: -1 }) throws ConfigError", () => {
    const adam = createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 3));
    expect(() => adam.loadState({ ...adam.state(), step: -1 })).toThrow(ConfigError);
  });

  it("step(values, grads) with a length other than the optimizer's size throws ShapeError", () => {
    const adam = createOptimizer({ name: "adam", lr: 0.01 }, alloc("float64", 3));
    expect(() => adam.step(new Float64Array(3), new Float64Array(2))).toThrow(ShapeError);
    expect(() => adam.step(new Float64Array(4), new Float64Array(4))).toThrow(ShapeError);
    expect(adam.stepCount).toBe(0);
  });
});
