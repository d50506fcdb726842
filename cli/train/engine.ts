import type { TokenBatch } from "../../src/data/windows.js";
import type { GpuContext } from "../../src/gpu/context.js";
import { gpuRunUnsupported } from "../../src/gpu/gpu-run.js";
import { GpuTrainer } from "../../src/gpu/gpu-trainer.js";
import type { SequenceModel } from "../../src/model/sequence-model.js";
import type { Rng } from "../../src/random.js";
import type { Optimizer } from "../../src/train/optimizers.js";
import { evaluate, type StepFigures, type Trainer, type TrainerOptions } from "../../src/train/trainer.js";
import { gpuRefusal } from "../device.js";
import type { TrainSpec } from "./spec.js";

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
  /** sync() of the parameters alone (a sample, the guard's weight scan). */
  syncParams(): Promise<void>;
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
    syncParams: async () => {},
    close: () => {},
  };
}

/** Refuses, in one line, a run the WebGPU backend does not do (before anything is trained). */
export function refuseGpuRun(spec: TrainSpec, model: SequenceModel, optimizer: Optimizer): void {
  const reason = gpuRunUnsupported(model.config, { feed: spec.feed, optimizer: optimizer.config.name });
  if (reason) throw gpuRefusal(reason);
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
    syncParams: () => trainer.syncParams(),
    close: () => trainer.destroy(),
  };
}
