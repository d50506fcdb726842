import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpointFile } from "../cli/files.js";
import { ConfigError } from "../src/errors.js";
import { DivergenceGuard, type NamedWeights } from "../src/train/divergence-guard.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";

// Divergence is an error: the guard's rules on their own, then `rnnlab train` on the issue's
// examples (exit 3, one line, the last sane checkpoint kept).

const weights = (...tensors: number[][]): NamedWeights => ({
  names: tensors.map((_, i) => `w${i}`),
  value: (name) => Float64Array.from(tensors[Number(name.slice(1))]),
});
const sane = weights([0.1, -0.2], [1, 2, 3]);

describe("DivergenceGuard", () => {
  it("fires when the loss stays above factor × max(reference, first loss) for `patience` steps", () => {
    const guard = new DivergenceGuard({ reference: 2, factor: 4, patience: 3 });
    expect(guard.afterStep(1, 3, 1, sane)).toBeNull(); // first loss 3 raises the reference: threshold 12
    expect(guard.threshold).toBe(12);
    expect(guard.afterStep(2, 13, 1, sane)).toBeNull();
    expect(guard.afterStep(3, 14, 1, sane)).toBeNull();
    expect(guard.suspicious).toBe(true);
    const fired = guard.afterStep(4, 15, 1, sane);
    expect(fired?.step).toBe(4);
    expect(fired?.reason).toMatch(/stayed above 4 × 3 = 12 nats for 3 steps \(up to 15\)/);
  });

  it("one noisy batch (or a few, under patience) above the threshold does not fire; the streak restarts", () => {
    const guard = new DivergenceGuard({ reference: 2, factor: 4, patience: 3 });
    const losses = [2, 9, 9, 2, 9, 9, 2, 9, 2];
    for (const [i, loss] of losses.entries()) expect(guard.afterStep(i + 1, loss, 1, sane)).toBeNull();
    expect(guard.suspicious).toBe(false);
    expect(guard.atEnd(9)).toBeNull();
  });

  it("a streak under way when the run ends is a divergence (atEnd)", () => {
    const guard = new DivergenceGuard({ reference: 2, patience: 5 });
    guard.afterStep(1, 2, 1, sane);
    guard.afterStep(2, 100, 1, sane);
    expect(guard.atEnd(2)?.reason).toMatch(/ended above 4 × 2 = 8 nats/);
  });

  it.each([
    ["a NaN loss", Number.NaN, 1, /the training loss is NaN/],
    ["an infinite loss", Number.POSITIVE_INFINITY, 1, /the training loss is Infinity/],
    ["a NaN gradient norm after clipping", 2, Number.NaN, /gradient norm after clipping is NaN/],
  ])("fires at once on %s", (_name, loss, norm, reason) => {
    const guard = new DivergenceGuard({ reference: 2 });
    expect(guard.afterStep(7, loss, norm, sane)).toEqual({ step: 7, reason: expect.stringMatching(reason) });
  });

  it("scans the weights every weightCheckEvery steps: NaN and |w| > maxWeight name the tensor and entry", () => {
    const guard = new DivergenceGuard({ reference: 2, weightCheckEvery: 3, maxWeight: 100 });
    const exploded = weights([0.1, 0.2], [1, -250, 3]);
    expect(guard.afterStep(1, 2, 1, exploded)).toBeNull();
    expect(guard.afterStep(2, 2, 1, exploded)).toBeNull();
    expect(guard.afterStep(3, 2, 1, exploded)?.reason).toBe("w1 holds |w| = 250 > 100 (entry 1)");
    expect(guard.checkWeights(4, weights([0, Number.NaN]))?.reason).toBe("w0 holds NaN (entry 1)");
    expect(guard.checkWeights(4, sane)).toBeNull();
  });

  it("refuses a factor <= 1 and a non-positive reference with a ConfigError", () => {
    expect(() => new DivergenceGuard({ reference: 2, factor: 1 })).toThrow(ConfigError);
    expect(() => new DivergenceGuard({ reference: 0 })).toThrow(/reference loss/);
  });
});

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-diverge-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const small = smallTrainFlags(scratch);
const common = [...small, "--eval-every", "5", "--steps", "30", "--threads", "1"];

