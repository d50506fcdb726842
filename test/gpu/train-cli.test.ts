import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnlab, smallTrainFlags } from "../helpers/cli.js";
import { skipGpuTests, useSwiftShader } from "../helpers/gpu.js";

// `rnnlab train --device webgpu` on SwiftShader against the same run on the CPU: the same windows
// and initial weights, so the same losses to float32 rounding; the checkpoint is the CPU's format.

interface Line {
  type: string;
  step: number;
  loss?: number;
  gradNorm?: number;
  gradNormClipped?: number;
  valLoss?: number;
}

const lines = (folder: string): Line[] =>
  readFileSync(join(folder, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Line);

describe.skipIf(skipGpuTests())("rnnlab train and eval --device webgpu", () => {
  let scratch: string;
  let flags: string[];

  beforeAll(() => {
    useSwiftShader();
    scratch = mkdtempSync(join(tmpdir(), "rnnlab-gpu-cli-"));
    flags = [...smallTrainFlags(scratch), "--steps", "6", "--eval-every", "3", "--threads", "1"];
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("train --device webgpu gives the CPU run's losses and a checkpoint the CPU resumes", () => {
    const gpu = rnnlab(["train", ...flags, "--device", "webgpu", "--out", join(scratch, "gpu")]);
    expect(gpu.stderr).toMatch(/tokens\/s on WebGPU \(/);
    expect(gpu.status).toBe(0);
    const cpu = rnnlab(["train", ...flags, "--out", join(scratch, "cpu")]);
    expect(cpu.status).toBe(0);
    const [onGpu, onCpu] = [lines(join(scratch, "gpu")), lines(join(scratch, "cpu"))];
    const train = (all: Line[]) => all.filter((line) => line.type === "train");
    expect(train(onGpu).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6]);
    train(onCpu).forEach((line, i) => {
      expect(train(onGpu)[i].loss).toBeCloseTo(line.loss as number, 4);
      expect(train(onGpu)[i].gradNorm).toBeCloseTo(line.gradNorm as number, 4);
    });
    const done = (all: Line[]) => all.find((line) => line.type === "done")?.valLoss as number;
    expect(done(onGpu)).toBeCloseTo(done(onCpu), 4);
    // eval --device webgpu: the validation loss on the GPU, the CPU's to float32 rounding.
    const evaluated = (device: string) => {
      const result = rnnlab([
        "eval",
        join(scratch, "gpu"),
        "--device",
        device,
        "--json",
        "--count",
        "2",
        "--length",
        "8",
      ]);
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { valLoss: number; tokens: number };
    };
    const [evalGpu, evalCpu] = [evaluated("webgpu"), evaluated("cpu")];
    expect(evalGpu.tokens).toBe(evalCpu.tokens);
    expect(evalGpu.valLoss).toBeCloseTo(evalCpu.valLoss, 5);
    // A GPU run stores no thread count: the CPU resumes it on any.
    const resumed = rnnlab(["train", "--resume", join(scratch, "gpu"), "--steps", "8", "--threads", "2"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(train(lines(join(scratch, "gpu"))).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("train --device webgpu --clip-norm-type inf gives the CPU run's losses and gradient norms", () => {
    const clip = ["--steps", "3", "--eval-every", "3", "--clip-norm", "0.05", "--clip-norm-type", "inf"];
    const run = (device: string) => {
      const out = join(scratch, `inf-${device}`);
      const result = rnnlab(["train", ...flags, ...clip, "--device", device, "--out", out]);
      expect(result.status, result.stderr).toBe(0);
      return lines(out).filter((line) => line.type === "train");
    };
    const [onGpu, onCpu] = [run("webgpu"), run("cpu")];
    expect(onGpu.map((line) => line.step)).toEqual([1, 2, 3]);
    onCpu.forEach((line, i) => {
      expect(onGpu[i].loss).toBeCloseTo(line.loss as number, 4);
      expect(onGpu[i].gradNorm).toBeCloseTo(line.gradNorm as number, 4);
      expect(onGpu[i].gradNormClipped).toBeCloseTo(line.gradNormClipped as number, 4);
      expect(line.gradNormClipped).toBeLessThan(line.gradNorm as number); // it clipped
    });
  });

  it.each([
    [
      ["--layers", "2", "--dropout", "0.1"],
      /^rnnlab: --device webgpu: the WebGPU backend does not run dropout \(dropout\) yet, or use --device cpu$/m,
    ],
    [["--mode", "free-running"], /teacher forcing only/],
    [["--task", "classify"], /--device webgpu trains language models only/],
  ])("train --device webgpu %j is refused in one line, nothing written", (extra, message) => {
    const out = join(scratch, `refused-${extra.join("")}`);
    const result = rnnlab(["train", ...flags, "--device", "webgpu", ...extra, "--out", out]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(out, "checkpoint.safetensors"))).toBe(false);
  });

  it("train --device webgpu with no adapter says so in one line and trains on the CPU", () => {
    const out = join(scratch, "fallback");
    const run = spawnSync(
      process.execPath,
      ["dist/cli/main.js", "train", ...flags, "--device", "webgpu", "--out", out],
      {
        encoding: "utf8",
        env: { ...process.env, VK_ICD_FILENAMES: join(scratch, "no-such-driver.json") },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^--device webgpu: WebGPU found no GPU adapter; training on the CPU$/m);
    expect(run.stderr).toMatch(/tokens\/s on 1 thread\(s\)/);
  });
});
