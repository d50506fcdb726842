import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import * as train from "../cli/commands/train.js";
import { DEFAULT_MINUTES, specFromOptions, type TrainOptions } from "../cli/train/spec.js";
import { decodeCheckpoint } from "../src/io/checkpoint.js";
import { resolveTrainingConfig, runDefaults } from "../src/worker/config.js";
import { TrainingSession } from "../src/worker/session.js";
import { rnnlab as cli } from "./helpers/cli.js";

// rnnlab/worker's config and run in Node: the same defaults as `rnnlab train`, the same checks, and
// the same steps (the browser tests check that Chromium gives these too).

const noThreads = { spawn: null, maxThreads: 1, unavailable: null };
const text = readFileSync("data/tinyshakespeare.txt", "utf8");
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-worker-session-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The options commander gives `rnnlab train` when no flag is passed. */
function cliDefaults(): TrainOptions {
  const program = new Command();
  train.register(program);
  const command = program.commands.find((c) => c.name() === "train")!;
  const entries = command.options.map((option) => [option.attributeName(), option.defaultValue]);
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as TrainOptions;
}

describe("resolveTrainingConfig(config)", () => {
  it("fills in exactly rnnlab train's defaults", () => {
    const cliSpec = specFromOptions(cliDefaults());
    const { spec } = resolveTrainingConfig({ data: { text: "abc" }, minutes: DEFAULT_MINUTES });
    expect(spec).toEqual({ ...cliSpec, data: "inline" });
    expect(spec.model).toEqual(runDefaults.model);
  });

  it("with no steps or minutes, trains until stopped", () => {
    const { spec } = resolveTrainingConfig({ data: { text: "abc" } });
    expect(spec.steps).toBeNull();
    expect(spec.minutes).toBeNull();
  });

  it.each([
    [{ data: "some text" }, /^config\.data must be \{ text: string \} or \{ tokens/],
    [{ data: { text: "  " } }, /^config\.data\.text must be a non-empty string/],
    [{ data: { tokens: 5, vocabSize: 3 } }, /^config\.data must be/],
    [
      { data: { text: "abc" }, model: { hiddenSize: -3 } },
      /^config\.model\.hiddenSize: expected a positive integer, got -3/,
    ],
    [{ data: { text: "abc" }, sead: 1 }, /^config: unknown key "sead"; remove it/],
    [
      { data: { text: "abc" }, feed: { kind: "bogus" } },
      /^config\.feed\.kind: expected one of teacher-forcing, .*got "bogus"/,
    ],
    [{ data: { text: "abc" }, evalEvery: 0 }, /^config\.evalEvery: expected a positive integer, got 0/],
  ])("refuses %j with one line", (config, message) => {
    expect(() => resolveTrainingConfig(config as never)).toThrow(message);
  });
});

describe("TrainingSession.create(config)", () => {
  it("takes the same steps as rnnlab train with the same options, and writes the same checkpoint", async () => {
    const out = join(scratch, "run");
    const flags = ["--steps", "6", "--hidden", "16", "--seq-len", "16", "--batch", "4", "--threads", "1"];
    const result = cli(["train", ...flags, "--cell", "gru", "--eval-every", "3", "--out", out, "--force"]);
    expect(result.status).toBe(0);
    const cliLosses = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"train"'))
      .map((line) => (JSON.parse(line) as { loss: number }).loss);
    const config = {
      data: { text },
      dataName: join(process.cwd(), "data/tinyshakespeare.txt"),
      model: { cell: "gru" as const, hiddenSize: 16 },
      ...{ seqLen: 16, batch: 4, steps: 6, evalEvery: 3 },
    };
    const session = await TrainingSession.create(config, { threads: 1 }, noThreads);
    const losses: number[] = [];
    while (!session.finished()) losses.push(session.step().loss);
    expect(losses).toEqual(cliLosses);
    const ours = decodeCheckpoint(session.checkpoint());
    const theirs = decodeCheckpoint(readFileSync(join(out, "checkpoint.safetensors")));
    expect(ours.extra).toEqual(theirs.extra);
    expect(ours.params).toEqual(theirs.params);
  });

  it("resumes a run on the thread count its checkpoint stores, and refuses another", async () => {
    const out = join(scratch, "threads");
    const flags = ["--steps", "2", "--hidden", "8", "--seq-len", "8", "--batch", "4", "--threads", "1"];
    expect(cli(["train", ...flags, "--out", out, "--force"]).status).toBe(0);
    const resume = readFileSync(join(out, "checkpoint.safetensors"));
    expect(decodeCheckpoint(resume).extra?.threads).toBe(1);
    const config = { data: { text }, model: { hiddenSize: 8 }, seqLen: 8, batch: 4, steps: 4 };
    await expect(TrainingSession.create(config, { threads: 2, resume }, noThreads)).rejects.toThrow(
      /^the checkpoint's run trains on 1 thread\(s\), .*: threads 2 would not continue it .*; give threads "auto" or 1$/,
    );
    const session = await TrainingSession.create(config, { threads: "auto", resume }, noThreads);
    expect(session.steps()).toBe(2);
    expect(session.info().threads).toBe(1);
  });

  it("trains on token ids, sampling ids with no text", async () => {
    const tokens = Array.from({ length: 400 }, (_, i) => (i * i) % 7);
    const config = {
      data: { tokens, vocabSize: 7 },
      model: { hiddenSize: 8 },
      seqLen: 8,
      batch: 4,
      steps: 2,
    };
    const session = await TrainingSession.create(config, {}, noThreads);
    expect(session.info()).toMatchObject({ vocabSize: 7, trainTokens: 360, valTokens: 40, threads: 1 });
    expect(Number.isFinite(session.step().loss)).toBe(true);
    const sample = session.sample(10, 1);
    expect(sample.text).toBeNull();
    expect([...sample.tokens].every((t) => t >= 0 && t < 7)).toBe(true);
    expect(decodeCheckpoint(session.checkpoint()).extra?.tokenizer).toBeUndefined();
  });

  it.each([
    [{ tokens: [0, 1, 9], vocabSize: 7 }, /^data\.tokens\[2\] is 9, not a token id in \[0, 7\)/],
    [{ tokens: [0, 1.5], vocabSize: 7 }, /^data\.tokens\[1\] is 1\.5/],
    [{ text: "too short" }, /^seqLen 128 is longer than the training part of the data \(8 tokens\)/],
  ])("refuses data %j with one line", async (data, message) => {
    await expect(TrainingSession.create({ data }, {}, noThreads)).rejects.toThrow(message);
  });

  it("on one thread where threads are unavailable, saying why", async () => {
    const unavailable = { spawn: null, maxThreads: 4, unavailable: "no threads here" };
    const config = { data: { text: text.slice(0, 5000) }, model: { hiddenSize: 8 }, seqLen: 8, batch: 32 };
    const session = await TrainingSession.create(config, { threads: "auto" }, unavailable);
    expect(session.info()).toMatchObject({ threads: 1, threadNote: "no threads here" });
  });
});

describe("TrainingSession.setOptions(options)", () => {
  const base = {
    data: { text: text.slice(0, 5000) },
    model: { hiddenSize: 8 },
    seqLen: 8,
    batch: 4,
    seed: 2,
  };

  it("clips and feeds as told from the next step on, and the checkpoint records it", async () => {
    const changed = await TrainingSession.create(base, {}, noThreads);
    const first = changed.step().gradNormClipped;
    expect(first).toBeLessThanOrEqual(1 + 1e-6);
    changed.setOptions({ clip: null });
    const after = changed.step();
    expect(after.gradNormClipped).toBe(after.gradNorm);
    changed.setOptions({ feed: { kind: "free-running", prefix: 2 } });
    expect(changed.step().groundTruthFraction).toBeLessThan(1);
    const stored = decodeCheckpoint(changed.checkpoint()).extra?.train as Record<string, unknown>;
    expect(stored.clip).toBeNull();
    expect(stored.feed).toEqual({ kind: "free-running", prefix: 2 });
    expect(changed.trainer.step).toBe(3);
  });

  it("refuses an invalid option with one line and keeps the run as it was", async () => {
    const session = await TrainingSession.create(base, {}, noThreads);
    expect(() => session.setOptions({ clip: { kind: "norm", maxNorm: -1 } })).toThrow(
      /^config\.clip\.maxNorm: expected a number > 0, got -1/,
    );
    expect(session.spec.clip).toEqual({ kind: "norm", maxNorm: 1, normType: 2 });
  });
});
