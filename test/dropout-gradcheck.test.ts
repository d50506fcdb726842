import { describe, expect, it } from "vitest";
import type { InputConfig, ModelOptions, RegularizationConfig } from "../src/model/config.js";
import { type Batch, SequenceModel, type Targets } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { maxAbsOf, numericGradient, randomBuffer, relativeError } from "./helpers/gradcheck.js";

// Float64 finite differences of the loss with each kind of dropout on, the masks held fixed across
// the perturbed forwards (the same seed and pass draw the same masks): every parameter, and the
// input of a dense model, for rnn / gru / lstm, stacked, bidirectional, padded, skip and projection.

const T = 4;
const B = 3;
const V = 5;
const H = 3;
const PASS = 7;
// A step of 1e-5 keeps round-off (~1e-16/ε) well under 1e-6 of the small input gradients.
const EPS = 1e-5;

type Cell = "rnn" | "gru" | "lstm";
type Shape = {
  layers?: number;
  bidirectional?: boolean;
  skip?: number;
  projSize?: number;
  lengths?: boolean;
};

const kinds: [string, RegularizationConfig][] = [
  ["dropout", { dropout: 0.4 }],
  ["outputDropout", { outputDropout: 0.4 }],
  ["inputDropout", { inputDropout: 0.4 }],
  ["recurrentDropout", { recurrentDropout: 0.4 }],
  ["zoneout", { zoneout: 0.4 }],
  [
    "all at once",
    { dropout: 0.3, outputDropout: 0.3, inputDropout: 0.3, recurrentDropout: 0.3, zoneout: 0.3 },
  ],
];

function setup(cell: Cell, rates: RegularizationConfig, shape: Shape, input: InputConfig) {
  const options: ModelOptions = {
    cell,
    hiddenSize: H,
    layers: shape.layers ?? 2,
    bidirectional: shape.bidirectional,
    skip: shape.skip ?? 0,
    projSize: shape.projSize,
    input,
    outputSize: V,
    dtype: "float64",
    ...rates,
  };
  const model = new SequenceModel(options, { seed: 5 });
  const rng = new Rng(13);
  const batch: Batch = { T, B, lengths: shape.lengths ? Int32Array.from([T, 2, 3]) : null };
  if (input.kind === "dense") batch.inputs = randomBuffer(T * B * input.size, () => rng.normal());
  else batch.tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
  const targets: Targets = { classes: Int32Array.from({ length: T * B }, () => rng.int(V)) };
  const loss = () => {
    model.masks.pass = PASS;
    model.forward(batch);
    return model.loss(targets).loss;
  };
  return { model, batch, targets, loss };
}

/** Checks every parameter (and a dense input) against central differences at fixed masks. */
function check(cell: Cell, rates: RegularizationConfig, shape: Shape, input: InputConfig): void {
  const { model, batch, targets, loss } = setup(cell, rates, shape, input);
  model.params.zeroGrad();
  model.masks.pass = PASS;
  model.forward(batch);
  const result = model.backward(targets);
  const analytic = model.params.grad.slice();
  const inputGrad = result.inputGrad?.slice();
  expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
  expect(relativeError(analytic, numericGradient(loss, model.params.data, EPS))).toBeLessThan(1e-6);
  if (batch.inputs) {
    expect(relativeError(inputGrad!, numericGradient(loss, batch.inputs, EPS))).toBeLessThan(1e-6);
  }
  // The masks did something: evaluation mode gives another loss.
  const trained = loss();
  model.eval();
  expect(Math.abs(loss() - trained)).toBeGreaterThan(1e-6);
}

const dense: InputConfig = { kind: "dense", size: 2 };
const embedding: InputConfig = { kind: "embedding", vocabSize: V, embeddingSize: 2 };

describe("dropout, variational dropout and zoneout: gradients at fixed masks", () => {
  for (const cell of ["rnn", "gru", "lstm"] as const) {
    it.each(kinds)(`${cell}, 2 layers, dense input, %s`, (_, rates) => check(cell, rates, {}, dense));
    it.each(kinds)(`${cell}, bidirectional, padded rows, %s`, (_, rates) =>
      check(cell, rates, { bidirectional: true, lengths: true }, dense),
    );
  }

  it.each(kinds)("embedding input (x materialised for input dropout), lstm, %s", (_, rates) =>
    check("lstm", rates, { lengths: true }, embedding),
  );

  it.each(kinds)("rnn with a skip connection, padded rows, %s", (_, rates) =>
    check("rnn", rates, { skip: 2, lengths: true }, dense),
  );

  it.each([
    ["cellZoneout", { cellZoneout: 0.4 }],
    ["zoneout and cellZoneout", { zoneout: 0.4, cellZoneout: 0.4 }],
    [
      "everything",
      { dropout: 0.3, inputDropout: 0.3, recurrentDropout: 0.3, zoneout: 0.3, cellZoneout: 0.3 },
    ],
  ] as [string, RegularizationConfig][])("lstm %s: plain, bidirectional, padded, projected", (_, rates) => {
    check("lstm", rates, { layers: 1 }, dense);
    check("lstm", rates, { bidirectional: true, lengths: true }, dense);
    check("lstm", rates, { projSize: 2, lengths: true }, dense);
  });

  it.each(kinds)("lstm with a projection (projSize 2), padded rows, %s", (_, rates) =>
    check("lstm", rates, { projSize: 2, lengths: true }, dense),
  );
});
