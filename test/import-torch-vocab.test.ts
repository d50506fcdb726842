import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTrainedModel } from "../cli/checkpoint-arg.js";
import { evalCommand } from "../cli/commands/eval.js";
import { importTorchCommand } from "../cli/commands/import-torch.js";
import { type SampleOptions, sampleCommand } from "../cli/commands/sample.js";
import { UserError } from "../cli/errors.js";
import { sequentialBatches } from "../src/data/windows.js";
import { evaluate } from "../src/train/trainer.js";

// A PyTorch char-LSTM (13 tokens) brought in with a vocabulary, then sampled and evaluated.

const weights = "test/fixtures/torch-state-dict/lstm_L2_V13_E6_H8.safetensors";
const CHARS = "abcdefghijkl\n"; // 13 tokens, the newline last
const dir = mkdtempSync(join(tmpdir(), "rnnlab-vocab-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function importWith(
  vocab: string,
  out = join(dir, `${Math.random()}.ckpt`),
): { out: string; lines: string[] } {
  const lines: string[] = [];
  importTorchCommand(weights, { out, dtype: "float64", vocab }, (line) => lines.push(line));
  return { out, lines };
}

const sampling = (over: Partial<SampleOptions> = {}): SampleOptions => ({
  prime: "ab",
  length: "40",
  temperature: "1",
  topK: "0",
  topP: "1",
  seed: "1",
  num: "1",
  stop: [],
  ...over,
});

describe("rnnlab import-torch --vocab", () => {
  it("a .txt vocabulary: every character, the final newline included, is a token in order of ids", () => {
    const { out, lines } = importWith(file("chars.txt", CHARS));
    expect(lines[0]).toMatch(/^imported lstm L=2 H=8 .*, vocabulary '.*chars\.txt' \(13 char tokens\) -> /);
    const { tokenizer } = loadTrainedModel(out);
    expect(tokenizer.kind).toBe("char");
    expect(tokenizer.vocab).toEqual(Array.from(CHARS));
    expect(tokenizer.unknown).toBe(-1);
  });

  it("a .json array: single characters give a char tokenizer, longer strings a word tokenizer", () => {
    const chars = importWith(file("chars.json", JSON.stringify(Array.from(CHARS))));
    expect(loadTrainedModel(chars.out).tokenizer.kind).toBe("char");
    const words = Array.from({ length: 13 }, (_, i) => `w${i}`);
    const { out } = importWith(file("words.json", JSON.stringify(words)));
    const { tokenizer } = loadTrainedModel(out);
    expect(tokenizer.kind).toBe("word");
    expect(Array.from(tokenizer.encode("w3 w12"))).toEqual([3, 12]);
  });

  it.each([
    [
      "short.txt",
      "abcdefghijkl",
      /vocabulary '.*short\.txt' has 12 tokens but the model predicts 13: give one token per output/,
    ],
    [
      "long.txt",
      "abcdefghijklm\n",
      /has 14 tokens \(its final newline counts as one\) but the model predicts 13/,
    ],
    ["twice.txt", "abcdefghijka\n", /vocabulary '.*twice\.txt': the vocabulary lists "a" twice/],
    ["bad.json", "[1, 2]", /a JSON vocabulary must be an array of non-empty strings/],
    ["broken.json", "[", /vocabulary '.*broken\.json': not JSON/],
  ])("%s: one line naming the file, and no checkpoint written", (name, text, message) => {
    const out = join(dir, `${name}.ckpt`);
    const run = () => importWith(file(name, text), out);
    expect(run).toThrow(UserError);
    expect(run).toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it("the imported model samples: batched rows equal single samples, stop text kept, beam ranked", () => {
    const { out } = importWith(file("sample.txt", CHARS));
    // each header line and each sample's text (its newline dropped), in order
    const print = (options: Partial<SampleOptions>) => {
      let text = "";
      sampleCommand(out, sampling(options), (chunk) => {
        text += chunk;
      });
      const parts = text.split(/^(--- .+ ---)\n/m).filter((part) => part !== "");
      return parts.map((part) => (part.startsWith("--- ") ? part : part.slice(0, -1)));
    };
    const three = print({ num: "3", seed: "5" });
    expect(three.filter((l) => l.startsWith("--- sample"))).toEqual([
      "--- sample 1/3 (seed 5) ---",
      "--- sample 2/3 (seed 6) ---",
      "--- sample 3/3 (seed 7) ---",
    ]);
    const second = three.slice(
      three.indexOf("--- sample 2/3 (seed 6) ---") + 1,
      three.indexOf("--- sample 3/3 (seed 7) ---"),
    );
    expect(second).toEqual(print({ seed: "6" }));
    for (const text of print({ num: "8", stop: ["c"] }).filter((l) => !l.startsWith("---"))) {
      const generated = text.slice(2);
      if (generated.length < 40) expect(generated.indexOf("c")).toBe(generated.length - 1);
    }
    const beam = print({ beam: "4", num: "2", length: "6", lengthPenalty: "0.6" });
    expect(beam[0]).toMatch(/^--- beam 1\/2: log p -\d+\.\d{4}, score -\d+\.\d{4}/);
    expect(beam[2]).toMatch(/^--- beam 2\/2/);
    const score = (line: string) => Number(/score (-[\d.]+)/.exec(line)?.[1]);
    expect(score(beam[0])).toBeGreaterThanOrEqual(score(beam[2]));
  });

  it("sample's bad flags on the imported model are one line each", () => {
    const { out } = importWith(file("flags.txt", CHARS));
    const run = (options: Partial<SampleOptions>) => () => sampleCommand(out, sampling(options), () => {});
    expect(run({ prime: "xyz" })).toThrow(/--prime: the text holds "x", which the vocabulary lacks/);
    expect(run({ stop: ["z"] })).toThrow(/--stop: the text holds "z"/);
    expect(run({ topP: "0" })).toThrow(/--top-p must be in \(0, 1\], got '0'/);
    expect(run({ lengthPenalty: "1" })).toThrow(/--length-penalty applies to --beam only/);
    expect(run({ beam: "2", num: "3" })).toThrow(
      /--num 3 is more than the beam keeps: give --beam 3 or more/,
    );
  });

  it("the imported model evaluates: rnnlab eval --data gives the teacher-forced loss", async () => {
    const { out } = importWith(file("eval.txt", CHARS));
    const text = Array.from({ length: 400 }, (_, i) => CHARS[(i * 7) % 13]).join("");
    const data = file("eval-data.txt", text);
    const result = await evalCommand(out, { data, length: "20", count: "4", prefix: "8", seed: "1" });
    const { model, tokenizer } = loadTrainedModel(out);
    expect(result.valLoss).toBeCloseTo(
      evaluate(model, sequentialBatches(tokenizer.encode(text), 64, 32)),
      12,
    );
    expect(result.uniformLoss).toBeCloseTo(Math.log(13), 12);
    expect(readFileSync(data, "utf8")).toBe(text);
  });
});
