import { sequentialBatches } from "../data/windows.js";
import { ConfigError, NumericError } from "../errors.js";
import type { GpuContext } from "../gpu/context.js";
import { requestGpuContext } from "../gpu/device.js";
import { gpuPace } from "../gpu/gpu-evaluate.js";
import { gpuRunUnsupported } from "../gpu/gpu-run.js";
import { GpuTrainer } from "../gpu/gpu-trainer.js";
import { PARAM_PREFIX } from "../model/config.js";
import { runModelConfig } from "../run/text-run.js";
import type { RunConfig } from "../train/run-config.js";
import { resolveTrainingConfig } from "./config.js";
import type {
  EvalInfo,
  LiveOptions,
  ProgressInfo,
  StartedInfo,
  StartOptions,
  TrainingConfig,
} from "./protocol.js";
import type { Run } from "./run.js";
import { now } from "./scope.js";
import { divergedError, type PaceProbe, type ThreadSource, TrainingSession } from "./session.js";

// A text run whose steps run on WebGPU (StartOptions.device "webgpu"): a TrainingSession holds the
// corpus, the CPU model and optimizer, the schedule and the guard, as for a CPU run; a GpuTrainer
// holds their copies on the GPU and takes the steps. The CPU copy is brought up to date (sync())
// before whatever reads it: an evaluation's sample, a checkpoint, a sample, the guard's weight scan.

/** A run on the GPU has no thread workers: its one thread only feeds the GPU. */
const GPU_THREADS: ThreadSource = { spawn: null, maxThreads: 1, unavailable: "the GPU runs the steps" };

/** Why the WebGPU backend cannot train this run (one line), or null. */
export function gpuRunSpecUnsupported(spec: RunConfig): string | null {
  // The vocabulary's size changes nothing gpuRunUnsupported checks: any size gives its answer.
  return gpuRunUnsupported(runModelConfig(spec, 2), { feed: spec.feed, optimizer: spec.optimizer.name });
}

/** The device a start asks for, checked. */
export function askedDevice(options: StartOptions): "cpu" | "webgpu" {
  const device = options.device ?? "cpu";
  if (device !== "cpu" && device !== "webgpu") {
    throw new ConfigError(`options.device must be "cpu" or "webgpu", got ${JSON.stringify(device)}`);
  }
  return device;
}

/** A text run on the device `options` asks for: on WebGPU (`gpu`, the worker's navigator.gpu) when
 *  it gives a device and the backend runs the config; else on the CPU, with deviceNote saying why. */
export async function startTextRun(
  config: TrainingConfig,
  options: StartOptions,
  threads: ThreadSource,
  gpu: GPU | undefined,
): Promise<Run> {
  if (askedDevice(options) === "cpu") return TrainingSession.create(config, options, threads);
  const unsupported = gpuRunSpecUnsupported(resolveTrainingConfig(config).spec);
  const request = unsupported === null ? await gpuContext(gpu) : { reason: unsupported };
  if ("reason" in request) {
    const session = await TrainingSession.create(config, options, threads);
    session.deviceNote = `${request.reason}; training on the CPU`;
    return session;
  }
  const { context, adapter } = request;
  try {
    const probe: PaceProbe = (model, valSet) => gpuPace(context, model.config, model.params, valSet, now);
    // "auto": a resumed run's stored thread count is then taken, and GPU_THREADS makes it one.
    const session = await TrainingSession.create(config, { ...options, threads: "auto" }, GPU_THREADS, probe);
    return new GpuSession(session, context, adapter);
  } catch (error) {
    context.destroy();
    throw error;
  }
}

/** requestGpuContext, with a device that fails to start turned into a reason too. */
async function gpuContext(gpu: GPU | undefined): ReturnType<typeof requestGpuContext> {
  try {
    return await requestGpuContext(gpu);
  } catch (error) {
    return { reason: `WebGPU could not start a device (${(error as Error).message})` };
  }
}

/** A text run's steps on the GPU; everything else is its TrainingSession's, synced first. */
export class GpuSession implements Run {
  private trainer: GpuTrainer;
  private closed = false;

  constructor(
    readonly session: TrainingSession,
    private readonly context: GpuContext,
    readonly adapter: string,
  ) {
    this.trainer = this.makeTrainer();
  }

  get spec(): RunConfig {
    return this.session.spec;
  }

