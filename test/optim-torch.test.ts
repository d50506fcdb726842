import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { alloc, type Buf, type DType } from "../src/tensor.js";
import { createOptimizer, type OptimizerConfig, resolveOptimizerConfig } from "../src/train/optimizers.js";

// RMSprop, Adagrad and Adam/AdamW with amsgrad against torch.optim (1.13, single-tensor path):
// tools/make_optim_fixtures.py ran each case for 10 steps on fixed parameters and gradients.

interface StepCase {
  name: OptimizerConfig["name"];
  torch: Record<string, unknown>;
  after: number[][];
  state: { step: number; buffers: Record<string, number[]> };
}
interface StepsFixture {
  params: number[];
  grads: number[][];
  cases: StepCase[];
}

const fixture: StepsFixture = JSON.parse(
  readFileSync(new URL("./fixtures/torch-optim/optim-steps.json", import.meta.url), "utf8"),
);
const TOLERANCE: Record<DType, number> = { float64: 1e-12, float32: 1e-5 };

/** PyTorch's keyword arguments as an OptimizerConfig. */
function configFromTorch(name: OptimizerConfig["name"], t: Record<string, unknown>): OptimizerConfig {
  const keys: Record<string, string> = {
    lr: "lr",
    alpha: "alpha",
    eps: "eps",
    weight_decay: "weightDecay",
    momentum: "momentum",
    centered: "centered",
    lr_decay: "lrDecay",
    initial_accumulator_value: "initialAccumulatorValue",
    amsgrad: "amsgrad",
  };
  const config: Record<string, unknown> = { name };
  for (const [key, value] of Object.entries(t)) {
    if (key === "class") continue;
    if (key === "betas") {
      [config.beta1, config.beta2] = value as number[];
    } else {
      expect(keys[key], `unmapped PyTorch option ${key}`).toBeDefined();
      config[keys[key]] = value;
    }
  }
  return config as unknown as OptimizerConfig;
}

function buffer(dtype: DType, values: readonly number[]): Buf {
  const buf = alloc(dtype, values.length);
  buf.set(values);
  return buf;
}

/** max |a − e| <= tolerance·max(1, max |e|). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  const diff = Math.max(...expected.map((e, i) => Math.abs(actual[i] - e)));
  expect(diff).toBeLessThanOrEqual(tolerance * scale);
}

describe("optimizers against torch.optim, 10 steps", () => {
  it("the fixture covers rmsprop, adagrad, and adam and adamw with amsgrad", () => {
    const names = new Set(fixture.cases.map((c) => c.name));
    expect([...names].sort()).toEqual(["adagrad", "adam", "adamw", "rmsprop"]);
    for (const c of fixture.cases.filter((c) => c.name.startsWith("adam")))
      expect(c.torch.amsgrad).toBe(true);
  });

  for (const c of fixture.cases) {
    const label = `${c.name} ${JSON.stringify(c.torch)}`;
    for (const dtype of ["float64", "float32"] as const) {
      it(`${label}: every step's parameters and the final state match (${dtype})`, () => {
        const values = buffer(dtype, fixture.params);
        const optimizer = createOptimizer(configFromTorch(c.name, c.torch), values);
        fixture.grads.forEach((grad, k) => {
          optimizer.step(values, buffer(dtype, grad));
          expectClose(values, c.after[k], TOLERANCE[dtype]);
        });
        const state = optimizer.state();
        expect(state.step).toBe(c.state.step);
        expect(Object.keys(state.buffers).sort()).toEqual(Object.keys(c.state.buffers).sort());
        for (const [key, expected] of Object.entries(c.state.buffers)) {
          expectClose(state.buffers[key], expected, TOLERANCE[dtype]);
        }
      });
    }
  }
});

describe("the new optimizers' configs", () => {
  it("fill in PyTorch 1.13's defaults", () => {
    expect(resolveOptimizerConfig({ name: "rmsprop", lr: 0.01 })).toEqual({
      name: "rmsprop",
      lr: 0.01,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
    });
    expect(resolveOptimizerConfig({ name: "adagrad", lr: 0.01 })).toEqual({
      name: "adagrad",
      lr: 0.01,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
    });
    expect(resolveOptimizerConfig({ name: "adam", lr: 0.01 }).amsgrad).toBe(false);
  });

  it.each([
    [{ name: "rmsprop", lr: 0.01, alpha: -0.1 }, "rmsprop: alpha must be a finite number >= 0, got -0.1"],
    [{ name: "rmsprop", lr: 0.01, centered: 1 }, "rmsprop: centered must be true or false, got 1"],
    [{ name: "rmsprop", lr: 0.01, beta1: 0.9 }, 'rmsprop: unknown option "beta1"'],
    [{ name: "adagrad", lr: 0.01, lrDecay: -1 }, "adagrad: lrDecay must be a finite number >= 0, got -1"],
    [{ name: "adagrad", lr: 0.01, momentum: 0.9 }, 'adagrad: unknown option "momentum"'],
    [{ name: "adam", lr: 0.01, amsgrad: "yes" }, 'adam: amsgrad must be true or false, got "yes"'],
  ])("rejects %j with one line", (config, message) => {
    expect(() => resolveOptimizerConfig(config as unknown as OptimizerConfig)).toThrow(ConfigError);
    expect(() => resolveOptimizerConfig(config as unknown as OptimizerConfig)).toThrow(message);
  });

  it("the state buffers follow the options: momentum_buffer, grad_avg, max_exp_avg_sq only when used", () => {
    const keys = (config: OptimizerConfig) =>
      Object.keys(createOptimizer(config, new Float64Array(3)).state().buffers);
    expect(keys({ name: "rmsprop", lr: 0.01 })).toEqual(["square_avg"]);
    expect(keys({ name: "rmsprop", lr: 0.01, momentum: 0.5, centered: true })).toEqual([
      "square_avg",
      "momentum_buffer",
      "grad_avg",
    ]);
    expect(keys({ name: "adagrad", lr: 0.01 })).toEqual(["sum"]);
    expect(keys({ name: "adam", lr: 0.01 })).toEqual(["exp_avg", "exp_avg_sq"]);
    expect(keys({ name: "adamw", lr: 0.01, amsgrad: true })).toEqual([
      "exp_avg",
      "exp_avg_sq",
      "max_exp_avg_sq",
    ]);
  });

  it("adagrad's sum starts at initialAccumulatorValue", () => {
    const optimizer = createOptimizer(
      { name: "adagrad", lr: 0.1, initialAccumulatorValue: 0.25 },
      new Float32Array(4),
    );
    expect(Array.from(optimizer.state().buffers.sum)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("loadState refuses a state without the buffers this config needs, naming them", () => {
    const plain = createOptimizer({ name: "adam", lr: 0.01 }, new Float64Array(3));
    const ams = createOptimizer({ name: "adam", lr: 0.01, amsgrad: true }, new Float64Array(3));
    expect(() => ams.loadState(plain.state())).toThrow(
      "adam state has buffers [exp_avg, exp_avg_sq], this config needs [exp_avg, exp_avg_sq, max_exp_avg_sq]",
    );
  });
});
