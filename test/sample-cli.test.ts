import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnlab } from "./helpers/cli.js";

// The built command: a PyTorch model imported with a vocabulary, then `rnnlab sample`'s new flags.

const dir = mkdtempSync(join(tmpdir(), "rnnlab-sample-cli-"));
const ckpt = join(dir, "model.ckpt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const vocab = join(dir, "vocab.txt");
  writeFileSync(vocab, "abcdefghijkl\n");
  const r = rnnlab([
    "import-torch",
    "test/fixtures/torch-state-dict/gru_L1_V13_E6_H8.safetensors",
    "--out",
    ckpt,
    "--vocab",
    vocab,
  ]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

describe("rnnlab sample (an imported model with --vocab)", () => {
  it("--help lists --num, --top-p, --stop, --beam and --length-penalty", () => {
    const r = rnnlab(["sample", "--help"]);
    for (const flag of ["--num <n>", "--top-p <p>", "--stop <text>", "--beam <w>", "--length-penalty <a>"])
      expect(r.stdout).toContain(flag);
  });

  it("--num 4 prints four samples; the third is what --seed 3 prints alone", () => {
    const all = rnnlab(["sample", ckpt, "--prime", "ab", "--length", "30", "--num", "4", "--seed", "1"]);
    expect(all.status).toBe(0);
    const blocks = all.stdout.split(/^--- sample \d\/4 \(seed \d\) ---\n/m).slice(1);
    expect(blocks).toHaveLength(4);
    const alone = rnnlab(["sample", ckpt, "--prime", "ab", "--length", "30", "--seed", "3"]);
    expect(blocks[2]).toBe(alone.stdout);
  });

  it("a reader that stops early (| head -c 50) ends a --length 1000000 sample at once: exit 0, no error", () => {
    // Generating all 1,000,000 tokens for nobody would outlast the test's timeout.
    const command = `"${process.execPath}" dist/cli/main.js sample "${ckpt}" --length 1000000 | head -c 50`;
    const r = spawnSync("bash", ["-o", "pipefail", "-c", command], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toHaveLength(50);
  });

  it("--stop '\\n' (repeatable) ends each sample at its first newline, kept; --top-p composes", () => {
    const r = rnnlab([
      "sample",
      ckpt,
      "--prime",
      "a",
      "--length",
      "200",
      "--num",
      "5",
      "--stop",
      "\\n",
      "--stop",
      "kk",
      "--top-p",
      "0.9",
    ]);
    expect(r.status).toBe(0);
    const texts = r.stdout.split(/^--- sample \d\/5 \(seed \d\) ---\n/m).slice(1);
    for (const text of texts) {
      const generated = text.slice(1, -1); // the prime before, print's newline after
      const firstEnd = Math.min(
        ...["\n", "kk"].map((stop) => {
          const at = generated.indexOf(stop);
          return at < 0 ? Number.POSITIVE_INFINITY : at + stop.length;
        }),
      );
      expect(generated.length).toBe(Math.min(firstEnd, 200));
    }
  });

  it("--beam 3 --num 2 prints the two best sequences with their log-probabilities", () => {
    const r = rnnlab([
      "sample",
      ckpt,
      "--prime",
      "ab",
      "--length",
      "8",
      "--beam",
      "3",
      "--num",
      "2",
      "--length-penalty",
      "0.6",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^--- beam 1\/2: log p -[\d.]+, score -[\d.]+ ---\nab[a-l\n]*\n--- beam 2\/2/);
  });

  it.each([
    [["--beam", "2", "--top-p", "0.5"], /option '--beam <w>' cannot be used with option '--top-p <p>'/],
    [["--top-p", "1.5"], /--top-p must be in \(0, 1\], got '1.5'/],
    [["--length-penalty", "1"], /--length-penalty applies to --beam only/],
    [["--stop", "xyz"], /--stop: the text holds "x", which the vocabulary lacks/],
  ])("%j: one line, exit 2", (args, message) => {
    const r = rnnlab(["sample", ckpt, "--prime", "ab", ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
