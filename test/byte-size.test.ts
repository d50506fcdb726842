import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { formatBytes, parseByteSize } from "../src/model/byte-size.js";
import { estimateMemory } from "../src/model/memory.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import { overBudget } from "../src/model/memory-budget.js";

describe("parseByteSize", () => {
  it.each([
    ["123456", 123456],
    ["512M", 512 * 2 ** 20],
    ["2G", 2 * 2 ** 30],
    ["2g", 2 * 2 ** 30],
    ["1.5GiB", 1.5 * 2 ** 30],
    ["800MB", 800 * 2 ** 20],
    ["64k", 64 * 1024],
    ["1T", 2 ** 40],
    [" 3 KiB ", 3072],
    ["10B", 10],
    ["1.5", 1],
  ])("'%s' is %d bytes", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(["", "abc", "-1G", "0", "0.4", "1.5.2G", "2X", "G", "1e9", "Infinity", "2 GiBs", "NaN"])(
    "refuses '%s' with one line naming the option",
    (text) => {
      expect(() => parseByteSize(text, "--max-memory")).toThrow(ConfigError);
      expect(() => parseByteSize(text, "--max-memory")).toThrow(
        `--max-memory must be a size such as 512M, 2G, 1.5GiB or 123456 (bytes; K, M, G, T are powers of 1024), got '${text}'`,
      );
    },
  );
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KiB"],
    [2 ** 30, "1.0 GiB"],
    [9.6 * 2 ** 30, "9.6 GiB"],
    [3 * 2 ** 40, "3.0 TiB"],
  ])("%d bytes is %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("overBudget", () => {
  const config = parseModelConfig({
    cell: "lstm",
    hiddenSize: 128,
    input: { kind: "embedding", vocabSize: 65, embeddingSize: 16 },
  });
  const at = ([batch, seqLen]: readonly number[]) =>
    estimateMemory(config, { kind: "training", T: seqLen, B: batch, optimizerCopies: 2 });
  const knobs = [
    { flag: "--batch", value: 4096 },
    { flag: "--seq-len", value: 128 },
  ];
  const budget = (bytes: number) => ({ bytes, source: "--max-memory" });

  it("is null for a run that fits", () => {
    expect(overBudget(at, knobs, budget(at([4096, 128]).total), "raise --max-memory")).toBeNull();
  });

  it("gives the estimate, the budget and the largest --batch that fits", () => {
    const line = overBudget(at, knobs, budget(at([1000, 128]).total), "raise --max-memory") as string;
    expect(line).toMatch(
      /^this run needs about [\d.]+ GiB \(activations [\d.]+ GiB for --seq-len 128 × --batch 4096\), over the budget of [\d.]+ GiB \(--max-memory\): use --batch 1000 or less, or raise --max-memory$/,
    );
  });

  it("cuts --seq-len with --batch 1 when no batch fits, and says when the model itself is too large", () => {
    const seq = overBudget(at, knobs, budget(at([1, 50]).total), "raise --max-memory") as string;
    expect(seq).toContain("use --batch 1 and --seq-len 50 or less, or raise --max-memory");
    const none = overBudget(at, knobs, budget(at([1, 1]).total - 1), "raise --max-memory") as string;
    expect(none).toContain("the model itself is too large: use a smaller --hidden or fewer --layers");
  });
});
