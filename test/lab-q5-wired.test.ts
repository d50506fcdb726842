import { describe, expect, it } from "vitest";
import { checkExhaustive, checkRandom } from "../lab/wired/check.js";
import { applyActivation, cloneWired, formatWired, runWired, wiredEquations } from "../lab/wired/net.js";
import {
  Q1_SEED,
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q1Network,
  q5aNetwork,
  q5bNetwork,
  q5bOutputInitial,
} from "../lab/wired/networks.js";
import { parseWired } from "../lab/wired/parse.js";
import { equations, equationTex, percent } from "../lab/wired/summary.js";
import {
  allSequences,
  definitionTargets,
  pairSequence,
  SEQUENCE_AND,
  SEQUENCE_EQUAL,
  taskTargets,
} from "../lab/wired/tasks.js";
import { ConfigError, Rng, ShapeError } from "../src/index.js";
import { activationNames, makeActivation } from "../src/kernels/index.js";

function problems(json: unknown): string[] {
  try {
    parseWired(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error instanceof ConfigError ? error.message.split("\n").slice(1) : [];
  }
  throw new Error("parseWired accepted it");
}

describe("parseWired(json)", () => {
  it("parseWired(JSON text of a seed network) gives the same network back", () => {
    const net = q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT);
    expect(parseWired(JSON.stringify(net))).toEqual(net);
  });
  it("parseWired reports one line per problem: shapes, unknown activation, non-finite numbers", () => {
    const seed = q5aNetwork(Q5A_SEED);
    const layer = {
      ...seed.layers[0],
      activation: "softsign",
      recurrentWeights: [[1, 2]],
      bias: [Number.NaN],
    };
    const net = { ...seed, layers: [layer], readout: { ...seed.readout, weights: [[1, 1]] } };
    expect(problems(net)).toEqual([
      `layers[0].activation: unknown activation "softsign" (use ${activationNames.join(", ")})`,
      "layers[0].recurrentWeights[0]: expected 1 entries, got 2",
      "layers[0].bias[0]: expected a finite number, got NaN",
      "readout.weights[0]: expected 1 entries, got 2",
    ]);
  });
  it("parseWired accepts every activation of the library's registry (activationNames)", () => {
    const seed = q5aNetwork(Q5A_SEED);
    expect(activationNames).toContain("step");
    for (const activation of activationNames)
      expect(parseWired({ ...seed, layers: [{ ...seed.layers[0], activation }] }).layers[0].activation).toBe(
        activation,
      );
  });
  it("parseWired checks that layer l reads layer l − 1 and that initial states have the layer's size", () => {
    const net = cloneWired(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT));
    net.layers[1].inputWeights = [[1, 1, 1]];
    net.layers[1].initial = [];
    const lines = problems(net);
    expect(lines).toContain("layers[1].initial: expected 1 entries, got 0");
    expect(lines).toContain("layers[1].inputWeights[0]: expected 2 entries, got 3");
    const zero = cloneWired(q5aNetwork(Q5A_SEED));
    zero.layers[0].size = 0;
    expect(problems(zero)).toContain("layers[0].size: expected a positive integer, got 0");
  });
  it("parseWired('not json') and parseWired({}) fail with a clear line", () => {
    expect(() => parseWired("{nope")).toThrow(/not valid JSON/);
    expect(problems({})).toEqual([
      "name: expected a non-empty string",
      "layers: expected a non-empty array of layers",
    ]);
  });
});

