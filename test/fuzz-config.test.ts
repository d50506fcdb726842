import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { cellKinds } from "../src/cells/index.js";
import { ConfigError } from "../src/errors.js";
import { dropoutFields, type ModelConfig } from "../src/model/config.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import { MAX_SEED } from "../src/random.js";
import { parseRunConfig, type RunConfig } from "../src/train/run-config.js";
import { makeLrSchedule } from "../src/train/schedules.js";
import {
  anyValue,
  casesFor,
  expectOwnError,
  fuzzParameters,
  mutate,
  mutationOf,
  SlowestCase,
} from "./helpers/fuzz-cases.js";
import { trainSpec as trainSpecOf } from "./helpers/train-spec.js";

// The model config's and the run config's schemas (src/model/config-schema.ts, src/train/run-config.ts)
// on random JSON and on valid configs with one value replaced, deleted or added: each input gives a
// config that keeps the schema's promises (and reads back unchanged), or one ConfigError line, never
// a foreign error. 20,000 cases under npm test.

const TOTAL = 20_000;
const slowest = new SlowestCase();
afterAll(() => console.log(slowest.summary("fuzz-config")));

const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
const isProbability = (x: unknown) => x === undefined || (typeof x === "number" && x >= 0 && x < 1);

/** What an accepted model config promises, checked apart from the schema. */
function expectValidModel(c: ModelConfig): void {
  expect(cellKinds).toContain(c.cell);
  expect(isInt(c.hiddenSize, 1) && isInt(c.layers, 1) && isInt(c.outputSize, 0)).toBe(true);
  expect(c.skip === 0 || (c.cell === "rnn" && isInt(c.skip, 2))).toBe(true);
  expect(
    c.projSize === undefined || c.projSize === 0 || (c.cell === "lstm" && c.projSize < c.hiddenSize),
  ).toBe(true);
  for (const name of dropoutFields) expect(isProbability(c[name]), name).toBe(true);
  const sizes = c.input.kind === "dense" ? [c.input.size] : [c.input.vocabSize];
  if (c.input.kind === "embedding") sizes.push(c.input.embeddingSize);
  for (const n of sizes) expect(isInt(n, 1)).toBe(true);
}

/** What an accepted run config promises, checked apart from the schema. */
function expectValidRun(c: RunConfig): void {
  expect(isInt(c.seed, 0, MAX_SEED)).toBe(true);
  expect(isInt(c.seqLen, 1) && isInt(c.batch, 1) && isInt(c.evalEvery, 1) && isInt(c.valBatches, 1)).toBe(
    true,
  );
  expect(c.steps !== null || c.minutes !== null).toBe(true);
  expect(c.steps === null || isInt(c.steps, 1)).toBe(true);
  expect(c.minutes === null || (Number.isFinite(c.minutes) && c.minutes > 0)).toBe(true);
  expect(c.valFraction > 0 && c.valFraction < 1).toBe(true);
  expect(c.model.embedding === "onehot" || isInt(c.model.embedding, 1)).toBe(true);
  expect(Number.isFinite(c.optimizer.lr) && c.optimizer.lr >= 0).toBe(true);
  expect(c.clip === null || (c.clip.kind === "norm" ? c.clip.maxNorm > 0 : c.clip.value > 0)).toBe(true);
  makeLrSchedule(c.lrSchedule, c.optimizer.lr); // accepted together, so they build
}

/** JSON with every object's keys sorted, to compare values whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** `parse(json)` is a config that passes `expectValid` and reads back the same, or a ConfigError. */
function accepts<T>(parse: (json: unknown) => T, expectValid: (c: T) => void, json: unknown, label: string) {
  slowest.time(label, () => {
    let config: T;
    try {
      config = parse(json);
    } catch (error) {
      expectOwnError(error, label);
      expect(error, label).toBeInstanceOf(ConfigError);
      return;
    }
    expectValid(config);
    // As stored (JSON: -0 is written 0), it reads back the same.
    const stored = JSON.stringify(config);
    expect(canonical(parse(JSON.parse(stored))), label).toBe(canonical(JSON.parse(stored)));
  });
}

