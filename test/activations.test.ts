import { describe, expect, it } from "vitest";
import { activationNames, makeActivation } from "../src/kernels/activations.js";
import { recurrentParamSpecs } from "../src/model/param-shapes.js";
import { Params } from "../src/model/params.js";
import { RecurrentStack } from "../src/model/stack.js";
import { Rng } from "../src/random.js";

describe("makeActivation(name)", () => {
  it.each(activationNames.filter((n) => n !== "step"))(
    "makeActivation('%s').derivative matches a central difference",
    (name) => {
      const act = makeActivation(name);
      for (const z of [-2.5, -0.3, 0.2, 1.7]) {
        const numeric = (act.apply(z + 1e-6) - act.apply(z - 1e-6)) / 2e-6;
        expect(Math.abs(act.derivative(z, act.apply(z)) - numeric)).toBeLessThan(1e-8);
      }
    },
  );

  it("makeActivation('step') is 1 at z >= 0 (step(0) = 1) and 0 below, with derivative 0 or 1 (straight-through)", () => {
    const step = makeActivation("step");
    expect([-1, -1e-12, 0, 1e-12, 3].map(step.apply)).toEqual([0, 0, 1, 1, 1]);
    expect(step.derivative(0.5, 1)).toBe(0);
    expect(makeActivation("step", true).derivative(0.5, 1)).toBe(1);
  });
});

describe("a step-activation RNN", () => {
  function run(straightThrough: boolean) {
    const config = {
      cell: "rnn" as const,
      activation: "step" as const,
      straightThrough,
      skip: 0,
      hiddenSize: 3,
      layers: 1,
    };
    const params = new Params(recurrentParamSpecs(config, 2), "float64");
    const rng = new Rng(1);
    params.data.forEach((_, i) => {
      params.data[i] = rng.normal();
    });
    const stack = new RecurrentStack(config, 2, "", "float64");
    const x = Float64Array.from({ length: 2 }, () => rng.normal());
    const w = Float64Array.from([0.5, -2, 3]);
    stack.forward(params, x, 1, 1);
    params.zeroGrad();
    stack.backward(params, w);
    return params;
  }

  it("backward() with the default zero derivative gives zero gradients (as finite differences do)", () => {
    expect(run(false).grad.every((g) => g === 0)).toBe(true);
  });

  it("backward() with straightThrough passes dL/dh through as if step were the identity: dL/db = w", () => {
    const params = run(true);
    expect(Array.from(params.gradOf("bias_ih_l0"))).toEqual([0.5, -2, 3]);
    expect(Array.from(params.gradOf("bias_hh_l0"))).toEqual([0.5, -2, 3]);
  });
});

describe("normsOverTime(grads, T, B, H)", () => {
  it("gives each step's 2-norm, without underflow for gradients near 1e-160", async () => {
    const { normsOverTime } = await import("../src/model/grad-flow.js");
    const grads = Float64Array.from([3, 4, 3e-170, 4e-170, 0, 0]);
    const norms = normsOverTime(grads, 2, 1, 2);
    expect(norms[0]).toBe(5);
    expect(norms[1] / 5e-170).toBeCloseTo(1, 12);
    expect(norms[2]).toBe(0);
  });

  it.each([
    ["WebAssembly", true],
    ["TypeScript", false],
  ])(
    "float32 (%s): each step's norm as float64 computes it, tiny and huge values, NaN and ∞",
    async (_name, wasm) => {
      const { normsOverTime } = await import("../src/model/grad-flow.js");
      const { setWasmPointwiseEnabled } = await import("../src/kernels/pointwise-wasm.js");
      const previous = setWasmPointwiseEnabled(wasm);
      try {
        const T = 5;
        const row = 3 * 7; // B = 3, H = 7: not a multiple of 4
        const grads = Float32Array.from(
          { length: (T + 1) * row },
          (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 9) - 4),
        );
        grads.fill(1e-40, 2 * row, 3 * row); // subnormal in float32: its square underflows there, not in float64
        grads.fill(3e38, 3 * row, 3 * row + 2);
        grads[4 * row + 5] = Number.NaN;
        grads[5 * row] = Number.POSITIVE_INFINITY;
        const norms = normsOverTime(grads, T, 3, 7);
        const exact = normsOverTime(Float64Array.from(grads), T, 3, 7);
        for (const t of [0, 1, 2, 3]) expect(Math.abs(norms[t] / exact[t] - 1)).toBeLessThan(1e-12);
        expect(norms[2]).toBeGreaterThan(0);
        expect(norms[4]).toBeNaN();
        expect(norms[5]).toBe(Number.POSITIVE_INFINITY);
      } finally {
        setWasmPointwiseEnabled(previous);
      }
    },
  );
});
