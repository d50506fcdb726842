import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../src/io/safetensors.js";
import { readReportData } from "../src/report/page.js";
import { rnnlab } from "./helpers/cli.js";

// `rnnlab train --task classify|tag|forecast` end to end through the built command (train → eval →
// predict on small fixtures), and every bad input of issue 13's list: one line naming the file and
// line (or the flag) and the fix, exit 2, nothing written in --out.

const fixtures = resolve("test/fixtures/tasks");
const fixture = (name: string) => join(fixtures, name);
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-task-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface TrainJson {
  task: string;
  steps: number;
  metrics: Record<string, number>;
  baselines: Record<string, Record<string, number>>;
  confusion?: { labels: string[]; counts: number[][] };
  checkpoint: string;
  report: string;
  headline: { value: number; baseline: number; beats: boolean };
}

/** Trains a task run into a fresh folder; returns the folder and the --json line. */
function train(name: string, args: string[]): { out: string; result: TrainJson; stdout: string } {
  const out = join(scratch, name);
  const r = rnnlab(["train", ...args, "--out", out, "--json"]);
  expect(r.stderr).not.toMatch(/rnnlab: /);
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split("\n");
  return { out, result: JSON.parse(lines[lines.length - 1]) as TrainJson, stdout: r.stdout };
}

function checkpointMetadata(out: string): Record<string, string> {
  return decodeSafetensors(readFileSync(join(out, "checkpoint.safetensors"))).metadata;
}

