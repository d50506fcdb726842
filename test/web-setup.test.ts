import { describe, expect, it } from "vitest";
import { initWeightSchemes } from "../src/model/config.js";
import { optimizerNames } from "../src/train/optim/config.js";
import { checkedRunConfig, resolveTrainingConfig } from "../src/worker/config.js";
import {
  defaults,
  impossibility,
  inits,
  optimizers,
  queryOf,
  type Setup,
  setupFromQuery,
  trainingConfig,
} from "../web/src/setup.js";

// The playground's setup (web/src/setup.ts) for the options it shares with `rnnlab train`: the
// optimizers, init, dropout, projection and top-p, through the URL and into the worker's config,
// which the worker checks as it checks any run's.

const text = "to be or not to be, that is the question. ".repeat(20);
const spec = (setup: Setup) => resolveTrainingConfig(trainingConfig(setup, text)).spec;

describe("the playground's setup", () => {
  it("offers every optimizer and init scheme of the library's registries", () => {
    expect([...optimizers].sort()).toEqual([...optimizerNames].sort());
    expect([...inits]).toEqual([...initWeightSchemes]);
  });

  it("keeps the new fields in the URL: a query gives the setup, and the setup gives the query back", () => {
    const query =
      "?layers=2&optimizer=adamw&amsgrad=true&init=orthogonal&initGain=2&dropout=0.25&projSize=16&topP=0.9";
    const { setup, problems } = setupFromQuery(query);
    expect(problems).toEqual([]);
    expect(setup).toMatchObject({
      optimizer: "adamw",
      amsgrad: true,
      init: "orthogonal",
      initGain: 2,
      dropout: 0.25,
      projSize: 16,
      topP: 0.9,
    });
    expect(queryOf(setup, "playground")).toBe(query);
  });

  it.each([
    ["dropout=1", "ignored ?dropout=1: expected a number in [0, 1)"],
    ["topP=0", "ignored ?topP=0: expected a number in (0, 1]"],
    ["optimizer=lbfgs", "ignored ?optimizer=lbfgs: expected one of adam, adamw, sgd, rmsprop, adagrad"],
    ["projSize=64", "a projection must be smaller than the hidden units (64); using projSize 0"],
    ["init=identity", "identity init (IRNN) needs the rnn cell with relu; using init default"],
  ])("?%s is refused with: %s", (query, problem) => {
    const { setup, problems } = setupFromQuery(`?${query}`);
    expect(problems).toEqual([problem]);
    expect(impossibility(setup)).toBeNull();
  });

  it("gives the worker a run config it accepts, with the options where rnnlab train puts them", () => {
    const setup: Setup = {
      ...defaults,
      layers: 2,
      optimizer: "adam",
      amsgrad: true,
      init: "xavier-uniform",
      initGain: 1.5,
      dropout: 0.3,
      projSize: 8,
    };
    const run = spec(setup);
    expect(run.model).toMatchObject({
      init: { weights: "xavier-uniform", gain: 1.5 },
      projSize: 8,
      dropout: 0.3,
      outputDropout: 0.3,
    });
    expect(run.optimizer).toMatchObject({ name: "adam", amsgrad: true });
    // One layer: the rate goes to the readout only (dropout between layers has none to act on).
    expect(spec({ ...setup, layers: 1 }).model).not.toHaveProperty("dropout");
    // A projection is the LSTM's: another cell leaves it out, as it leaves out the hidden field.
    expect(spec({ ...setup, cell: "gru" }).model).not.toHaveProperty("projSize");
    expect(spec(defaults).model).not.toHaveProperty("init");
    expect(spec(defaults).model).not.toHaveProperty("outputDropout");
  });

  it.each(["rmsprop", "adagrad", "sgd", "adamw"] as const)(
    "optimizer %s reaches the worker's config",
    (name) => {
      const run = spec({ ...defaults, optimizer: name, amsgrad: true });
      expect(run.optimizer.name).toBe(name);
      // AMSGrad is Adam's and AdamW's: the others leave the box out.
      if (name === "adamw") expect(run.optimizer).toHaveProperty("amsgrad", true);
      else expect(run.optimizer).not.toHaveProperty("amsgrad");
      expect(() => checkedRunConfig({ ...run })).not.toThrow();
    },
  );
});
