import { describe, expect, it } from "vitest";
import { fit as runFit } from "../src/fit/fit.js";
import { forecast } from "../src/fit/forecast.js";
import { fitTaskNames, fitTasks } from "../src/fit/tasks.js";
import { Rng } from "../src/random.js";

// Each task learns a small synthetic problem, start to end as the CLI runs it (parse → split →
// learner → fit → evaluate), better than its baseline; and its state round-trips through JSON.

function signOfSum(n: number, rng: Rng): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 3 + rng.int(6) }, () => [Number(rng.normal().toFixed(3))]);
    const sum = x.reduce((s, [v]) => s + v, 0);
    lines.push(JSON.stringify({ x, label: sum > 0 ? "pos" : "neg" }));
  }
  return lines.join("\n");
}

/** Tag X when the previous token is a or b, else Y: no per-token rule gets it. */
function previousTokenTags(n: number, rng: Rng): string {
  const words = ["a", "b", "c", "d"];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const tokens = Array.from({ length: 4 + rng.int(5) }, () => words[rng.int(4)]);
    const tags = tokens.map((_, t) =>
      t > 0 && (tokens[t - 1] === "a" || tokens[t - 1] === "b") ? "X" : "Y",
    );
    lines.push(JSON.stringify({ tokens, tags }));
  }
  return lines.join("\n");
}

function noisySine(n: number, rng: Rng): string {
  const rows = ["t,y"];
  for (let t = 0; t < n; t++)
    rows.push(`${t},${(Math.sin((2 * Math.PI * t) / 20) + 0.1 * rng.normal()).toFixed(4)}`);
  return rows.join("\n");
}

