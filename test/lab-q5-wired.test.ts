import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { checkRandom } from "../src/lab/wired/check.js";
import { formatWired, parseWired, runWired, type WiredNet } from "../src/lab/wired/net.js";
import {
  Q1_SEED,
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q1Network,
  q5aNetwork,
  q5bNetwork,
} from "../src/lab/wired/networks.js";
import {
  allSequences,
  definitionTargets,
  SEQUENCE_AND,
  SEQUENCE_EQUAL,
  taskTargets,
} from "../src/lab/wired/tasks.js";
import { Rng } from "../src/random.js";

function problems(json: unknown): string[] {
  try {
    parseWired(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split("\n").slice(1);
  }
  throw new Error("parseWired accepted it");
}

describe("parseWired(json)", () => {
  it("parseWired(JSON text of a seed network) gives the same network back", () => {
    const net = q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT);
    expect(parseWired(JSON.stringify(net))).toEqual(net);
  });
  it("parseWired reports one line per problem: shapes, unknown activation, non-finite numbers", () => {
    const net = JSON.parse(JSON.stringify(q5aNetwork(Q5A_SEED))) as WiredNet;
    net.layers[0].activation = "softsign" as never;
    net.layers[0].recurrentWeights = [[1, 2]];
    net.layers[0].bias = [Number.NaN];
    net.readout!.weights = [[1, 1]];
    const lines = problems(net);
    expect(lines).toEqual([
      'layers[0].activation: unknown activation "softsign" (use identity, tanh, sigmoid, relu, step)',
      "layers[0].recurrentWeights[0]: expected 1 entries, got 2",
      "layers[0].bias[0]: expected a finite number, got NaN",
      "readout.weights[0]: expected 1 entries, got 2",
    ]);
  });
  it("parseWired checks that layer l reads layer l − 1 and that initial states have the layer's size", () => {
    const net = JSON.parse(JSON.stringify(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT))) as WiredNet;
    net.layers[1].inputWeights = [[1, 1, 1]];
    net.layers[1].initial = [];
    const lines = problems(net);
    expect(lines).toContain("layers[1].initial: expected 1 entries, got 0");
    expect(lines).toContain("layers[1].inputWeights[0]: expected 2 entries, got 3");
    const zero = JSON.parse(JSON.stringify(q5aNetwork(Q5A_SEED))) as WiredNet;
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

describe("formatWired and runWired", () => {
  it("formatWired prints the equations with the numbers", () => {
    const text = formatWired(q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"));
    expect(text).toContain("h_t = step(1·x_t + 1·h_{t-1} − 1.5)");
    expect(text).toContain("y_t = step(1·h_t − 0.5)");
    expect(text).toContain("h_0 = 1");
    expect(formatWired(q1Network(Q1_SEED))).toContain("h_t = 1·x_t − 1·h_{t-1}\ny_t = sigmoid(10·h_t)");
  });
  it("runWired returns h_0..h_T per layer and y_1..y_T", () => {
    const run = runWired(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT), [
      [0, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(run.states[0]).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(run.states[1]).toEqual([[1], [1], [1], [0]]);
    expect(run.outputs).toEqual([[1], [1], [0]]);
  });
});

describe("tasks", () => {
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
  it("checkRandom on length-1000 sequences: the corrected Q5a makes no error, the seed's many", () => {
    const options = { length: 1000, perKeep: 5, keeps: [0.99, 0.999] };
    expect(checkRandom(q5aNetwork(Q5A_CORRECTED), SEQUENCE_AND, options, new Rng(1)).wrong).toBe(0);
    expect(checkRandom(q5aNetwork(Q5A_SEED), SEQUENCE_AND, options, new Rng(1)).wrong).toBeGreaterThan(100);
  });
});
