import { type GpuRequest, requestGpuContext } from "../src/gpu/device.js";

/** A WebGPU context in Node through Dawn (the optional `webgpu` package), or the one-line reason
 *  there is none. Without a GPU, Dawn runs on the CPU through a Vulkan driver such as SwiftShader
 *  (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json): correct, and slow. */
export async function requestNodeGpu(): Promise<GpuRequest> {
  // Dawn's Vulkan loader warns on every start when this is unset (a container, CI).
  process.env.XDG_RUNTIME_DIR ??= "/tmp";
  let dawn: typeof import("webgpu");
  try {
    dawn = await import("webgpu");
  } catch (error) {
    return {
      reason: `WebGPU in Node needs the webgpu package (npm install webgpu): ${firstLine(error)}`,
    };
  }
  try {
    Object.assign(globalThis, dawn.globals);
    return await requestGpuContext(dawn.create([]));
  } catch (error) {
    return { reason: `WebGPU could not start: ${firstLine(error)}` };
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
