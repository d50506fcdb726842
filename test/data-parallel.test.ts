import { afterEach, describe, expect, it } from "vitest";
import { dataParallel } from "../node/index.js";
import { ConfigError, NumericError, ShapeError } from "../src/errors.js";
import { normsOverTime } from "../src/model/grad-flow.js";
import { type Batch, SequenceModel, type Targets } from "../src/model/sequence-model.js";
import { DataParallel, type SpawnShard } from "../src/parallel/data-parallel.js";
import { READY } from "../src/parallel/protocol.js";
import { Rng } from "../src/random.js";
import type { Buf } from "../src/tensor.js";
import { createOptimizer } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";

// DataParallel (src/parallel/) against the model on one thread: the same loss, parameter
// gradients and ‖dL/dh_t‖, in float64 up to the order of the sums, whatever the split of the rows
// (uneven, more threads than rows), with padding and masks, for every input kind and loss. The
// workers are the built dist/node/shard-worker.js (npm test builds first).

type Config = ConstructorParameters<typeof SequenceModel>[0];

const open: DataParallel[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

function parallel(model: SequenceModel, threads: number): DataParallel {
  const p = dataParallel(model, threads);
  open.push(p);
  return p;
}

function config(overrides: Partial<Config> = {}): Config {
  return {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 6,
    layers: 1,
    input: { kind: "embedding", vocabSize: 7, embeddingSize: 3 },
    outputSize: 7,
    loss: "cross-entropy",
    dtype: "float64",
    ...overrides,
  };
}

function tokenData(T: number, B: number, V: number, seed: number) {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
  const classes = Int32Array.from({ length: T * B }, () => rng.int(V));
  return { tokens, classes };
}

function expectClose(
  actual: Buf | Float64Array,
  expected: Buf | Float64Array,
  relative: number,
  what: string,
) {
  expect(actual.length, what).toBe(expected.length);
  let scale = 0;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst, what).toBeLessThanOrEqual(relative * Math.max(scale, 1e-300));
  expect(scale, `${what} is not all zero`).toBeGreaterThan(0);
}

/** Runs the batch on one thread and on `threads`, on twin models; compares everything. */
function compare(cfg: Config, batch: Batch, targets: Targets, threads: number, tolerance = 1e-12): void {
  const single = new SequenceModel(cfg, { seed: 5 });
  const twin = new SequenceModel(cfg, { seed: 5 });
  const expected = single.lossAndGrad(batch, targets);
  const H = single.config.hiddenSize;
  const expectedNorms = normsOverTime(expected.hiddenGrads[single.config.layers - 1], batch.T, batch.B, H);
  const p = parallel(twin, threads);
  for (let repeat = 0; repeat < 2; repeat++) {
    const got = p.lossAndGrad(batch, targets);
    expect(got.count).toBe(expected.count);
    expect(Math.abs(got.loss - expected.loss)).toBeLessThanOrEqual(tolerance * Math.abs(expected.loss));
    expectClose(twin.params.grad, single.params.grad, tolerance, "parameter gradients");
    expectClose(got.hiddenGradNorms, expectedNorms, tolerance, "‖dL/dh_t‖");
  }
}

describe("DataParallel.lossAndGrad equals lossAndGrad on one thread", () => {
  it.each([
    ["lstm", 2, 5],
    ["gru", 2, 4],
    ["rnn", 3, 7],
    ["lstm", 3, 9],
  ] as const)("%s, %i threads, B = %i (uneven shards)", (cell, threads, B) => {
    const T = 6;
    const { tokens, classes } = tokenData(T, B, 7, B);
    compare(config({ cell }), { T, B, tokens }, { classes }, threads);
  });

  it("two layers, one-hot input, padding (lengths) and a loss mask", () => {
    const T = 5;
    const B = 6;
    const { tokens, classes } = tokenData(T, B, 7, 11);
    const lengths = Int32Array.from([5, 2, 4, 5, 1, 3]);
    const mask = Uint8Array.from({ length: T * B }, (_, i) => (i % 4 === 1 ? 0 : 1));
    compare(
      config({ layers: 2, input: { kind: "onehot", vocabSize: 7 } }),
      { T, B, tokens, lengths },
      { classes, mask },
      2,
    );
  });

  it("dense inputs with mse and bce targets", () => {
    const T = 4;
    const B = 5;
    const rng = new Rng(3);
    const inputs = Float64Array.from({ length: T * B * 3 }, () => rng.normal());
    const values = Float64Array.from({ length: T * B * 2 }, () => rng.uniform());
    for (const loss of ["mse", "bce"] as const) {
      const cfg = config({ cell: "gru", input: { kind: "dense", size: 3 }, outputSize: 2, loss });
      compare(cfg, { T, B, inputs }, { values }, 2);
    }
  });

  it("more threads than rows: B = 1 runs on the calling thread", () => {
    const { tokens, classes } = tokenData(4, 1, 7, 2);
    compare(config(), { T: 4, B: 1, tokens }, { classes }, 3);
  });

  it("float32: within float32 rounding", () => {
    const T = 8;
    const B = 8;
    const { tokens, classes } = tokenData(T, B, 7, 9);
    compare(config({ dtype: "float32", hiddenSize: 16 }), { T, B, tokens }, { classes }, 2, 1e-5);
  });

  it("a trainer with threads takes the same steps as one without", () => {
    const train = tokenData(400, 1, 7, 4).tokens;
    const run = (threads: number) => {
      const model = new SequenceModel(config(), { seed: 1 });
      const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
      const trainer = new Trainer({
        model,
        optimizer,
        data: train,
        seqLen: 8,
        batch: 6,
        clip: { kind: "norm", maxNorm: 1, normType: 2 },
        parallel: threads > 1 ? parallel(model, threads) : null,
        seed: 7,
      });
      const losses = [0, 1, 2, 3].map(() => trainer.trainStep().loss);
      return { losses, params: model.params.data };
    };
    const one = run(1);
    const two = run(2);
    for (let i = 0; i < 4; i++) expect(Math.abs(two.losses[i] - one.losses[i])).toBeLessThan(1e-12);
    expectClose(two.params, one.params, 1e-12, "parameters after 4 steps");
  });
});

