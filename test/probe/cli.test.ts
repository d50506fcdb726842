import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rnnlab } from "../helpers/cli.js";

const held = ["probe", "gradient-ratio", "--norm", "8", "--seq-len", "20", "--seed", "1", "--kind", "held"];

describe("rnnlab probe", () => {
  it("prints one JSON line with the summary's keys under --json", () => {
    const result = rnnlab([...held, "--json"]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const summary: Record<string, unknown> = JSON.parse(lines[0]);
    expect(Object.keys(summary)).toEqual([
      "norm",
      "seqLen",
      "log10Ratio",
      "regime",
      "vanishing",
      "exploding",
    ]);
    expect(summary.log10Ratio).toBeCloseTo(20 * Math.log10(2), 8);
    expect(summary).toMatchObject({ norm: 8, seqLen: 20, regime: "exploding", vanishing: 0, exploding: 1 });
  });

  it("prints a plain line without --json and accepts the sweep's store options", () => {
    const result = rnnlab([...held, "--no-store"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "gradient-ratio: norm 8, seqLen 20, log10Ratio 6.021, regime exploding, vanishing 0, exploding 1\n",
    );
  });

  it("writes summary.json and metrics.jsonl into --out", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rnnlab-probe-")), "trial");
    const args = [
      "probe",
      "temporal-order",
      "--seq-len",
      "10",
      "--clip",
      "norm",
      "--seed",
      "1",
      "--steps",
      "40",
    ];
    const result = rnnlab([...args, "--out", out, "--json", "--store", join(out, "unused.sqlite")]);
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toEqual(JSON.parse(result.stdout));
    const records = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * (i + 1)));
    expect(records.every((r) => r.type === "train" && Number.isFinite(r.loss))).toBe(true);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual([
      "seqLen",
      "clip",
      "success",
      "accuracy",
      "testLoss",
      "diverged",
      "steps",
    ]);
  });

  it("lists each probe's options in its --help", () => {
    const result = rnnlab(["probe", "temporal-order", "--help"]);
    expect(result.status).toBe(0);
    for (const flag of ["--seq-len <n>", "--clip <none|value|norm>", "--threshold <x>", "--out <dir>"]) {
      expect(result.stdout).toContain(flag);
    }
  });

  it.each([
    [["--norm", "x"], "rnnlab: --norm must be a number from 0 to 1000, got 'x'"],
    [["--kind", "random"], "rnnlab: --kind must be one of driven, centred, held, got 'random'"],
  ])("refuses gradient-ratio %j in one line, exit 2", (bad, message) => {
    const result = rnnlab([...held, ...bad]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${message}\n`);
  });

  it("refuses a missing option, a short temporal-order and an unknown probe in one line, exit 2", () => {
    const cases: [string[], RegExp][] = [
      [
        ["probe", "gradient-ratio", "--norm", "2", "--seed", "1"],
        /^rnnlab: probe gradient-ratio needs --seq-len/,
      ],
      [
        ["probe", "temporal-order", "--seq-len", "5", "--clip", "none", "--seed", "1"],
        /^rnnlab: --seq-len must be an integer from 10 to 1000, got '5'/,
      ],
      [
        ["probe", "temporal-order", "--seq-len", "10", "--clip", "max", "--seed", "1"],
        /--clip must be one of/,
      ],
      [["probe", "gradient-ration", "--norm", "2"], /^rnnlab: unknown command 'gradient-ration'/],
    ];
    for (const [args, message] of cases) {
      const result = rnnlab(args);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