/** Every weight of the checkpoint finite and within 1e4 (the guard's maxWeight). */
function maxAbsWeight(dir: string): { step: number; max: number } {
  const ckpt = loadCheckpointFile(join(dir, "checkpoint.safetensors"));
  let max = 0;
  for (const tensor of Object.values(ckpt.params)) {
    for (const w of tensor.data)
      max = Math.max(max, Number.isFinite(w) ? Math.abs(w) : Number.POSITIVE_INFINITY);
  }
  return { step: ckpt.step, max };
}

describe("rnnlab train: divergence is an error", () => {
  it.each([
    ["--lr 100 --no-clip", ["--lr", "100", "--no-clip"], /training loss stayed above 4 × /],
    ["--lr 1e30", ["--lr", "1e30"], /holds \|w\| = .*e\+\d+ > 10000/],
    ["--lr 1e38", ["--lr", "1e38"], /the loss is (NaN|Infinity)/],
  ])("%s exits 3 with one line; the checkpoint kept holds finite, sane weights", (name, flags, reason) => {
    const out = join(scratch, name.replace(/\W+/g, "_"));
    const r = rnnlab(["train", ...common, ...flags, "--out", out]);
    expect(r.status, r.stderr).toBe(3);
    const errors = r.stderr.split("\n").filter((line) => line.startsWith("rnnlab: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^rnnlab: the run diverged at step \d+: /);
    expect(errors[0]).toMatch(reason);
    expect(errors[0]).toMatch(/keeps step \d+, the last sane one .*--no-divergence-guard$/);
    const kept = maxAbsWeight(out);
    expect(kept.max).toBeLessThan(10);
    expect(errors[0]).toContain(`keeps step ${kept.step},`);
    expect(readdirSync(out).sort()).toEqual(["checkpoint.safetensors", "metrics.jsonl", "report.html"]);
  });

  it("--no-divergence-guard trains on; a run that ends worse than the unigram baseline says so (line and --json)", () => {
    const out = join(scratch, "unguarded");
    const r = rnnlab([
      "train",
      ...common,
      "--lr",
      "100",
      "--no-clip",
      "--no-divergence-guard",
      "--out",
      out,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/worse than the unigram baseline/);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(last.worseThanUnigram).toBe(true);
    expect(last.valLoss).toBeGreaterThan(last.unigramLoss);
  });

  it("a sane run is not stopped, and its --json says worseThanUnigram: false", () => {
    const r = rnnlab([
      "train",
      ...common,
      "--steps",
      "40",
      "--lr",
      "0.03",
      "--out",
      join(scratch, "sane"),
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/worse than the unigram/);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string).worseThanUnigram).toBe(false);
  });

  it("--divergence-factor sets the threshold: at 1000, --lr 100 --no-clip (loss ≈ 500 < 1000 × 4.1) trains on; a bad value or one with --no-divergence-guard is refused", () => {
    const loose = rnnlab([
      "train",
      ...common,
      "--lr",
      "100",
      "--no-clip",
      "--divergence-factor",
      "1000",
      "--out",
      join(scratch, "loose"),
    ]);
    expect(loose.status, loose.stderr).toBe(0);
    expect(loose.stderr).toMatch(/worse than the unigram baseline/);
    const bad = rnnlab(["train", ...common, "--divergence-factor", "1", "--out", join(scratch, "bad")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("rnnlab: --divergence-factor must be a number > 1, got '1'");
    const both = rnnlab([
      "train",
      ...common,
      "--divergence-factor",
      "3",
      "--no-divergence-guard",
      "--out",
      join(scratch, "both"),
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/give one of them/);
  });
});
