import { describe, expect, it } from "vitest";
import type { GpuContext } from "../../src/gpu/context.js";
import { encodeSoftmaxCrossEntropy } from "../../src/gpu/kernels/cross-entropy.js";
import { softmaxCrossEntropy } from "../../src/kernels/losses.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats, worstError } from "../helpers/gpu-compare.js";

// encodeSoftmaxCrossEntropy against softmaxCrossEntropy in float64 on the same (float32-rounded)
// logits. Tolerance: |gpu − cpu| ≤ 1e-5·|cpu| + 1e-7 per element of dlogits (each is at most
// invCount in size), and 1e-5 relative on the mean loss.

const REL = 1e-5;
const ABS = 1e-7;

/** Classes 0..V−1 with every `skipEvery`-th row −1 (no target). */
function classesFor(rows: number, V: number, skipEvery: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, r) => (r % skipEvery === skipEvery - 1 ? -1 : (r * 7919) % V));
}

async function runLoss(
  gpu: GpuContext,
  logits: Float32Array,
  classes: Int32Array,
  rows: number,
  V: number,
  inPlace: boolean,
): Promise<{ dlogits: Float32Array; rowLoss: Float32Array; invCount: number }> {
  const count = classes.filter((c) => c >= 0).length;
  const invCount = count > 0 ? 1 / count : 0;
  const offset = 5; // logits start past the buffer's start: the offsets are honoured
  const padded = new Float32Array(offset + rows * V + 3);
  padded.set(logits, offset);
  const logitsBuffer = gpu.upload(padded, "logits");
  const dlogitsBuffer = inPlace ? logitsBuffer : gpu.buffer(rows * V + 2, "dlogits");
  const dOffset = inPlace ? offset : 2;
  const rowLoss = gpu.buffer(rows, "rowLoss");
  const plan = gpu.plan();
  await gpu.checked(() =>
    encodeSoftmaxCrossEntropy(plan, {
      rows,
      V,
      logits: { buffer: logitsBuffer, offset },
      classes: gpu.upload(classes, "classes"),
      dlogits: { buffer: dlogitsBuffer, offset: dOffset },
      rowLoss,
      invCount,
    }),
  );
  gpu.run(plan);
  return {
    dlogits: await gpu.read(dlogitsBuffer, rows * V, dOffset),
    rowLoss: await gpu.read(rowLoss, rows),
    invCount,
  };
}

async function compareWithCpu(gpu: GpuContext, rows: number, V: number, inPlace: boolean): Promise<number> {
  const logits = Float32Array.from(randomFloats(rows * V, rows * 1000 + V, 4, "lcg"));
  const classes = classesFor(rows, V, 3);
  const { dlogits, rowLoss, invCount } = await runLoss(gpu, logits, classes, rows, V, inPlace);
  const grad = new Float64Array(rows * V);
  const cpu = softmaxCrossEntropy(grad, Float64Array.from(logits), classes, rows, V);
  const gpuLoss = rowLoss.reduce((sum, l) => sum + l, 0) * invCount;
  expect(Math.abs(gpuLoss - cpu.loss)).toBeLessThanOrEqual(REL * Math.abs(cpu.loss) + ABS);
  for (let r = 0; r < rows; r++) if (classes[r] < 0) expect(rowLoss[r]).toBe(0);
  return worstError(dlogits, grad, REL, ABS);
}

describe.skipIf(skipGpuTests())("encodeSoftmaxCrossEntropy", () => {
  it("encodeSoftmaxCrossEntropy(V = 1, 3, 65, 1000, 5000) matches softmaxCrossEntropy", async () => {
    const gpu = await gpuContext();
    for (const [rows, V] of [
      [4, 1],
      [7, 3],
      [5, 65],
      [6, 1000],
      [3, 5000],
      [300, 65],
    ]) {
      expect(await compareWithCpu(gpu, rows, V, false), `rows ${rows}, V ${V}`).toBeLessThanOrEqual(1);
    }
  });

  it("encodeSoftmaxCrossEntropy(dlogits over logits) matches softmaxCrossEntropy", async () => {
    const gpu = await gpuContext();
    for (const [rows, V] of [
      [5, 257],
      [2, 1],
    ]) {
      expect(await compareWithCpu(gpu, rows, V, true), `rows ${rows}, V ${V}`).toBeLessThanOrEqual(1);
    }
  });

  it("encodeSoftmaxCrossEntropy(rows without targets) writes zero gradients and losses", async () => {
    const gpu = await gpuContext();
    const rows = 3;
    const V = 300;
    const { dlogits, rowLoss, invCount } = await runLoss(
      gpu,
      Float32Array.from(randomFloats(rows * V, 9, 2, "lcg")),
      Int32Array.from([-1, -1, -1]),
      rows,
      V,
      false,
    );
    expect(invCount).toBe(0);
    expect(dlogits.every((g) => g === 0)).toBe(true);
    expect([...rowLoss]).toEqual([0, 0, 0]);
  });
});