describe("formatWired, runWired and applyActivation", () => {
  it("formatWired prints the equations with the numbers", () => {
    const text = formatWired(q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"));
    expect(text).toContain("h_t = step(1·x_t + 1·h_{t-1} − 1.5)");
    expect(text).toContain("y_t = step(1·h_t − 0.5)");
    expect(text).toContain("h_0 = 1");
    expect(formatWired(q1Network(Q1_SEED))).toContain("h_t = 1·x_t − 1·h_{t-1}\ny_t = sigmoid(10·h_t)");
  });
  it("wiredEquations gives the unit lines, the initial states and the step note apart", () => {
    expect(wiredEquations(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT))).toEqual({
      units: [
        "h1_t = step(−1·m1_t − 1·m2_t + 0.5)",
        "h2_t = step(1·m1_t + 1·m2_t − 1.5)",
        "y_t = step(1·h1_t + 1·h2_t + 1·y_{t-1} − 1.5)",
      ],
      initial: "h1_0 = 0, h2_0 = 0, y_0 = 1",
      stepNote: "step(a) = 1 if a >= 0 else 0",
    });
    expect(wiredEquations(q1Network(Q1_SEED)).stepNote).toBeNull();
  });
  it("equations writes each unit and initial state as TeX, a unit's number joined to its time", () => {
    expect(equations(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT), true).split("; ")).toEqual([
      "$h_{1,t} = \\operatorname{step}(-1 \\cdot m_{1,t} - 1 \\cdot m_{2,t} + 0.5)$",
      "$h_{2,t} = \\operatorname{step}(1 \\cdot m_{1,t} + 1 \\cdot m_{2,t} - 1.5)$",
      "$y_t = \\operatorname{step}(1 \\cdot h_{1,t} + 1 \\cdot h_{2,t} + 1 \\cdot y_{t-1} - 1.5)$",
      "$h_{1,0} = 0$",
      "$h_{2,0} = 0$",
      "$y_0 = 1$",
    ]);
    expect(equationTex("y_t = sigmoid(10·h_t)")).toBe("$y_t = \\sigma(10 \\cdot h_t)$");
    expect(equationTex("h1_t = tanh(0.5·h2_{t-1})")).toBe("$h_{1,t} = \\tanh(0.5 \\cdot h_{2,t-1})$");
  });
  it("runWired returns h_0..h_T per layer and y_1..y_T", () => {
    const run = runWired(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT), pairSequence("00 11 01"));
    expect(run.states[0]).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(run.states[1]).toEqual([[1], [1], [1], [0]]);
    expect(run.outputs).toEqual([[1], [1], [0]]);
  });
  it("runWired(x_t of the wrong width) throws a ConfigError naming the step", () => {
    expect(() => runWired(q5aNetwork(Q5A_SEED), [[1], [1, 0]])).toThrow(/x_2 has 2 entries/);
  });
  it("applyActivation is the library's activation for every name; step(0) = 1, step(−1e-12) = 0", () => {
    for (const name of activationNames)
      for (const z of [-2, -0.5, 0, 0.5, 2])
        expect(applyActivation(name, z)).toBe(makeActivation(name).apply(z));
    expect(applyActivation("step", 0)).toBe(1);
    expect(applyActivation("step", -1e-12)).toBe(0);
  });
  it("cloneWired copies deeply: editing the copy leaves the original", () => {
    const net = q5aNetwork(Q5A_SEED);
    const copy = cloneWired(net);
    copy.layers[0].bias[0] = 7;
    expect(net.layers[0].bias[0]).toBe(-1.5);
  });
});

describe("networks", () => {
  it("q5bOutputInitial: y_0 = (c' − c)/r = 1 for the seed's numbers", () => {
    expect(q5bOutputInitial(Q5B_SEED_OUTPUT)).toBe(1);
  });
  it("q5bOutputInitial with r = 0 needs c' = c, else a ConfigError", () => {
    expect(q5bOutputInitial({ ...Q5B_SEED_OUTPUT, r: 0, cFirst: -1.5 })).toBe(0);
    expect(() => q5bOutputInitial({ ...Q5B_SEED_OUTPUT, r: 0 })).toThrow(ConfigError);
  });
});

describe("tasks and checks", () => {
  it("taskTargets (the automaton) equals the literal definition on every sequence of length 8", () => {
    for (const seq of allSequences(1, 8))
      expect(taskTargets(SEQUENCE_AND, seq)).toEqual(definitionTargets([[1]], seq));
    for (const seq of allSequences(2, 5))
      expect(taskTargets(SEQUENCE_EQUAL, seq)).toEqual(
        definitionTargets(
          [
            [0, 0],
            [1, 1],
          ],
          seq,
        ),
      );
  });
  it("pairSequence('00 11 01') gives one (m1, m2) pair per step", () => {
    expect(pairSequence("00 11 01")).toEqual([
      [0, 0],
      [1, 1],
      [0, 1],
    ]);
  });
  it("checkRandom on length-1000 sequences: the corrected Q5a makes no error, the seed's many", () => {
    const options = { length: 1000, perKeep: 5, keeps: [0.99, 0.999] };
    expect(checkRandom(q5aNetwork(Q5A_CORRECTED), SEQUENCE_AND, options, new Rng(1)).wrong).toBe(0);
    expect(checkRandom(q5aNetwork(Q5A_SEED), SEQUENCE_AND, options, new Rng(1)).wrong).toBeGreaterThan(100);
  });
  it("checkExhaustive(a one-input network, a two-input task) throws a ShapeError", () => {
    expect(() => checkExhaustive(q5aNetwork(Q5A_SEED), SEQUENCE_EQUAL, 3)).toThrow(ShapeError);
  });
  it("percent: 3 significant digits, 4 just under 100% so 99.96% does not read 100%", () => {
    expect(percent(0.00122)).toBe("0.122%");
    expect(percent(0.125)).toBe("12.5%");
    expect(percent(0.999)).toBe("99.9%");
    expect(percent(0.9996)).toBe("99.96%");
    expect(percent(1)).toBe("100%");
    expect(percent(0)).toBe("0%");
  });
});
