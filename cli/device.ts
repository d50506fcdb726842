import { Option } from "commander";
import type { GpuContext } from "../src/gpu/context.js";
import { GpuModel, gpuUnsupported } from "../src/gpu/gpu-model.js";
import type { ModelConfig } from "../src/model/config.js";
import type { SequenceModel } from "../src/model/sequence-model.js";
import { UserError } from "./errors.js";
import { requestNodeGpu } from "../node/webgpu.js";

/** The devices of --device. */
export const devices = ["cpu", "webgpu"] as const;
export type Device = (typeof devices)[number];

/** --device, default cpu; `does` says what runs where ("the steps run"). */
export function deviceOption(does: string): Option {
  return new Option(
    "--device <d>",
    `where ${does}: cpu, or webgpu (a GPU through WebGPU; the CPU, with one line saying why, when none is found)`,
  )
    .choices(devices)
    .default("cpu");
}

/** A WebGPU context, or null after one line on stderr saying why there is none and that `fallback`
 *  ("training") runs on the CPU instead. */
export async function acquireGpu(fallback: string): Promise<{ context: GpuContext; adapter: string } | null> {
  const request = await requestNodeGpu();
  if ("reason" in request) {
    process.stderr.write(`--device webgpu: ${request.reason}; ${fallback} on the CPU\n`);
    return null;
  }
  return request;
}

/** The one-line refusal of something --device webgpu does not do. */
export function gpuRefusal(why: string): UserError {
  return new UserError(`--device webgpu: ${why}, or use --device cpu`);
}

/** Refuses a model the WebGPU backend does not run (before anything is computed). */
export function refuseUnsupportedOnGpu(config: ModelConfig): void {
  const unsupported = gpuUnsupported(config);
  if (unsupported) throw gpuRefusal(unsupported);
}

/** `onGpu` on a GPU copy of `model` (refused in one line when the backend cannot run it), freed
 *  after; `onCpu` after one line when there is no GPU (`fallback` names the work: "evaluating"). */
export async function withGpuModel<T>(
  model: SequenceModel,
  fallback: string,
  onGpu: (gpuModel: GpuModel) => Promise<T>,
  onCpu: () => T,
): Promise<T> {
  refuseUnsupportedOnGpu(model.config);
  const gpu = await acquireGpu(fallback);
  if (!gpu) return onCpu();
  const gpuModel = new GpuModel(gpu.context, model.config, model.params);
  try {
    return await onGpu(gpuModel);
  } finally {
    gpuModel.destroy();
    gpu.context.destroy();
  }
}
