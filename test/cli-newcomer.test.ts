import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freeRunningReading } from "../cli/commands/eval.js";
import { rnnlab } from "./helpers/cli.js";

// What someone new meets first: the version, the help, what eval's numbers mean, and writing their
// own PyTorch fixtures on a machine without PyTorch.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-newcomer-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("rnnlab --version and --help", () => {
  it("rnnlab --version prints package.json's version", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8"));
    const r = rnnlab(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("every command's --help gives each option's default at most once; sample's --prime says 'a newline'", () => {
    for (const command of ["train", "sample", "eval", "lab", "parity", "import-torch"]) {
      const help = rnnlab([command, "--help"]).stdout;
      // One entry per option: its first line starts with "  -", continuation lines are indented further.
      const entries = help.split(/\n(?= {2}-)/).map((entry) => entry.replace(/\s+/g, " "));
      for (const entry of entries) expect(entry.match(/default/g)?.length ?? 0, entry).toBeLessThanOrEqual(1);
    }
    expect(rnnlab(["sample", "--help"]).stdout).toMatch(
      /--prime <text> +text to start from \(default: a newline\)/,
    );
  });
});

describe("rnnlab eval: the numbers against baselines, and one line on what they mean", () => {
  // A text of 4 letters, so the vocabulary is V = 5 (the 4 and <unk>) and ln V is known.
  const text = join(scratch, "abcd.txt");
  let state = 7;
  const letters = Array.from({ length: 6000 }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return "abcd"[(state >> 16) % 4];
  });
  writeFileSync(text, letters.join(""));
  const run = join(scratch, "run");

  it("prints the unigram and uniform (ln V) losses beside the validation loss, and a reading line", () => {
    const args = ["--data", text, "--hidden", "8", "--embedding", "4", "--seq-len", "8", "--batch", "4"];
    expect(rnnlab(["train", ...args, "--steps", "4", "--out", run]).status).toBe(0);
    const json = rnnlab(["eval", run, "--json", "--length", "20", "--count", "8"]);
    expect(json.status, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.uniformLoss).toBeCloseTo(Math.log(5), 12);
    expect(result.unigramLoss).toBeGreaterThan(1.3);
    expect(result.unigramLoss).toBeLessThanOrEqual(Math.log(4) + 1e-12);
    const r = rnnlab(["eval", run, "--length", "20", "--count", "8"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `baselines: unigram ${result.unigramLoss.toFixed(4)} nats/token (the text's token frequencies, no context), uniform ln V = 1.6094`,
    );
    expect(r.stdout).toMatch(/\nreading: after its own samples the true text costs \d+\.\d\d nats\/token/);
  });
});

describe("freeRunningReading", () => {
  const result = (freeRunning: number) => ({
    checkpoint: "run",
    data: "text",
    tokens: 100,
    valLoss: 1.5,
    bitsPerToken: 1.5 / Math.LN2,
    uniformLoss: Math.log(65),
    unigramLoss: 3.3,
    exposureBias: {
      text: {
        positions: [1, 2],
        teacherForcedLoss: [1.4, 1.6],
        freeRunningLoss: [1.5, freeRunning],
        count: 8,
      },
      oracle: null,
    },
  });

  it("reads the later half of the positions against the unigram and uniform losses", () => {
    expect(freeRunningReading(result(8))).toMatch(
      /^reading: after its own samples the true text costs 8\.00 nats\/token \(teacher forced 1\.60\), worse than a uniform guess: /,
    );
    expect(freeRunningReading(result(4))).toMatch(/costs 4\.00 .*, worse than the unigram baseline: /);
    expect(freeRunningReading(result(2))).toMatch(/costs 2\.00 .*, still below the unigram baseline: /);
  });
});

describe("writing PyTorch fixtures without PyTorch", () => {
  const python = spawnSync("python3", ["--version"]).status === 0;

  it.skipIf(!python)(
    "make_fixtures.py says how to install PyTorch and exits 2; parity of the empty folder says so",
    () => {
      // A torch package that fails to import, ahead of any installed one.
      const shim = join(scratch, "no-torch");
      mkdirSync(join(shim, "torch"), { recursive: true });
      writeFileSync(join(shim, "torch", "__init__.py"), "raise ImportError(\"No module named 'torch'\")\n");
      const out = join(scratch, "mine");
      const made = spawnSync("python3", ["tools/make_fixtures.py", "--all", out], {
        encoding: "utf8",
        env: { ...process.env, PYTHONPATH: shim },
      });
      expect(made.status).toBe(2);
      expect(made.stderr.trim().split("\n")).toHaveLength(1);
      expect(made.stderr).toMatch(/needs PyTorch.*pip install torch.*apt-get install python3-torch/);
      // The README's next command, as a shell leaves an unmatched pattern.
      const r = rnnlab(["parity", join(out, "*.json")]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim()).toMatch(
        /^rnnlab parity: .*\*\.json: no file matches this pattern \(were the fixtures written\?/,
      );
    },
  );
});
