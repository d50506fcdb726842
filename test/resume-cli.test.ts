import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpointFile } from "../cli/files.js";
import type { MetricRecord, TrainRecord } from "../src/train/metrics.js";
import { makeLrSchedule } from "../src/train/schedules.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";
import { edited } from "./helpers/text-checkpoint.js";

// `rnnlab train --resume` continues the stopped run exactly or says why it cannot: the thread count
// is stored and kept (a step's gradient is summed per thread's shard, so its rounding depends on
// it), and --steps past a cosine or onecycle schedule's end needs --extend-schedule or
// --restart-schedule.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-resume-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const small = [...smallTrainFlags(scratch), "--eval-every", "2"];
const LR = 0.005; // rnnlab train's default --lr

const records = (dir: string): MetricRecord[] =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
/** The train records of the steps after `from`: the resumed part of the run. */
const trainedAfter = (dir: string, from: number) =>
  records(dir).filter((r): r is TrainRecord => r.type === "train" && r.step > from);
const losses = (dir: string) =>
  records(dir)
    .filter((r) => r.type === "train" || r.type === "val")
    .map((r) => [r.type, r.step, "loss" in r ? r.loss : r.valLoss]);
const checkpoint = (dir: string) => loadCheckpointFile(join(dir, "checkpoint.safetensors"));
/** The lr schedule the run's checkpoint stores (extra.train.lrSchedule). */
const storedSchedule = (dir: string) =>
  (checkpoint(dir).extra as { train: { lrSchedule: unknown } }).train.lrSchedule;
const train = (args: string[]) => rnnlab(["train", ...args]);

/** A one-line refusal with exit status 2 that leaves the run at `step`. */
function expectRefused(r: ReturnType<typeof rnnlab>, message: RegExp, dir: string, step: number) {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(checkpoint(dir).step).toBe(step);
}

describe("--resume keeps the thread count", () => {
  const threads2 = [...small, "--batch", "8", "--threads", "2"];

  it("the checkpoint stores it; a resume without --threads uses it and matches an unbroken run exactly", () => {
    const whole = join(scratch, "threads-whole");
    const parts = join(scratch, "threads-parts");
    expect(train([...threads2, "--steps", "4", "--out", whole]).status).toBe(0);
    expect(train([...threads2, "--steps", "2", "--out", parts]).status).toBe(0);
    expect(checkpoint(parts).extra?.threads).toBe(2);
    const resumed = train(["--resume", parts, "--steps", "4", "--json"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1) as string).threads).toBe(2);
    expect(losses(parts)).toEqual(losses(whole));
    expect(losses(whole)).toHaveLength(6);
  });

  it("--threads with another count is refused in one line that says why and what to do", () => {
    const dir = join(scratch, "threads-other");
    expect(train([...threads2, "--steps", "2", "--out", dir]).status).toBe(0);
    expectRefused(
      train(["--resume", dir, "--steps", "4", "--threads", "1"]),
      /^rnnlab: --resume .*threads-other: the run trains on 2 thread\(s\), and a step's gradient is summed over the threads' shards, so its rounding depends on their number: --threads 1 would not continue it as an unbroken run would; leave --threads out or give --threads 2\n$/,
      dir,
      2,
    );
    expect(train(["--resume", dir, "--steps", "3", "--threads", "2"]).status).toBe(0);
    expect(checkpoint(dir).step).toBe(3);
  });

  it("a checkpoint without a stored count (older) takes any; a tampered count is refused", () => {
    const dir = join(scratch, "threads-old");
    expect(train([...threads2, "--steps", "2", "--out", dir]).status).toBe(0);
    const path = join(dir, "checkpoint.safetensors");
    const bytes = readFileSync(path);
    writeFileSync(
      path,
      edited(bytes, (file) => {
        file.extra.threads = 1000;
      }),
    );
    expectRefused(
      train(["--resume", dir, "--steps", "3"]),
      /the checkpoint's extra\.threads is 1000, not a thread count from 1 to 64/,
      dir,
      2,
    );
    writeFileSync(
      path,
      edited(bytes, (file) => {
        delete file.extra.threads;
      }),
    );
    const r = train(["--resume", dir, "--steps", "3", "--threads", "1", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string).threads).toBe(1);
    expect(checkpoint(dir).extra?.threads).toBe(1);
  });
});

