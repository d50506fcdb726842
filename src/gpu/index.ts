// rnnlab/gpu: the WebGPU backend. A GpuContext from requestGpuContext(navigator.gpu) in a browser,
// or requestNodeGpu() of rnnlab/node (Dawn) in Node; then GpuTrainer trains a token model as
// Trainer does (teacher forcing; Adam, AdamW, SGD; clipping), with the parameters, gradients and
// optimizer state on the GPU, and sync() copies them back for checkpoints and sampling.

export { DeviceError } from "../errors.js";
export { type BufferRef, GpuContext, type KernelSource, Plan, type Uniforms } from "./context.js";
export { type GpuRequest, requestGpuContext } from "./device.js";
export { evaluateOnGpu, gpuPace } from "./gpu-evaluate.js";
export { GpuModel, gpuUnsupported } from "./gpu-model.js";
export { FIGURE, GpuPass } from "./gpu-pass.js";
export { GpuTrainer, type GpuTrainerOptions } from "./gpu-trainer.js";
