import { GpuContext } from "./context.js";

/** What rnnlab's kernels need beyond WebGPU's defaults. */
const STORAGE_BUFFERS = 10;

export type GpuRequest = { context: GpuContext; adapter: string } | { reason: string };

/** A context on `gpu` (navigator.gpu in a browser, Dawn's in Node), or the one-line reason there is
 *  none: no WebGPU, no adapter, or an adapter without a limit the kernels need. */
export async function requestGpuContext(gpu: GPU | undefined): Promise<GpuRequest> {
  if (!gpu) return { reason: "WebGPU is not available here" };
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return { reason: "WebGPU found no GPU adapter" };
  const limits = adapter.limits;
  if (limits.maxStorageBuffersPerShaderStage < STORAGE_BUFFERS) {
    return {
      reason: `the GPU adapter allows ${limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage, rnnlab's kernels need ${STORAGE_BUFFERS}`,
    };
  }
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: STORAGE_BUFFERS,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(" ");
  return { context: new GpuContext(device, gpu), adapter: name || "unnamed adapter" };
}