describe("--resume past the end of a cosine or onecycle schedule", () => {
  const cosine = [...small, "--lr-schedule", "cosine", "--min-lr", "0.0001"];
  const cosineSpec = { kind: "cosine", minLr: 0.0001, warmup: 0 } as const;

  it("is refused in one line naming the end and both ways on; within the end it goes on", () => {
    const dir = join(scratch, "cosine-refused");
    expect(train([...cosine, "--steps", "4", "--out", dir]).status).toBe(0);
    expectRefused(
      train(["--resume", dir, "--steps", "10"]),
      /^rnnlab: --resume .*cosine-refused: the run's cosine schedule ends at step 4; --steps 10 would train 6 steps at its last lr \(0\.0001\): give --extend-schedule \(stretch it to end at step 10\) or --restart-schedule \(a new one from step 4 to 10\)\n$/,
      dir,
      4,
    );
    expectRefused(train(["--resume", dir, "--minutes", "1"]), /--minutes could train past it/, dir, 4);
    expectRefused(
      train(["--resume", dir, "--steps", "10", "--extend-schedule", "--restart-schedule"]),
      /exclude each other/,
      dir,
      4,
    );
    // A schedule that ends at 8, resumed at 4 to 8: within its end, as before.
    const path = join(dir, "checkpoint.safetensors");
    writeFileSync(
      path,
      edited(readFileSync(path), (file) => {
        (file.extra.train as { lrSchedule: { totalSteps: number } }).lrSchedule.totalSteps = 8;
      }),
    );
    expect(train(["--resume", dir, "--steps", "8"]).status).toBe(0);
    const lr = makeLrSchedule({ ...cosineSpec, totalSteps: 8 }, LR);
    expect(trainedAfter(dir, 4).map((r) => [r.step, r.lr])).toEqual(
      [5, 6, 7, 8].map((step) => [step, lr(step - 1)]),
    );
  });

  it("--extend-schedule: the schedule made for the new --steps, stored, so its end is the new one", () => {
    const dir = join(scratch, "cosine-extended");
    expect(train([...cosine, "--steps", "4", "--out", dir]).status).toBe(0);
    const r = train(["--resume", dir, "--steps", "8", "--extend-schedule"]);
    expect(r.status, r.stderr).toBe(0);
    const lr = makeLrSchedule({ ...cosineSpec, totalSteps: 8 }, LR);
    expect(trainedAfter(dir, 4).map((rec) => [rec.step, rec.lr])).toEqual(
      [5, 6, 7, 8].map((step) => [step, lr(step - 1)]),
    );
    expect(storedSchedule(dir)).toEqual({
      ...cosineSpec,
      totalSteps: 8,
    });
    expectRefused(train(["--resume", dir, "--steps", "12"]), /cosine schedule ends at step 8;/, dir, 8);
  });

  it("--restart-schedule: a new schedule from the checkpoint's step, stored with its start", () => {
    const dir = join(scratch, "onecycle-restarted");
    const onecycle = [...small, "--lr-schedule", "onecycle", "--pct-start", "0.5"];
    expect(train([...onecycle, "--steps", "4", "--out", dir]).status).toBe(0);
    const r = train(["--resume", dir, "--steps", "8", "--restart-schedule"]);
    expect(r.status, r.stderr).toBe(0);
    const fresh = makeLrSchedule({ kind: "onecycle", totalSteps: 4, pctStart: 0.5 }, LR);
    const used = trainedAfter(dir, 4).map((rec) => rec.lr);
    expect(used).toEqual([0, 1, 2, 3].map((k) => fresh(k)));
    expect(used[1]).toBe(LR); // the peak again, half-way through the new 4 steps
    expect(storedSchedule(dir)).toEqual({
      kind: "onecycle",
      totalSteps: 4,
      pctStart: 0.5,
      start: 4,
    });
    expectRefused(
      train(["--resume", dir, "--steps", "9", "--restart-schedule"]),
      /^rnnlab: --restart-schedule to step 9: lr schedule: totalSteps must be an integer >= 2 .*; give a larger --steps\n$/,
      dir,
      8,
    );
  });

  it("the two flags are refused without --resume and on a schedule without an end", () => {
    const fresh = train([...small, "--steps", "2", "--extend-schedule", "--out", join(scratch, "never")]);
    expect(fresh.status).toBe(2);
    expect(fresh.stderr).toBe(
      "rnnlab: --extend-schedule applies to a resumed run: give it with --resume DIR, or drop it\n",
    );
    const dir = join(scratch, "constant");
    expect(train([...small, "--steps", "2", "--out", dir]).status).toBe(0);
    expectRefused(
      train(["--resume", dir, "--steps", "4", "--restart-schedule"]),
      /^rnnlab: --restart-schedule applies to a run whose lr schedule ends \(cosine, onecycle\); .*constant's is constant: drop --restart-schedule\n$/,
      dir,
      2,
    );
  });
});
