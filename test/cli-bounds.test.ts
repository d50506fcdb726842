import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { register } from "../cli/commands/train.js";
import { INTEGER_LIMITS, MAX_SEED } from "../cli/train/limits.js";
import { rnnlab } from "./helpers/cli.js";
import { trainSpec } from "./helpers/train-spec.js";

// Issue 14's sizes without a bound, seeds beyond 32 bits, conflicting flags and vacuous fixtures:
// each refused at once with one line that names the flag (or the field) and the fix, exit code 2,
// and nothing written.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-cli-bounds-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `rnnlab ARGS`: exit code 2, one line on stderr matching `message`. */
function refused(args: string[], message: string | RegExp): void {
  const r = rnnlab(args);
  expect([args.join(" "), r.status]).toEqual([args.join(" "), 2]);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  if (typeof message === "string") expect(r.stderr).toBe(`rnnlab: ${message}\n`);
  else expect(r.stderr).toMatch(message);
}

/** The spec of `rnnlab train ARGS` (with --steps 10), as the command builds it. */
const spec = (args: string[]) => trainSpec(["--steps", "10", ...args]);

describe("rnnlab train: sizes have upper bounds, seeds are 32-bit", () => {
  it.each([
    ["--layers", "4294967296", "1 to 64"],
    ["--threads", "1000", "1 to 64"],
    ["--oracle", "1000000", "1 to 16"],
    ["--hidden", "100000000", "1 to 4096"],
    ["--seed", "4294967296", "0 to 4294967295"],
  ])("%s %s fails at once with one line naming the flag and its range", (flag, value, range) => {
    const out = join(scratch, `bound${flag}`);
    refused(
      ["train", flag, value, "--steps", "1", "--out", out],
      `${flag} must be an integer from ${range}, got '${value}'`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("--help gives each bounded flag's range", () => {
    const help = rnnlab(["train", "--help"]).stdout.replace(/\s+/g, " ");
    const program = new Command("rnnlab");
    register(program);
    const train = program.commands.find((c) => c.name() === "train") as Command;
    for (const flag of ["--hidden", "--layers", "--threads", "--oracle", "--seed", "--seq-len", "--batch"]) {
      const [min, max] = INTEGER_LIMITS[flag];
      const description = train.options.find((o) => o.long === flag)?.description ?? "";
      expect(description).toMatch(new RegExp(`\\(${min} to ${max}\\)$`));
      expect(help).toContain(description);
    }
  });

  it("the bounds are inclusive: --seed 4294967295 and --layers 64 are accepted, one more is not", () => {
    expect(spec(["--seed", String(MAX_SEED), "--layers", "64"])).toMatchObject({
      seed: MAX_SEED,
      model: { layers: 64 },
    });
    expect(() => spec(["--seed", String(MAX_SEED + 1)])).toThrow(
      "--seed must be an integer from 0 to 4294967295",
    );
    expect(() => spec(["--layers", "65"])).toThrow("--layers must be an integer from 1 to 64, got '65'");
    for (const seed of ["-1", "1.5", "", "1e400", "abc"])
      expect(() => spec(["--seed", seed])).toThrow(/--seed must be/);
  });

  it("a blank number is refused rather than read as 0 (Number('') is 0)", () => {
    expect(() => spec(["--warmup", " "])).toThrow("--warmup must be an integer >= 0, got ' '");
    expect(() => spec(["--prefix", "", "--mode", "free-running"])).toThrow(
      "--prefix must be an integer from 0 to",
    );
  });
});

describe("rnnlab train: a flag that another makes meaningless is refused, not dropped", () => {
  it("--no-clip --clip-norm 1 fails with one line (the clip setting used to be dropped silently)", () => {
    refused(
      ["train", "--no-clip", "--clip-norm", "1", "--steps", "1", "--out", join(scratch, "noclip")],
      "--clip-norm does nothing with --no-clip: drop one of them",
    );
  });

  it.each([
    [["--no-clip", "--clip-value", "1"], "--clip-value does nothing with --no-clip"],
    [["--no-clip", "--clip-norm-type", "inf"], "--clip-norm-type does nothing with --no-clip"],
    [["--clip-value", "1", "--clip-norm-type", "inf"], "--clip-norm-type does nothing with --clip-value"],
    [["--clip-norm", "1", "--clip-value", "1"], "give --clip-norm or --clip-value, not both"],
    [["--prefix", "3"], "--prefix does nothing with --mode teacher-forcing"],
    [["--mode", "free-running", "--k", "2"], "--k does nothing with --mode free-running"],
    [["--mode", "free-running", "--pick", "argmax"], "--pick does nothing with --mode free-running"],
    [["--schedule", "linear"], "--schedule does nothing with --mode teacher-forcing"],
    [
      ["--mode", "scheduled-sampling", "--schedule", "constant", "--c", "0.1"],
      "--c does nothing with --schedule constant",
    ],
    [
      ["--mode", "scheduled-sampling", "--schedule", "exponential", "--eps", "0.3"],
      "--eps does nothing with --schedule exponential",
    ],
    [
      ["--mode", "scheduled-sampling", "--schedule", "constant", "--k", "2"],
      "--k does nothing with --schedule constant",
    ],
    [
      ["--mode", "scheduled-sampling", "--eps-min", "0.1"],
      "--eps-min does nothing with --schedule inverse-sigmoid",
    ],
    [["--one-hot", "--embedding", "8"], "--embedding does nothing with --one-hot"],
    [["--max-vocab", "50"], "--max-vocab does nothing with --tokenizer char"],
    [["--activation", "relu"], "--activation does nothing with --cell lstm"],
    [["--cell", "rnn", "--straight-through"], "--straight-through does nothing with --activation tanh"],
    [["--cell", "gru", "--straight-through"], "--straight-through does nothing with --cell gru"],
    [["--no-bias", "--forget-bias", "1"], "--forget-bias does nothing with --no-bias"],
    [["--steps", "3", "--minutes", "1"], "give --steps or --minutes, not both"],
  ])("%j: %s", (args, message) => {
    expect(() => spec(args)).toThrow(message);
  });

  it("the same flags where they apply are accepted", () => {
    expect(spec(["--clip-norm", "0.5", "--clip-norm-type", "inf"]).clip).toEqual({
      kind: "norm",
      maxNorm: 0.5,
      normType: "inf",
    });
    expect(spec(["--no-clip"]).clip).toBeNull();
    expect(spec(["--mode", "free-running", "--prefix", "3"]).feed).toEqual({
      kind: "free-running",
      prefix: 3,
    });
    expect(spec(["--tokenizer", "word", "--max-vocab", "50"]).maxVocab).toBe(50);
    expect(spec(["--cell", "rnn", "--activation", "step", "--straight-through"]).model.straightThrough).toBe(
      true,
    );
    const feed = spec([
      "--mode",
      "scheduled-sampling",
      "--schedule",
      "linear",
      "--k",
      "1",
      "--c",
      "0.01",
      "--eps-min",
      "0.1",
    ]).feed;
    expect(feed).toMatchObject({ schedule: { kind: "linear", k: 1, c: 0.01, min: 0.1 } });
  });
});

describe("rnnlab sample and eval: the same bounds", () => {
  const ckpt = join(scratch, "model.ckpt");
  beforeAll(() => {
    const vocab = join(scratch, "vocab.txt");
    writeFileSync(vocab, "abcdefghijkl\n");
    const args = [
      "import-torch",
      "test/fixtures/torch-state-dict/gru_L1_V13_E6_H8.safetensors",
      "--out",
      ckpt,
      "--vocab",
      vocab,
    ];
    expect(rnnlab(args).status).toBe(0);
  });

  it("sample --seed 4294967296, --length 1e9, and a --seed whose --num samples would pass 2^32 - 1", () => {
    refused(
      ["sample", ckpt, "--seed", "4294967296"],
      "--seed must be an integer from 0 to 4294967295, got '4294967296'",
    );
    refused(
      ["sample", ckpt, "--length", "1000000000"],
      "--length must be an integer from 1 to 1000000, got '1000000000'",
    );
    refused(
      ["sample", ckpt, "--seed", "4294967295", "--num", "2"],
      "--seed 4294967295 with --num 2: sample i uses seed + i, which must stay at most 4294967295; give a smaller --seed",
    );
    const last = rnnlab(["sample", ckpt, "--seed", "4294967295", "--length", "5", "--prime", "ab"]);
    expect(last.status, last.stderr).toBe(0);
  });

  it("eval --seed 4294967296 and --count 1000000000", () => {
    refused(
      ["eval", ckpt, "--seed", "4294967296"],
      "--seed must be an integer from 0 to 4294967295, got '4294967296'",
    );
    refused(
      ["eval", ckpt, "--count", "1000000000"],
      "--count must be an integer from 1 to 100000, got '1000000000'",
    );
  });
});

describe("rnnlab parity: vacuous and absurd fixtures fail in one line", () => {
  const write = (name: string, json: unknown) => {
    const path = join(scratch, name);
    writeFileSync(path, JSON.stringify(json));
    return path;
  };
  const clip = JSON.parse(readFileSync("test/fixtures/torch/clip_3_tensors.json", "utf8"));
  const empty = {
    ...clip,
    shapes: [],
    grads: [],
    clip_grad_norm: [],
    clip_grad_value: { clip_value: 1, tensors: [] },
  };

  it("an empty clip fixture exits 2, also with --summary (which used to crash) and --json", () => {
    const path = write("empty.json", empty);
    const message = `rnnlab parity: ${path}: 'shapes' holds no tensor with values: a clip fixture needs at least one non-empty gradient\n`;
    for (const extra of [[], ["--summary"]]) {
      const r = rnnlab(["parity", path, ...extra]);
      expect([extra, r.status, r.stderr]).toEqual([extra, 2, message]);
    }
    const json = rnnlab(["parity", "--json", path]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ reports: [], errors: [{ source: path }] });
  });

  it("V: 1e8 and num_layers: 1e9 are refused before allocating, naming the field once", () => {
    const charlm = JSON.parse(
      readFileSync("test/fixtures/torch/charlm_rnn_tanh_adam_V11_E5_H7_T5_B3.json", "utf8"),
    );
    const big = write("bigV.json", { ...charlm, V: 1e8 });
    const r = rnnlab(["parity", big]);
    expect([r.status, r.stderr]).toEqual([
      2,
      `rnnlab parity: ${big}: 'V': Too big: expected at most 1000000 (fixtures are small)\n`,
    ]);
    const recurrent = JSON.parse(readFileSync("test/fixtures/torch/gru_L2_T4_B2_I3_H5.json", "utf8"));
    const deep = write("deep.json", { ...recurrent, num_layers: 1e9 });
    expect(rnnlab(["parity", deep]).stderr).toBe(
      `rnnlab parity: ${deep}: 'num_layers': Too big: expected at most 64 (fixtures are small)\n`,
    );
  });

  it("--summary with --json is refused", () => {
    refused(
      ["parity", "--json", "--summary", "test/fixtures/torch/clip_3_tensors.json"],
      "--summary does nothing with --json: drop one of them",
    );
  });
});