const models: unknown[] = [
  { cell: "lstm", hiddenSize: 4, input: { kind: "embedding", vocabSize: 7, embeddingSize: 3 } },
  {
    cell: "rnn",
    activation: "relu",
    skip: 2,
    hiddenSize: 3,
    layers: 2,
    input: { kind: "onehot", vocabSize: 5 },
  },
  {
    cell: "lstm",
    hiddenSize: 5,
    projSize: 2,
    bidirectional: true,
    zoneout: 0.1,
    cellZoneout: 0.2,
    init: { weights: "orthogonal", forgetBias: 1 },
    input: { kind: "dense", size: 3 },
    outputSize: 2,
    loss: "mse",
  },
  {
    cell: "gru",
    hiddenSize: 2,
    dropout: 0.5,
    layers: 3,
    dtype: "float64",
    input: { kind: "onehot", vocabSize: 3 },
  },
];

/** The default `rnnlab train --steps 10` spec, with other options through the real flags. */
const trainSpec = (args: string[]): RunConfig => trainSpecOf(["--steps", "10", ...args]);

const runs: unknown[] = [
  trainSpec([]),
  trainSpec([
    "--mode",
    "scheduled-sampling",
    "--schedule",
    "linear",
    "--k",
    "1",
    "--c",
    "0.01",
    "--seed",
    "7",
  ]),
  trainSpec(["--optimizer", "rmsprop", "--momentum", "0.5", "--centered", "--lr-schedule", "onecycle"]),
  trainSpec(["--cell", "rnn", "--activation", "step", "--straight-through", "--skip", "3", "--one-hot"]),
  trainSpec([
    "--optimizer",
    "sgd",
    "--lr-schedule",
    "multistep",
    "--lr-milestones",
    "2,5",
    "--clip-value",
    "0.5",
  ]),
  trainSpec([
    "--tokenizer",
    "word",
    "--max-vocab",
    "50",
    "--oracle",
    "3",
    "--dropout",
    "0.1",
    "--layers",
    "2",
  ]),
  trainSpec([
    "--lr-schedule",
    "cosine-restarts",
    "--restart-period",
    "3",
    "--no-clip",
    "--mode",
    "free-running",
  ]),
];

describe("the config schemas on random and mutated JSON: a valid config or one ConfigError line", () => {
  it("every base config used below is valid", () => {
    for (const model of models) expect(() => parseModelConfig(model)).not.toThrow();
    for (const run of runs) expect(parseRunConfig(run)).toEqual(run);
  });

  it("parseModelConfig of any JSON value", () => {
    const cases = casesFor(TOTAL, 0.15);
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.jsonValue({ maxDepth: 4 })), (json) =>
        accepts(parseModelConfig, expectValidModel, json, "random model JSON"),
      ),
      fuzzParameters(cases),
    );
  });

  it("parseModelConfig of a valid config with one value replaced, deleted or added", () => {
    const cases = casesFor(TOTAL, 0.25);
    const arbitrary = fc.oneof(...models.map((model) => fc.tuple(fc.constant(model), mutationOf(model))));
    fc.assert(
      fc.property(arbitrary, ([model, mutation]) =>
        accepts(
          parseModelConfig,
          expectValidModel,
          mutate(model, mutation),
          `model ${JSON.stringify(mutation)}`,
        ),
      ),
      fuzzParameters(cases),
    );
  });

  it("parseRunConfig of any JSON value", () => {
    const cases = casesFor(TOTAL, 0.15);
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.jsonValue({ maxDepth: 4 })), (json) =>
        accepts(parseRunConfig, expectValidRun, json, "random run JSON"),
      ),
      fuzzParameters(cases),
    );
  });

  it("parseRunConfig of a valid run config with one value replaced, deleted or added", () => {
    const cases = casesFor(TOTAL, 0.45);
    const arbitrary = fc.oneof(...runs.map((run) => fc.tuple(fc.constant(run), mutationOf(run))));
    fc.assert(
      fc.property(arbitrary, ([run, mutation]) =>
        accepts(parseRunConfig, expectValidRun, mutate(run, mutation), `run ${JSON.stringify(mutation)}`),
      ),
      fuzzParameters(cases),
    );
  });

  it("a run config's seed is refused outside 0..2^32 - 1, naming the field", () => {
    for (const seed of [-1, 2 ** 32, 2 ** 53, 0.5]) {
      expect(() => parseRunConfig({ ...(runs[0] as RunConfig), seed })).toThrow(
        new ConfigError(`train.seed: expected an integer from 0 to ${MAX_SEED}, got ${seed}`),
      );
    }
    expect(parseRunConfig({ ...(runs[0] as RunConfig), seed: MAX_SEED }).seed).toBe(MAX_SEED);
  });
});
