import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnlab } from "./helpers/cli.js";

// The memory budget of task runs (cli/train/task-memory.ts): train --task, and eval and predict of
// a task run, estimate what the learner will allocate from the data and the stored state before it
// is built; over --max-memory they refuse with one line, exit 2, and leave nothing behind.

const fixture = (name: string) => join(resolve("test/fixtures/tasks"), name);
const scratch = mkdtempSync(join(tmpdir(), "rnnlab-task-cli-memory-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const TASKS = {
  classify: ["--task", "classify", "--data", fixture("classify.jsonl")],
  tag: ["--task", "tag", "--data", fixture("tag.jsonl")],
  forecast: ["--task", "forecast", "--data", fixture("forecast.csv"), "--target", "y", "--window", "8"],
};
type TaskName = keyof typeof TASKS;
const names = Object.keys(TASKS) as TaskName[];

function refused(args: string[], pattern: RegExp): void {
  const r = rnnlab(args);
  expect([args.join(" "), r.status]).toEqual([args.join(" "), 2]);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(pattern);
}

const trained: Partial<Record<TaskName, string>> = {};
beforeAll(() => {
  for (const name of names) {
    const out = join(scratch, name);
    const r = rnnlab(["train", ...TASKS[name], "--steps", "2", "--hidden", "8", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    trained[name] = out;
  }
});

describe("rnnlab train --task: the memory budget", () => {
  // The forecast's default model (32 units, a window of 8) needs under 1 MiB.
  const budgets: Record<TaskName, [string, string]> = {
    classify: ["1M", "1.0 MiB"],
    tag: ["1M", "1.0 MiB"],
    forecast: ["200K", "200.0 KiB"],
  };

  it.each(names)("%s: refused under a small --max-memory with one line, no run folder", (name) => {
    const out = join(scratch, `${name}-refused`);
    const [given, shown] = budgets[name];
    const line = new RegExp(
      `^rnnlab: this run needs about [\\d.]+ [KM]iB \\(.+\\), over the budget of ${shown} \\(--max-memory ${given}\\): .+, or raise --max-memory\n$`,
    );
    refused(["train", ...TASKS[name], "--steps", "2", "--out", out, "--max-memory", given], line);
    expect(existsSync(out)).toBe(false);
  });

  it("names the --batch that fits, and the batch and longest example it estimated", () => {
    const out = join(scratch, "classify-batch");
    refused(
      ["train", ...TASKS.classify, "--batch", "64", "--out", out, "--max-memory", "3M"],
      /activations [\d.]+ MiB for --batch 64 × \d+ steps \(the longest example; evaluated \d+ at a time\)\), over the budget of 3\.0 MiB \(--max-memory 3M\): use --batch \d+ or less, or raise --max-memory/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("says when even --batch 1 does not fit", () => {
    refused(
      ["train", ...TASKS.classify, "--hidden", "512", "--out", join(scratch, "huge"), "--max-memory", "1M"],
      /even --batch 1 does not fit .*: use a smaller --hidden or fewer --layers, or shorter examples, or raise --max-memory/,
    );
  });

  it.each(names)("%s: the same run is accepted without --max-memory", (name) => {
    const out = join(scratch, `${name}-ok`);
    const r = rnnlab(["train", ...TASKS[name], "--steps", "2", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toContain("checkpoint.safetensors");
  });
});

describe("rnnlab eval and predict of a task run: the memory budget", () => {
  it.each(names)("%s: eval refused under --max-memory 10K, accepted without", (name) => {
    const run = trained[name] as string;
    refused(["eval", run, "--max-memory", "10K"], /over the budget of 10\.0 KiB \(--max-memory 10K\)/);
    const ok = rnnlab(["eval", run, "--json"]);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it.each(names)("%s: predict refused under --max-memory 10K, accepted without", (name) => {
    const run = trained[name] as string;
    const data = name === "forecast" ? fixture("forecast.csv") : join(scratch, `${name}-predict.jsonl`);
    if (name === "classify") writeFileSync(data, '{"text": "big dog?"}\n');
    if (name === "tag") writeFileSync(data, '{"tokens": ["the", "dog"]}\n');
    refused(
      ["predict", run, "--data", data, "--max-memory", "10K"],
      /over the budget of 10\.0 KiB \(--max-memory 10K\): .+, or raise --max-memory\n$/,
    );
    const ok = rnnlab(["predict", run, "--data", data]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).not.toBe("");
  });

  it("names the pass it estimated: a forecast predicts from one window", () => {
    refused(
      ["predict", trained.forecast as string, "--data", fixture("forecast.csv"), "--max-memory", "10K"],
      /for 1 example × 8 steps \(the window\)\), .*: one window is the smallest pass of this model, or raise --max-memory/,
    );
  });
});
