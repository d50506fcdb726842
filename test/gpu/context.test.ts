import { describe, expect, it } from "vitest";
import { requestNodeGpu } from "../../node/webgpu.js";
import { DeviceError } from "../../src/errors.js";
import { linearGroups } from "../../src/gpu/context.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";

const addKernel = {
  label: "add",
  code: /* wgsl */ `
struct U { n: u32, offset: u32, scale: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= u.n) { return; }
  y[u.offset + i] += u.scale * x[i];
}`,
};

describe.skipIf(skipGpuTests())("GpuContext", () => {
  it("plan.dispatch runs in order and each dispatch sees the one before", async () => {
    const gpu = await gpuContext();
    const x = gpu.upload(Float32Array.from([1, 2, 3, 4, 5]), "x");
    const y = gpu.upload(Float32Array.from([0, 0, 0, 0, 0, 0, 0]), "y");
    const plan = gpu.plan();
    plan.dispatch(addKernel, [x, y], { u32: [5, 2], f32: [0.5] }, linearGroups(5, 64));
    plan.dispatch(addKernel, [x, y], { u32: [3, 0], f32: [2] }, linearGroups(3, 64));
    gpu.run(plan);
    gpu.run(plan);
    expect([...(await gpu.read(y, 7))]).toEqual([4, 8, 13, 2, 3, 4, 5]);
  });

  it("setUniforms changes what the next run of a plan computes", async () => {
    const gpu = await gpuContext();
    const x = gpu.upload(Float32Array.from([1, 1]), "x");
    const y = gpu.buffer(2, "y");
    const plan = gpu.plan();
    plan.dispatch(addKernel, [x, y], { u32: [2, 0], f32: [1] }, [1]);
    gpu.run(plan);
    plan.setUniforms(0, { u32: [2, 0], f32: [10] });
    gpu.run(plan);
    expect([...(await gpu.read(y, 2))]).toEqual([11, 11]);
  });

  it("buffer() over the adapter's limit throws a DeviceError naming what it was for", async () => {
    const gpu = await gpuContext();
    const limit = Math.min(gpu.device.limits.maxBufferSize, gpu.device.limits.maxStorageBufferBindingSize);
    expect(() => gpu.buffer(limit / 4 + 1, "logits")).toThrow(DeviceError);
    expect(() => gpu.buffer(limit / 4 + 1, "logits")).toThrow(
      /^the logits need a GPU buffer of [\d.]+ GiB, over this adapter's limit of [\d.]+ GiB: use a smaller/,
    );
    expect(gpu.buffer(16, "small").size).toBe(64);
  });

  it("read() after work WebGPU refused throws that refusal, not numbers", async () => {
    // A context of its own: a refused dispatch marks its context failed for good.
    const request = await requestNodeGpu();
    if ("reason" in request) throw new Error(request.reason);
    const gpu = request.context;
    const x = gpu.upload(Float32Array.from([1, 2]), "x");
    const y = gpu.buffer(2, "y");
    const plan = gpu.plan();
    plan.dispatch(addKernel, [x, y], { u32: [2, 0], f32: [1] }, [1]);
    x.destroy();
    gpu.run(plan);
    await expect(gpu.read(y, 2)).rejects.toThrow(/^WebGPU refused the work: .*destroyed/i);
    gpu.destroy();
  });

  it("linearGroups covers counts past 65535 workgroups in two dimensions", () => {
    for (const count of [1, 64, 65, 65535 * 64, 65535 * 64 + 1, 1e8]) {
      const [x, y] = linearGroups(count, 64);
      expect(x).toBeLessThanOrEqual(65535);
      expect(x * y * 64).toBeGreaterThanOrEqual(count);
    }
  });
});
