import { existsSync } from "node:fs";
import { requestNodeGpu } from "../../node/webgpu.js";
import type { GpuContext } from "../../src/gpu/context.js";

// The WebGPU tests run Dawn (the webgpu package) on SwiftShader, the CPU Vulkan driver of Debian's
// chromium package, so they need no GPU: correctness only. A developer's machine without it skips
// them with one line; a CI run (CI set) fails them, since .ci/run installs chromium and libvulkan1.

const icd = process.env.VK_ICD_FILENAMES || "/usr/lib/chromium/vk_swiftshader_icd.json";
const inCi = Boolean(process.env.CI) && process.env.CI !== "false";
const missing = `no SwiftShader Vulkan driver at ${icd}: apt-get install chromium libvulkan1, or set VK_ICD_FILENAMES`;

export function skipGpuTests(): boolean {
  const skip = !existsSync(icd) && !inCi;
  if (skip) process.stderr.write(`WebGPU tests skipped: ${missing} to run them\n`);
  return skip;
}

/** Points Dawn at SwiftShader, here and in the processes this one spawns (the CLI's). */
export function useSwiftShader(): void {
  if (!existsSync(icd)) throw new Error(`CI runs the WebGPU tests, but there is ${missing}`);
  process.env.VK_ICD_FILENAMES = icd;
}

let context: Promise<GpuContext> | null = null;

/** One context per test file (Dawn on SwiftShader). */
export function gpuContext(): Promise<GpuContext> {
  context ??= (async () => {
    useSwiftShader();
    const request = await requestNodeGpu();
    if ("reason" in request) throw new Error(request.reason);
    return request.context;
  })();
  return context;
}
