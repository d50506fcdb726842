import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpointFile } from "../cli/files.js";
import { WRITE_PHASES } from "../cli/write-faults.js";
import type { MetricRecord } from "../src/train/metrics.js";
import { rnnlab, smallTrainFlags } from "./helpers/cli.js";

// A SIGKILL at each phase of a checkpoint write (the fault hook RNNLAB_FAULT_WRITE_DELAY_MS with
// RNNLAB_FAULT_WRITE_PHASE): the checkpoint left is whole (the previous one, or after the rename the
// new one), the next --resume takes over the stale lock, removes the torn temporary file, and ends
// with the same losses as a run never killed.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-kill-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const small = smallTrainFlags(scratch);
const options = [...small, "--eval-every", "2", "--threads", "1"];

const losses = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as MetricRecord)
    .filter((r) => r.type === "train" || r.type === "val")
    .map((r) => [r.type, r.step, "loss" in r ? r.loss : r.valLoss]);
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** `rnnlab train --resume DIR --steps 8`, SIGKILLed when the fault hook says it paused. */
async function killedAt(dir: string, phase: string): Promise<void> {
  const child = spawn(process.execPath, ["dist/cli/main.js", "train", "--resume", dir, "--steps", "8"], {
    env: { ...process.env, RNNLAB_FAULT_WRITE_DELAY_MS: "20000", RNNLAB_FAULT_WRITE_PHASE: phase },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pause at ${phase}: ${stderr}`)), 30_000);
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes(`rnnlab: fault: paused at ${phase} of `)) {
        clearTimeout(timer);
        child.kill("SIGKILL");
        resolve();
      }
    });
  });
  await exited;
}

describe("SIGKILL at every phase of a checkpoint write", () => {
  const whole = join(scratch, "whole");
  it("the run never killed", () => {
    expect(rnnlab(["train", ...options, "--steps", "8", "--out", whole]).status).toBe(0);
  });

  it.each(WRITE_PHASES.map((phase) => [phase]))(
    "killed at %s: a whole checkpoint is left; --resume takes over, cleans up and matches the run never killed",
    async (phase) => {
      const out = join(scratch, phase);
      expect(rnnlab(["train", ...options, "--steps", "4", "--out", out]).status).toBe(0);
      await killedAt(out, phase);
      // The first write after step 4 is step 6's: renamed in, it is the checkpoint; before, step 4's is.
      const renamed = phase === "renamed";
      expect(loadCheckpointFile(join(out, "checkpoint.safetensors")).step).toBe(renamed ? 6 : 4);
      expect(temps(out)).toHaveLength(renamed ? 0 : 1);
      expect(existsSync(join(out, ".lock"))).toBe(true);
      const resumed = rnnlab(["train", "--resume", out, "--steps", "8"]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(/rnnlab: note: took over the stale lock of pid \d+ /);
      if (!renamed)
        expect(resumed.stderr).toMatch(/removed 1 temporary file\(s\) left by a killed run: \.checkpoint/);
      expect(readdirSync(out).sort()).toEqual(["checkpoint.safetensors", "metrics.jsonl", "report.html"]);
      expect(losses(out)).toEqual(losses(whole));
    },
  );
});
