import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runParityOnGpu } from "../../src/parity/index.js";
import { rnnlab } from "../helpers/cli.js";
import { gpuContext, skipGpuTests, useSwiftShader } from "../helpers/gpu.js";

// Every PyTorch fixture (versions 1 and 2) through the WebGPU backend on SwiftShader, in float32,
// within 1e-4 of PyTorch's float64 results: each one runs in full (none is reported as not run).

const dirs = ["torch", "torch-generated", "torch-v2", "torch-v2-generated"].map((d) => `test/fixtures/${d}`);
const files = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => `${dir}/${f}`),
);
const load = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe.skipIf(skipGpuTests())("runParityOnGpu(fixture)", () => {
  afterAll(async () => (await gpuContext()).destroy());

  it("finds every kind of fixture, and the options the GPU runs", () => {
    expect(files.length).toBeGreaterThanOrEqual(47);
    expect(new Set(files.map((f) => load(f).kind))).toEqual(new Set(["recurrent", "charlm", "clip"]));
    expect(files.some((f) => load(f).bias === false)).toBe(true);
    expect(files.filter((f) => Number(load(f).proj_size ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
    // Padded sequences and both directions run, alone and together.
    const flags = files.map((f) => [Array.isArray(load(f).lengths), load(f).bidirectional === true]);
    for (const want of [
      [true, false],
      [false, true],
      [true, true],
    ])
      expect(
        flags.some((f) => f[0] === want[0] && f[1] === want[1]),
        `${want}`,
      ).toBe(true);
  });

  it.each(files)("runParityOnGpu(%s) is within 1e-4 in float32", async (file) => {
    const report = await runParityOnGpu(load(file), file, await gpuContext());
    expect(report.runs.map((run) => run.dtype)).toEqual(["float32"]);
    const failing = report.runs[0].quantities.filter((q) => !q.ok);
    expect(failing.map((q) => `${q.name}: ${q.error.toExponential(2)}`)).toEqual([]);
    expect(report.runs[0].quantities.length).toBeGreaterThan(3);
    expect(report.ok).toBe(true);
    // Nothing is left out: the clip fixtures' inf-norm entries run too.
    expect(report.notRun).toBeUndefined();
  });

  it("runParityOnGpu(a fixture with a changed gradient) fails, naming it", async () => {
    const fixture = load("test/fixtures/torch/lstm_L2_T4_B2_I3_H5.json");
    fixture.grads.weight_hh_l1[2][1] += 1e-2;
    const report = await runParityOnGpu(fixture, "tampered", await gpuContext());
    expect(report.ok).toBe(false);
    expect(report.runs[0].quantities.filter((q) => !q.ok).map((q) => q.name)).toEqual(["grads.weight_hh_l1"]);
  });
});

describe.skipIf(skipGpuTests())("rnnlab parity --device webgpu", () => {
  const gru = "test/fixtures/torch/gru_L2_T4_B2_I3_H5.json";
  const noBias = "test/fixtures/torch-v2/rnn_tanh_L2_T4_B2_I3_H5_nobias.json";
  const projection = "test/fixtures/torch-v2/lstm_L1_T5_B3_I4_H6_P3.json";
  const bidirectionalProjection =
    "test/fixtures/torch-v2-generated/lstm_L2_T4_B3_I3_H5_bi_P2_nobias_len.json";

  it("parity --device webgpu FILES checks each in float32 and exits 0", () => {
    useSwiftShader();
    const result = rnnlab(["parity", "--device", "webgpu", gru, noBias]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^file \/ quantity +float32\n/);
    expect(result.stdout).toMatch(/rnn_tanh_L2_T4_B2_I3_H5_nobias\.json \(recurrent\) +\d\.\de-\d+ ok/);
    expect(result.stdout).toMatch(/\n {2}grads\.weight_hh_l1 +\d\.\de-\d+ ok/);
    expect(result.stdout).toMatch(/\nPASS: 2\/2 files within tolerance \(.*float32 0\.0001\)\n$/);
    expect(result.status).toBe(0);
  });

  it("parity --device webgpu --summary FILES runs the LSTM projections, one line a file, and exits 0", () => {
    useSwiftShader();
    const result = rnnlab(["parity", "--device", "webgpu", "--summary", projection, bidirectionalProjection]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/lstm_L1_T5_B3_I4_H6_P3\.json \(recurrent\) +\d\.\de-\d+ ok/);
    expect(result.stdout).toMatch(/lstm_L2_T4_B3_I3_H5_bi_P2_nobias_len\.json \(recurrent\) +\d\.\de-\d+ ok/);
    expect(result.stdout).not.toMatch(/not run/);
    expect(result.stdout).toMatch(/\nPASS: 2\/2 files within tolerance/);
    expect(result.status).toBe(0);
  });

  it("parity --device webgpu without a GPU says so in one line and exits 2 (no CPU fallback)", () => {
    const args = ["dist/cli/main.js", "parity", "--device", "webgpu", gru];
    const env = { ...process.env, VK_ICD_FILENAMES: "/no-driver.json" };
    const result = spawnSync(process.execPath, args, { encoding: "utf8", env });
    // Dawn's own warnings come first; rnnlab's line is the last.
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      "rnnlab: --device webgpu: WebGPU found no GPU adapter; parity checks the GPU, so nothing ran",
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(2);
  });

  it("parity --device webgpu --dtype float64 is refused in one line", () => {
    const result = rnnlab(["parity", "--device", "webgpu", "--dtype", "float64", gru]);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/--device webgpu: .*float32.*--dtype float32/);
    expect(result.status).toBe(2);
  });
});