  /** A GpuTrainer from the session's state: its model, optimizer, generator and step. */
  private makeTrainer(): GpuTrainer {
    const { spec, corpus, state, pace, trainer } = this.session;
    return new GpuTrainer({
      context: this.context,
      model: state.model,
      optimizer: state.optimizer,
      data: corpus.train,
      seqLen: spec.seqLen,
      batch: spec.batch,
      clip: spec.clip,
      lrSchedule: (at) => pace.lr(at),
      rng: trainer.rng,
      step: trainer.step,
    });
  }

  info(): StartedInfo {
    const info = this.session.info();
    return {
      ...info,
      threads: 1,
      threadNote: null,
      device: "webgpu",
      deviceNote: `WebGPU (${this.adapter})`,
    };
  }

  /** One step on the GPU, its figures read back; the guard sees them as a CPU step's. */
  async step(): Promise<ProgressInfo> {
    const figures = await this.session.pace.timedAsync(() => this.guardedStep());
    this.session.advanceTo(this.trainer.step);
    if (this.session.weightCheckDue(figures.step)) await this.trainer.syncParams();
    else await this.readRecurrentWeight();
    return this.session.report(figures);
  }

  /** A NaN loss read back is a divergence, as on the CPU. */
  private async guardedStep(): ReturnType<GpuTrainer["trainStep"]> {
    try {
      return await this.trainer.trainStep();
    } catch (error) {
      if (!(error instanceof NumericError)) throw error;
      throw divergedError(this.trainer.step, `the training ${error.message.replace(/ at step \d+$/, "")}`);
    }
  }

  /** A vanilla RNN's progress carries ‖W_hh‖₂ of its top layer after every step: that matrix is
   *  read back into the CPU model (the rest waits for the next sync). */
  private async readRecurrentWeight(): Promise<void> {
    const { config, params } = this.session.state.model;
    if (config.cell !== "rnn") return;
    const top = config.layers - 1;
    const H = config.hiddenSize;
    const offset = this.trainer.gpu.offsets.layers[top].weightHh;
    const values = await this.context.read(this.trainer.gpu.params, H * H, offset);
    params.value(`${PARAM_PREFIX.recurrent}weight_hh_l${top}`).set(values);
  }

  steps(): number {
    return this.session.steps();
  }

  finished(): boolean {
    return this.session.finished();
  }

  evalDue(): boolean {
    return this.session.evalDue();
  }

  /** The validation loss on the GPU, then a sample of the synced model. */
  async evaluate(): Promise<EvalInfo> {
    const valLoss = await this.trainer.evaluate(this.session.valSet);
    await this.sync();
    return this.session.evalInfo(valLoss);
  }

  async finalLoss(): Promise<number> {
    if (this.closed) return this.session.finalLoss();
    const { corpus, spec } = this.session;
    return this.trainer.evaluate(sequentialBatches(corpus.val, spec.seqLen, spec.batch));
  }

  tokensPerSecond(): number {
    return this.session.tokensPerSecond();
  }

  trainSeconds(): number {
    return this.session.trainSeconds();
  }

  setLearningRate(lr: number): void {
    this.session.setLearningRate(lr); // the GPU's schedule reads the session's pace
  }

  /** New clipping from the next step on (the GPU's update is rebuilt); feeding other than teacher
   *  forcing is refused, as the GPU does not run it. */
  async setOptions(options: LiveOptions): Promise<void> {
    const { feed } = options;
    if (feed !== undefined && feed.kind !== "teacher-forcing") {
      throw new ConfigError(
        `this run trains on WebGPU, which feeds by teacher forcing only: to train with ${feed.kind}, start a run with device "cpu"`,
      );
    }
    await this.sync();
    this.session.setOptions(options);
    this.trainer.destroy();
    this.trainer = this.makeTrainer();
  }

  async checkpoint(): Promise<Uint8Array> {
    await this.sync();
    return this.session.checkpoint(null);
  }

  async sample(length: number, temperature: number, topP?: number) {
    await this.sync();
    return this.session.sample(length, temperature, topP);
  }

  /** Copies the GPU's state to the CPU model and optimizer; after close() the CPU's is the run's. */
  private async sync(): Promise<void> {
    if (!this.closed) await this.trainer.sync();
  }

  /** Syncs a last time, then frees the GPU: the CPU model stays for checkpoint() and sample(). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.trainer.sync();
    } finally {
      this.closed = true;
      this.trainer.destroy();
      this.context.destroy();
    }
  }
}
