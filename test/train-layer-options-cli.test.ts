import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpointFile } from "../cli/files.js";
import { Tokenizer } from "../src/data/tokenizer.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { rnnlab } from "./helpers/cli.js";
import { modelCheckpoint } from "./helpers/text-checkpoint.js";

// `rnnlab train --no-bias --proj-size … --dropout …` end to end: the options reach the model and
// the stored run config, a resumed run keeps them, and sample / eval read a projected model and
// refuse a bidirectional one.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-layer-options-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const text = join(scratch, "text.txt");
writeFileSync(text, readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 5_000));
// A constant lr: a run resumed past its first --steps would pass the end of the default cosine.
const small = [
  "--data",
  text,
  "--hidden",
  "8",
  "--embedding",
  "4",
  "--seq-len",
  "8",
  "--batch",
  "2",
  "--lr-schedule",
  "constant",
];
const regularization = {
  dropout: 0.2,
  outputDropout: 0.1,
  inputDropout: 0.15,
  recurrentDropout: 0.25,
  zoneout: 0.05,
  cellZoneout: 0.3,
};
const dropoutFlags = Object.entries(regularization).flatMap(([name, p]) => [
  `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  String(p),
]);

describe("rnnlab train: layer options and dropout", () => {
  it("--no-bias --proj-size 3 and every dropout rate reach the model and the stored run config; --resume keeps them", () => {
    const out = join(scratch, "options");
    const flags = ["--layers", "2", "--no-bias", "--proj-size", "3", ...dropoutFlags];
    const r = rnnlab(["train", ...small, ...flags, "--steps", "2", "--eval-every", "2", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const path = join(out, "checkpoint.safetensors");
    const checkpoint = loadCheckpointFile(path);
    const fields = { bias: false, projSize: 3, ...regularization };
    expect(checkpoint.config).toMatchObject(fields);
    expect(parseRunConfig(checkpoint.extra?.train).model).toMatchObject(fields);
    expect(checkpoint.params["rnn.weight_hr_l0"].shape).toEqual([3, 8]);
    expect(checkpoint.params["rnn.weight_ih_l1"].shape).toEqual([32, 3]);
    expect(checkpoint.params["linear.weight"].shape[1]).toBe(3);
    expect(Object.keys(checkpoint.params).filter((name) => name.includes("bias_"))).toEqual([]);
    const run = JSON.parse(readFileSync(join(out, "metrics.jsonl"), "utf8").split("\n")[0]);
    expect(run.config.model).toMatchObject(fields);

    const resumed = rnnlab(["train", "--resume", out, "--steps", "4", "--proj-size", "3"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = loadCheckpointFile(path);
    expect(after.step).toBe(4);
    expect(parseRunConfig(after.extra?.train).model).toMatchObject(fields);

    const other = rnnlab(["train", "--resume", out, "--steps", "5", "--proj-size", "2"]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(
      /^rnnlab: --resume .*: the checkpoint holds a lstm with 2 layer\(s\) of 8 projected to 3 without biases, .*--proj-size asks for another architecture/,
    );
    const dropout = rnnlab(["train", "--resume", out, "--steps", "5", "--dropout", "0.5"]);
    expect(dropout.status).toBe(2);
    expect(dropout.stderr).toMatch(/--resume continues the stored run unchanged: .*, not --dropout\n$/);
    expect(loadCheckpointFile(path).step).toBe(4);
  });

  it("rnnlab sample and eval read a projected model", () => {
    const out = join(scratch, "options");
    const sample = rnnlab(["sample", out, "--prime", "A", "--length", "12"]);
    expect(sample.status, sample.stderr).toBe(0);
    expect(Array.from(sample.stdout.trimEnd())).toHaveLength(13);
    const evaluated = rnnlab(["eval", out, "--json", "--length", "4", "--count", "2", "--prefix", "4"]);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(evaluated.stdout).valLoss)).toBe(true);
  });

  it("a default run stores none of the new keys, so runs stored before them read back the same", () => {
    const out = join(scratch, "default");
    const r = rnnlab(["train", ...small, "--steps", "1", "--eval-every", "1", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const checkpoint = loadCheckpointFile(join(out, "checkpoint.safetensors"));
    const stored = checkpoint.extra?.train as { model: Record<string, unknown> };
    for (const key of ["bias", "bidirectional", "projSize", ...Object.keys(regularization)]) {
      expect(key in stored.model, key).toBe(false);
      expect(key in checkpoint.config, key).toBe(false);
    }
    expect(parseRunConfig(stored)).toEqual(stored);
  });

  it.each([
    [
      ["--bidirectional"],
      "--bidirectional: a language model cannot be bidirectional: its reverse direction reads the very token it must predict",
    ],
    [["--dropout", "1"], "--dropout must be a probability in [0, 1), got '1'"],
    [["--zoneout", "-0.1"], "--zoneout must be a probability in [0, 1), got '-0.1'"],
    [["--output-dropout", "x"], "--output-dropout must be a probability in [0, 1), got 'x'"],
    [
      ["--dropout", "0.2"],
      "--dropout acts between stacked layers and --layers is 1: give --layers 2 or more, or use --output-dropout",
    ],
    [
      ["--cell", "gru", "--cell-zoneout", "0.1"],
      "--cell-zoneout is for --cell lstm (its cell state c), not gru: use --zoneout",
    ],
    [["--cell", "gru", "--proj-size", "2"], "--proj-size is for --cell lstm, not gru: drop it"],
    [
      ["--proj-size", "8"],
      "--proj-size 8 must be smaller than --hidden 8: give a smaller --proj-size, or 0 for none",
    ],
    [["--proj-size", "1.5"], "--proj-size must be an integer >= 0 (0: none), got '1.5'"],
  ])("%s fails with one line: %s", (flags, message) => {
    const out = join(scratch, "bad");
    const r = rnnlab(["train", ...small, "--steps", "1", ...flags, "--out", out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it("--help lists the options", () => {
    const help = rnnlab(["train", "--help"]).stdout;
    for (const flag of [
      "--no-bias",
      "--bidirectional",
      "--proj-size <n>",
      "--dropout <p>",
      "--cell-zoneout <p>",
    ])
      expect(help).toContain(flag);
  });
});

describe("rnnlab sample and eval of a bidirectional checkpoint", () => {
  it("print one line saying generation runs left to right, exit 2", () => {
    const tokenizer = Tokenizer.fromText("char", "abcdefgh ");
    const model = new SequenceModel(
      {
        cell: "lstm",
        hiddenSize: 4,
        bidirectional: true,
        input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 3 },
      },
      { seed: 1 },
    );
    const path = join(scratch, "bidirectional.safetensors");
    writeFileSync(path, modelCheckpoint(model, tokenizer));
    const data = join(scratch, "abc.txt");
    writeFileSync(data, "abc defg hab cdef ".repeat(20));
    for (const args of [
      ["sample", path, "--prime", "ab", "--length", "5"],
      ["sample", path, "--prime", "ab", "--beam", "2", "--length", "3"],
      ["eval", path, "--data", data, "--length", "3", "--count", "2", "--prefix", "2"],
    ]) {
      const r = rnnlab(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^rnnlab: the model is bidirectional: generation runs left to right/);
    }
  });
});