function evalJson(out: string, extra: string[] = []): TrainJson {
  const r = rnnlab(["eval", out, "--json", ...extra]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as TrainJson;
}

describe("rnnlab train --task, eval, predict", () => {
  it("classify: text sequences, accuracy, macro-F1 and the confusion matrix", () => {
    const { out, result, stdout } = train("classify", [
      "--task",
      "classify",
      "--data",
      fixture("classify.jsonl"),
      "--epochs",
      "15",
      "--hidden",
      "16",
    ]);
    expect(stdout).toMatch(/accuracy [\d.]+, macro-F1 [\d.]+/);
    expect(stdout).toMatch(/baseline \(majority class\): accuracy/);
    expect(result.metrics.accuracy).toBeGreaterThan(result.baselines.majority.accuracy);
    expect(result.confusion?.labels).toEqual(["question", "statement"]);
    const meta = checkpointMetadata(out);
    expect(meta.format).toBe("rnnlab-task-checkpoint");
    const state = JSON.parse(meta.state) as { task: string; labels: string[]; tokenizer: { kind: string } };
    expect(state.task).toBe("classify");
    expect(state.labels).toEqual(["question", "statement"]);
    expect(state.tokenizer.kind).toBe("char");
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const text of ["Confusion matrix", "macroF1", "majority", "actual \\ predicted"])
      expect(html).toContain(text);
    // eval rebuilds the run's validation split from the stored fraction and seed: the same scores.
    const again = evalJson(out);
    expect(again.metrics.accuracy).toBe(result.metrics.accuracy);
    expect(again.metrics.macroF1).toBe(result.metrics.macroF1);
    const unlabelled = join(scratch, "unlabelled.jsonl");
    writeFileSync(unlabelled, '{"text": "big dog?"}\n{"text": "red sun."}\n');
    const p = rnnlab(["predict", out, "--data", unlabelled, "--json"]);
    expect(p.status).toBe(0);
    const predictions = (
      JSON.parse(p.stdout) as { predictions: { label: string; probabilities: Record<string, number> }[] }
    ).predictions;
    expect(predictions).toHaveLength(2);
    for (const prediction of predictions) {
      const total = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 6);
      expect(["question", "statement"]).toContain(prediction.label);
    }
    const plain = rnnlab(["predict", out, "--data", unlabelled]);
    expect(plain.stdout.trim().split("\n")).toEqual(predictions.map((q) => q.label));
  });

  it("tag: per-token accuracy, and the tags of each line", () => {
    const { out, result } = train("tag", [
      "--task",
      "tag",
      "--data",
      fixture("tag.jsonl"),
      "--epochs",
      "10",
      "--hidden",
      "8",
      "--embedding",
      "4",
    ]);
    expect(result.metrics.accuracy).toBeGreaterThan(0.5);
    expect(result.baselines["most frequent tag per token"].accuracy).toBeGreaterThan(0);
    const state = JSON.parse(checkpointMetadata(out).state) as {
      task: string;
      tags: string[];
      vocab: string[];
    };
    expect(state.task).toBe("tag");
    expect(state.tags).toEqual(["A", "N"]);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("most frequent tag per token");
    const scored = evalJson(out, ["--data", fixture("tag.jsonl")]);
    expect(scored.metrics.accuracy).toBeGreaterThan(0.5);
    const lines = readFileSync(fixture("tag.jsonl"), "utf8").trim().split("\n").slice(0, 4);
    const file = join(scratch, "tag4.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const p = rnnlab(["predict", out, "--data", file]);
    expect(p.status).toBe(0);
    const tags = p.stdout.trim().split("\n");
    expect(tags).toHaveLength(4);
    lines.forEach((line, i) => {
      const tokens = (JSON.parse(line) as { tokens: string[] }).tokens;
      expect(tags[i].split(" ")).toHaveLength(tokens.length);
    });
  });

  it("tag: bidirectional unless --no-bidirectional, which trains one direction", () => {
    const flags = ["--task", "tag", "--data", fixture("tag.jsonl"), "--epochs", "1", "--hidden", "8"];
    const bidirectionalOf = (out: string) =>
      (JSON.parse(checkpointMetadata(out).state) as { model: { bidirectional: boolean } }).model
        .bidirectional;
    expect(bidirectionalOf(train("tag-default", flags).out)).toBe(true);
    expect(bidirectionalOf(train("tag-one-way", [...flags, "--no-bidirectional"]).out)).toBe(false);
  });

  it("forecast: MAE, RMSE, both MASEs, the figure, and values fed back", () => {
    const { out, result, stdout } = train("forecast", [
      "--task",
      "forecast",
      "--data",
      fixture("forecast.csv"),
      "--target",
      "y",
      "--window",
      "12",
      "--horizon",
      "3",
      "--season",
      "12",
      "--epochs",
      "10",
      "--hidden",
      "8",
    ]);
    expect(stdout).toMatch(/MASE against the naive forecast \(MAE \/ naive MAE, same points\) [\d.]+/);
    expect(stdout).toMatch(/Hyndman's MASE/);
    expect(result.headline.value).toBeCloseTo(result.metrics.mae / result.baselines.naive.mae, 12);
    expect(result.headline.beats).toBe(result.headline.value < 1);
    expect(Object.keys(result.baselines)).toEqual(["naive", "seasonal naive"]);
    const state = JSON.parse(checkpointMetadata(out).state) as {
      columns: string[];
      normalisation: { mean: number[]; std: number[] };
      horizon: number;
    };
    expect(state.columns).toEqual(["y"]);
    expect(state.horizon).toBe(3);
    expect(state.normalisation.mean[0]).toBeGreaterThan(15);
    const figures = readReportData(readFileSync(join(out, "report.html"), "utf8")).figures;
    expect(figures.forecast.kind).toBe("line");
    const again = evalJson(out);
    expect(again.metrics.mae).toBe(result.metrics.mae);
    const p = rnnlab(["predict", out, "--data", fixture("forecast.csv"), "--steps", "5", "--json"]);
    expect(p.status).toBe(0);
    const next = (JSON.parse(p.stdout) as { forecast: number[] }).forecast;
    expect(next).toHaveLength(5);
    for (const v of next) expect(v).toBeGreaterThan(0);
    const byHorizon = rnnlab(["predict", out, "--data", fixture("forecast.csv")]);
    expect(byHorizon.stdout.trim().split("\n")).toHaveLength(3);
    expect(rnnlab(["sample", out]).stderr).toMatch(
      /holds a forecast run .*use rnnlab eval or rnnlab predict/,
    );
  });

  it("predict on a language model says to use rnnlab sample", () => {
    const text = join(scratch, "text.txt");
    writeFileSync(text, "the cat sat on the mat. ".repeat(40));
    const out = join(scratch, "lm");
    const args = ["--data", text, "--steps", "2", "--hidden", "8", "--embedding", "4", "--seq-len", "8"];
    const trained = rnnlab(["train", ...args, "--batch", "4", "--sample-length", "4", "--out", out]);
    expect(trained.status).toBe(0);
    const r = rnnlab(["predict", out, "--data", text]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a task run: for a language model, use rnnlab sample/);
  });
});

/** One line, exit 2, matching `message`, and no --out folder. */
function refused(name: string, args: string[], message: RegExp): void {
  const out = join(scratch, `bad-${name}`);
  const r = rnnlab(["train", ...args, "--out", out]);
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(existsSync(out)).toBe(false);
}

describe("rnnlab train --task: bad input", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "unseen-label",
      ["--task", "classify", "--data", fixture("classify-unseen.jsonl"), "--seed", "2"],
      /classify-unseen\.jsonl line 81: label "exclamation" never appears in the training data .*; drop the line or add/,
    ],
    [
      "ragged",
      ["--task", "classify", "--data", fixture("classify-ragged.jsonl")],
      /classify-ragged\.jsonl line 2: .*give every step the same number of features/,
    ],
    [
      "missing-value",
      ["--task", "forecast", "--data", fixture("forecast-missing.csv"), "--target", "y"],
      /forecast-missing\.csv line 19: column "y" is empty; fill in the value/,
    ],
    [
      "not-a-number",
      ["--task", "forecast", "--data", fixture("forecast-text.csv"), "--target", "y"],
      /forecast-text\.csv line 25: column "y" holds "n\/a", not a number/,
    ],
    [
      "horizon",
      ["--task", "forecast", "--data", fixture("forecast.csv"), "--target", "y", "--horizon", "500"],
      /forecast\.csv: the series has 120 rows, but window 24 \+ horizon 500 .*lower --window or --horizon/,
    ],
    [
      "window",
      ["--task", "forecast", "--data", fixture("forecast.csv"), "--target", "y", "--window", "500"],
      /forecast\.csv: the series has 120 rows, but window 500 \+ horizon 1/,
    ],
    [
      "tags-tokens",
      ["--task", "tag", "--data", fixture("tag-mismatch.jsonl")],
      /tag-mismatch\.jsonl line 3: 3 tokens but 2 tags; give one tag per token/,
    ],
    [
      "tokens-to-forecast",
      ["--task", "forecast", "--tokens", "word"],
      /--tokens is an option of --task classify, not of --task forecast/,
    ],
    [
      "target-to-classify",
      ["--task", "classify", "--target", "y"],
      /--target is an option of --task forecast, not of --task classify/,
    ],
    [
      "season-to-tag",
      ["--task", "tag", "--season", "3"],
      /--season is an option of --task forecast, not of --task tag/,
    ],
    [
      "window-to-lm",
      ["--window", "3"],
      /--window is an option of --task forecast, not of the language model/,
    ],
    ["epochs-to-lm", ["--epochs", "3"], /--epochs is an option of --task classify\|tag\|forecast/],
    [
      "seq-len-to-task",
      ["--task", "tag", "--seq-len", "8"],
      /--seq-len is an option of the language model .*not of --task tag/,
    ],
    [
      "conflicting-flags",
      ["--task", "classify", "--no-clip", "--clip-norm", "1"],
      /--clip-norm does nothing with --no-clip/,
    ],
    [
      "divergence-to-task",
      ["--task", "classify", "--divergence-factor", "3"],
      /--divergence-factor is an option of the language model .*not of --task classify/,
    ],
    [
      "bidirectional-forecast",
      ["--task", "forecast", "--bidirectional"],
      /--bidirectional: a forecast model reads the past only/,
    ],
    ["bidirectional-lm", ["--bidirectional"], /--bidirectional: a language model cannot be bidirectional/],
    [
      "plateau-alone",
      ["--task", "classify", "--plateau-factor", "0.3"],
      /--plateau-factor tunes --reduce-on-plateau/,
    ],
    [
      "no-file",
      ["--task", "tag", "--data", join(fixtures, "nope.jsonl")],
      /cannot read --data .*nope\.jsonl': no such file/,
    ],
  ];
  it.each(cases)("%s: one line, exit 2, nothing written", (name, args, message) => {
    refused(name, args, message);
  });

  it("a task checkpoint with one flipped bit is refused by eval and predict, naming the tensor", () => {
    const args = ["--task", "forecast", "--data", fixture("forecast.csv"), "--target", "y"];
    const { out } = train("flipped", [...args, "--epochs", "1", "--hidden", "8"]);
    const path = join(out, "checkpoint.safetensors");
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] ^= 0x10;
    writeFileSync(path, bytes);
    for (const command of [
      ["eval", out],
      ["predict", out, "--data", fixture("forecast.csv")],
    ]) {
      const r = rnnlab(command);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/checksum mismatch in tensor '[\w.]+'/);
    }
  });

  it("a folder another live run holds is refused, even with --force, and its lock is left alone", () => {
    const out = join(scratch, "locked");
    mkdirSync(out, { recursive: true });
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "now", token: "t" });
    writeFileSync(join(out, ".lock"), lock);
    const r = rnnlab([
      "train",
      "--task",
      "forecast",
      "--data",
      fixture("forecast.csv"),
      "--target",
      "y",
      "--out",
      out,
      "--force",
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`in use by another run: pid ${process.pid}`));
    expect(readFileSync(join(out, ".lock"), "utf8")).toBe(lock);
    expect(readdirSync(out)).toEqual([".lock"]);
  });
});