describe("fit tasks learn a small problem better than their baseline", () => {
  it("lists the tasks", () => {
    expect(fitTaskNames).toEqual(["classify", "tag", "forecast"]);
  });

  it("classify: the sign of a sequence's sum (numeric x)", () => {
    const task = fitTasks.classify;
    const data = task.parse(signOfSum(500, new Rng(1)), "sums.jsonl");
    const { train, validation } = task.split(data, 0.2, new Rng(2));
    const learner = task.createLearner(train, { cell: "gru", hiddenSize: 8 }, { seed: 3 });
    const result = runFit(learner, task.examples(learner, train), {
      validation: task.examples(learner, validation),
      optimizer: { name: "adam", lr: 0.02 },
      epochs: 12,
      batchSize: 32,
      seed: 4,
    });
    const report = task.evaluate(learner, validation);
    expect(report.metrics.accuracy).toBeGreaterThan(0.85);
    expect(report.metrics.accuracy).toBeGreaterThan(report.baselines.majority.accuracy + 0.2);
    expect(report.metrics.accuracy).toBe(result.best?.metrics.accuracy);
    const counts = report.confusion?.counts.flat() ?? [];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(validation.examples.length);
    const restored = task.fromJSON(JSON.parse(JSON.stringify(task.toJSON(learner))));
    restored.params.data.set(learner.params.data);
    expect(task.predict(restored, validation)).toEqual(task.predict(learner, validation));
  });

  it("classify: text by characters, bidirectional", () => {
    const task = fitTasks.classify;
    const rng = new Rng(5);
    const lines = Array.from({ length: 300 }, () => {
      const text = Array.from({ length: 2 + rng.int(6) }, () => "abcde"[rng.int(5)]).join("");
      return JSON.stringify({ text, label: text.includes("e") ? "has e" : "no e" });
    });
    const data = task.parse(lines.join("\n"), "letters.jsonl", { tokens: "char" });
    const { train, validation } = task.split(data, 0.2, new Rng(6));
    const learner = task.createLearner(
      train,
      { cell: "gru", hiddenSize: 8, embeddingSize: 4, bidirectional: true },
      { seed: 7 },
    );
    runFit(learner, task.examples(learner, train), {
      validation: task.examples(learner, validation),
      optimizer: { name: "adam", lr: 0.02 },
      epochs: 10,
      seed: 8,
    });
    const report = task.evaluate(learner, validation);
    expect(report.metrics.accuracy).toBeGreaterThan(Math.max(0.9, report.baselines.majority.accuracy + 0.1));
    expect(
      task.predict(learner, task.parse('{"text": "eee"}\n{"text": "abc"}', "new.jsonl")).map((p) => p.label),
    ).toEqual(["has e", "no e"]);
  });

  it("tag: a tag that depends on the previous token", () => {
    const task = fitTasks.tag;
    const data = task.parse(previousTokenTags(400, new Rng(11)), "tags.jsonl");
    const { train, validation } = task.split(data, 0.2, new Rng(12));
    const learner = task.createLearner(
      train,
      { cell: "gru", hiddenSize: 8, embeddingSize: 4, outputDropout: 0.1 },
      { seed: 13 },
    );
    runFit(learner, task.examples(learner, train), {
      validation: task.examples(learner, validation),
      optimizer: { name: "adam", lr: 0.03 },
      epochs: 8,
      seed: 14,
    });
    const report = task.evaluate(learner, validation);
    const baseline = report.baselines["most frequent tag per token"].accuracy;
    expect(report.metrics.accuracy).toBeGreaterThan(0.95);
    expect(baseline).toBeLessThan(0.8);
    expect(learner.model.training).toBe(false);
    expect(task.evaluate(learner, validation)).toEqual(report);
    const [tags] = task.predict(learner, task.parse('{"tokens": ["a", "c", "zzz", "b", "d"]}', "new.jsonl"));
    expect(tags).toEqual(["Y", "X", "Y", "Y", "X"]);
  });

  it("forecast: a noisy sine, MASE < 1 and better than the naive forecast", () => {
    const task = fitTasks.forecast;
    const data = task.parse(noisySine(400, new Rng(21)), "sine.csv", {
      target: "y",
      window: 20,
      horizon: 3,
      season: 20,
    });
    const { train, validation } = task.split(data, 0.2, new Rng(0));
    const learner = task.createLearner(train, { cell: "gru", hiddenSize: 16 }, { seed: 22 });
    runFit(learner, task.examples(learner, train), {
      validation: task.examples(learner, validation),
      optimizer: { name: "adam", lr: 0.01 },
      epochs: 15,
      batchSize: 16,
      seed: 23,
    });
    const report = task.evaluate(learner, validation);
    expect(report.metrics.mase).toBeLessThan(1);
    expect(report.metrics.mae).toBeLessThan(report.baselines.naive.mae);
    expect(report.metrics.rmse).toBeLessThan(report.baselines.naive.rmse);
    expect(report.baselines["seasonal naive"].mae).toBeGreaterThan(0);
    const next = task.predict(learner, data);
    expect(next).toHaveLength(3);
    const history = data.rows.slice(-20);
    expect(forecast(learner, history, 3)).toEqual(next);
    // t = 400, 401, 402: sin(2πt/20) = 0, 0.31, 0.59
    expect(Math.abs(next[0] - 0)).toBeLessThan(0.25);
    expect(Math.abs(next[2] - 0.588)).toBeLessThan(0.3);
  });

  it("forecast with a feature column needs its future values, or says it cannot", () => {
    const task = fitTasks.forecast;
    const data = task.parse(noisySine(120, new Rng(31)), "sine.csv", {
      target: "y",
      features: ["t"],
      window: 10,
      horizon: 3,
    });
    const { train, validation } = task.split(data, 0.2, new Rng(0));
    const learner = task.createLearner(train, { cell: "lstm", hiddenSize: 4 }, { seed: 32 });
    runFit(learner, task.examples(learner, train), { epochs: 1, seed: 33 });
    const history = data.rows.slice(-10);
    expect(() => forecast(learner, history, 3)).toThrow(
      "forecast: this model also reads t, so 3 steps need their values at the next 2 steps (got 0 rows); give them, or train on the target alone",
    );
    expect(forecast(learner, history, 1)).toHaveLength(1);
    const ahead = forecast(learner, history, 3, [[120], [121]]);
    expect(ahead.every(Number.isFinite)).toBe(true);
    expect(forecast(learner, history, 3, [[120], [500]])[2]).not.toBe(ahead[2]);
    expect(Object.keys(task.evaluate(learner, validation).metrics)).toEqual(["loss", "mae", "rmse", "mase"]);
    expect(() => task.createLearner(train, { cell: "gru", hiddenSize: 4, bidirectional: true })).toThrow(
      /drop bidirectional/,
    );
  });
});