describe("errors", () => {
  it("a bad token in a worker's rows comes back as the same ShapeError, and the next step works", () => {
    const T = 3;
    const B = 4;
    const model = new SequenceModel(config(), { seed: 1 });
    const p = parallel(model, 2);
    const { tokens, classes } = tokenData(T, B, 7, 1);
    const bad = tokens.slice();
    bad[2 * B + 3] = 99; // row 3: the second shard's
    expect(() => p.lossAndGrad({ T, B, tokens: bad }, { classes })).toThrow(ShapeError);
    expect(() => p.lossAndGrad({ T, B, tokens: bad }, { classes })).toThrow(/token 99/);
    const ok = p.lossAndGrad({ T, B, tokens }, { classes });
    const single = new SequenceModel(config(), { seed: 1 }).lossAndGrad({ T, B, tokens }, { classes });
    expect(Math.abs(ok.loss - single.loss)).toBeLessThan(1e-12);
  });

  it("a diverged loss is a NumericError whichever shard sees it", () => {
    const model = new SequenceModel(config(), { seed: 1 });
    model.params.value("linear.bias").fill(Number.NaN);
    const p = parallel(model, 2);
    const { tokens, classes } = tokenData(3, 4, 7, 1);
    expect(() => p.lossAndGrad({ T: 3, B: 4, tokens }, { classes })).toThrow(NumericError);
  });

  it("wrong lengths, bad thread counts and use after close are clear errors", () => {
    const model = new SequenceModel(config(), { seed: 1 });
    expect(() => parallel(model, 0)).toThrow(ConfigError);
    expect(() => parallel(model, 1.5)).toThrow(/positive integer/);
    const p = parallel(model, 2);
    const { tokens, classes } = tokenData(3, 4, 7, 1);
    expect(() => p.lossAndGrad({ T: 3, B: 4, tokens: tokens.subarray(1) }, { classes })).toThrow(
      /tokens has 11 entries, expected 12/,
    );
    expect(() => p.lossAndGrad({ T: 3, B: 4, tokens }, { classes: classes.subarray(2) })).toThrow(ShapeError);
    p.close();
    p.close();
    expect(() => p.lossAndGrad({ T: 3, B: 4, tokens }, { classes })).toThrow(/after close/);
  });
});

describe("DataParallel.create(model, spawn, threads)", () => {
  /** A shard host that never computes: it sets READY after `delayMs`, or reports `failure`. */
  function fakeSpawn(delayMs: number, failure: string | null = null, started = { count: 0 }): SpawnShard {
    return () => {
      let control: Int32Array | null = null;
      return {
        post: (message) => {
          if (message.kind !== "init" || failure !== null) return;
          control = message.control;
          setTimeout(() => {
            started.count++;
            Atomics.store(control!, READY, 1);
          }, delayMs);
        },
        terminate: () => {},
        onError: (listener) => {
          if (failure !== null) setTimeout(() => listener(failure), delayMs);
        },
      };
    };
  }

  it("resolves once every thread has started, however slowly (no time limit)", async () => {
    const model = new SequenceModel(config(), { seed: 1 });
    const started = { count: 0 };
    const p = await DataParallel.create(model, fakeSpawn(300, null, started), 3);
    open.push(p);
    expect(started.count).toBe(2);
    expect(p.threads).toBe(3);
  });

  it("rejects with the host's one line when a thread fails to start", async () => {
    const model = new SequenceModel(config(), { seed: 1 });
    await expect(DataParallel.create(model, fakeSpawn(10, "could not load shard.js"), 2)).rejects.toThrow(
      /^thread 1 failed to start: could not load shard\.js$/,
    );
  });
});
