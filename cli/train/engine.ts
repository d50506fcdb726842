import type { TokenBatch } from "../../src/data/windows.js";
import type { GpuContext } from "../../src/gpu/context.js";
import { gpuUnsupported } from "../../src/gpu/gpu-model.js";
import { GpuTrainer } from "../../src/gpu/gpu-trainer.js";
import type { SequenceModel } from "../../src/model/sequence-model.js";
import type { Rng } from "../../src/random.js";
import type { Optimizer } from "../../src/train/optimizers.js";
import { evaluate, type StepFigures, type Trainer, type TrainerOptions } from "../../src/train/trainer.js";
import { requestNodeGpu } from "../../node/webgpu.js";
import { UserError } from "../errors.js";
import type { TrainSpec } from "./spec.js";

/** The devices `rnnlab train --device` takes. */
export const devices = ["cpu", "webgpu"] as const;
export type Device = (typeof devices)[number];

/** What the training loop drives: a CPU Trainer, or the same steps on the GPU. Between syncs the
 *  GPU holds the current weights: sync() copies them (and the optimizer's state) to the CPU model
 *  before a checkpoint, a sample or a weight check. */
export interface StepEngine {
  readonly step: number;
  readonly rng: Rng;
  /** "2 thread(s)", or the GPU adapter. */
  readonly on: string;
  trainStep(): Promise<StepFigures>;
  evaluate(batches: readonly TokenBatch[]): Promise<number>;
  sync(): Promise<void>;
  close(): void;
}

export function cpuEngine(trainer: Trainer, threads: number): StepEngine {
  return {
    get step() {
      return trainer.step;
    },
    rng: trainer.rng,
    on: `${threads} thread(s)`,
    trainStep: async () => trainer.trainStep(),
    evaluate: async (batches) => evaluate(trainer.model, batches),
    sync: async () => {},
    close: () => {},
  };
}

/** A WebGPU context for `train --device webgpu`, or null after one line on stderr saying why there
 *  is none (the CPU runs the training instead). */
export async function acquireGpu(): Promise<{ context: GpuContext; adapter: string } | null> {
  const request = await requestNodeGpu();
  if ("reason" in request) {
    process.stderr.write(`--device webgpu: ${request.reason}; training on the CPU\n`);
    return null;
  }
  return request;
}

/** Refuses, in one line, a run the WebGPU backend does not do (before anything is trained). */
export function refuseGpuRun(spec: TrainSpec, model: SequenceModel, optimizer: Optimizer): void {
  const refuse = (why: string) => new UserError(`--device webgpu: ${why}, or use --device cpu`);
  const unsupported = gpuUnsupported(model.config);
  if (unsupported) throw refuse(unsupported.replace(/: train this model on the CPU$/, ""));
  if (spec.feed.kind !== "teacher-forcing")
    throw refuse(`it trains with teacher forcing only (--mode teacher-forcing), not ${spec.feed.kind}`);
  const name = optimizer.config.name;
  if (name !== "adam" && name !== "adamw" && name !== "sgd")
    throw refuse(`it runs --optimizer adam, adamw or sgd, not ${name}`);
  if (spec.clip?.kind === "norm" && (spec.clip.normType ?? 2) !== 2)
    throw refuse("it clips by the 2-norm only: drop --clip-norm-type inf");
}

export function gpuEngine(
  context: GpuContext,
  adapter: string,
  options: Omit<TrainerOptions, "parallel" | "feed" | "rng"> & { rng: Rng },
): StepEngine {
  const trainer = new GpuTrainer({ ...options, context });
  return {
    get step() {
      return trainer.step;
    },
    rng: trainer.rng,
    on: `WebGPU (${adapter})`,
    trainStep: () => trainer.trainStep(),
    evaluate: (batches) => trainer.evaluate(batches),
    sync: () => trainer.sync(),
    close: () => trainer.gpu.destroy(),
  };
}
