import { ConfigError, StateError } from "../errors.js";
import { encodeCheckpoint } from "../io/checkpoint.js";
import { toCheckpoint } from "../io/model-checkpoint.js";
import { kernelPath } from "../kernels/kernel-path.js";
import { directionsOf, type ModelConfig, stateWidthOf } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { inEvalMode } from "../model/dropout.js";
import { normsOverTime } from "../model/grad-flow.js";
import { SequenceModel, type Targets } from "../model/sequence-model.js";
import { DataParallel } from "../parallel/data-parallel.js";
import { Rng } from "../random.js";
import { sequenceTask, type TaskName, taskBaseline } from "../tasks/registry.js";
import type { SequenceTask, TaskBatch } from "../tasks/task.js";
import { alloc, type Buf } from "../tensor.js";
import { createOptimizer, type Optimizer } from "../train/optimizers.js";
import type { RunConfig } from "../train/run-config.js";
import { clipAndUpdate } from "../train/trainer.js";
import { checkedRunConfig, resolveTrainingConfig } from "./config.js";
import { refuseModelOverBrowserBudget } from "./memory.js";
import type {
  EvalInfo,
  LiveOptions,
  ProgressInfo,
  StartedInfo,
  StartOptions,
  TrainingConfig,
} from "./protocol.js";
import type { Run } from "./run.js";
import { RunPace } from "./pace.js";
import { RecurrentNormTracker } from "./recurrent-bound.js";
import { type ThreadSource, threadCount } from "./session.js";

// A synthetic task trained in a worker: each step draws a fresh batch from the task's generator
// (all from the run's seeded generator), then BPTT, clipping and the optimizer, as Trainer does
// for text. Validation is a fixed set of batches from a generator of its own.

export class TaskSession implements Run {
  private readonly pace: RunPace;
  private readonly rng: Rng;
  private readonly valSet: TaskBatch[];
  private readonly baseline: number;
  private readonly norms: Float64Array;
  private readonly recurrentNorm: RecurrentNormTracker | null;
  private taken = 0;
  /** Why a run that asked for WebGPU trains on the CPU, or null. */
  deviceNote: string | null = null;

  private constructor(
    public spec: RunConfig,
    readonly name: TaskName,
    readonly task: SequenceTask,
    readonly model: SequenceModel,
    readonly optimizer: Optimizer,
    readonly parallel: DataParallel | null,
    readonly threadNote: string | null,
  ) {
    this.pace = new RunPace(spec);
    this.rng = new Rng(spec.seed + 1);
    const valRng = new Rng(spec.seed + 2);
    this.valSet = Array.from({ length: spec.valBatches }, () => task.batch(valRng, spec.seqLen, spec.batch));
    this.baseline = taskBaseline(task, spec.seqLen);
    this.norms = new Float64Array(spec.seqLen + 1);
    this.recurrentNorm = RecurrentNormTracker.of(model);
  }

  static async create(
    config: TrainingConfig,
    options: StartOptions,
    threads: ThreadSource,
  ): Promise<TaskSession> {
    const { spec, task: name } = resolveTrainingConfig(config);
    if (name === null) throw new ConfigError("TaskSession trains a synthetic task: give config.task");
    if (options.resume)
      throw new ConfigError("resuming a synthetic task's run is not supported: start it afresh");
    const task = sequenceTask(name);
    if (spec.seqLen < task.minLength) {
      throw new ConfigError(`the ${task.title} needs seqLen >= ${task.minLength}, got ${spec.seqLen}`);
    }
    const modelConfig = parseModelConfig(taskModelConfig(spec, task));
    const { count, note } = threadCount(options.threads ?? "auto", spec.batch, threads);
    refuseModelOverBrowserBudget(modelConfig, spec, count); // before the model is built
    const model = new SequenceModel(modelConfig, { rng: new Rng(spec.seed) });
    const optimizer = createOptimizer(spec.optimizer, model);
    const parallel = count > 1 ? await DataParallel.create(model, threads.spawn!, count) : null;
    return new TaskSession(spec, name, task, model, optimizer, parallel, note);
  }

  info(): StartedInfo {
    const { spec, task } = this;
    return {
      threads: this.parallel?.threads ?? 1,
      threadNote: this.threadNote,
      device: "cpu",
      deviceNote: this.deviceNote,
      kernels: kernelPath(),
      vocabSize: task.outputSize,
      trainTokens: 0,
      valTokens: spec.valBatches * spec.batch * spec.seqLen,
      parameters: this.model.params.data.length,
      unigramLoss: this.baseline,
      task: this.name,
      step: this.taken,
      config: spec,
    };
  }

  step(): ProgressInfo {
    const figures = this.pace.timed(() => this.update());
    return { ...figures, tokensPerSecond: this.tokensPerSecond() };
  }

  /** One batch: BPTT, clipping and the optimizer, as Trainer.trainStep for text. */
  private update(): Omit<ProgressInfo, "tokensPerSecond"> {
    const { model, spec } = this;
    const batch = this.task.batch(this.rng, spec.seqLen, spec.batch);
    const { inputs, targets } = this.modelBatch(batch);
    const run = { T: batch.T, B: batch.B, inputs };
    let loss: number;
    let hiddenGradNorms: Float64Array;
    if (this.parallel) {
      ({ loss, hiddenGradNorms } = this.parallel.lossAndGrad(run, targets));
    } else {
      const result = model.lossAndGrad(run, targets);
      loss = result.loss;
      // The top layer's (forward direction's) dL/dh_t, H_out wide (projSize, else H).
      const top = result.hiddenGrads[(model.config.layers - 1) * directionsOf(model.config)];
      hiddenGradNorms = normsOverTime(top, batch.T, batch.B, stateWidthOf(model.config), this.norms);
    }
    const lr = this.pace.lr(this.taken);
    const { before, after } = clipAndUpdate(model, this.optimizer, spec.clip, lr);
    this.taken++;
    const fed = { eps: 1, groundTruthFraction: 1 };
    return {
      step: this.taken,
      loss,
      gradNorm: before,
      gradNormClipped: after,
      lr,
      ...fed,
      hiddenGradNorms: hiddenGradNorms.slice(),
      recurrentBound: this.recurrentNorm?.measure() ?? null,
    };
  }

  steps(): number {
    return this.taken;
  }

  finished(): boolean {
    return this.pace.finished(this.spec, this.taken);
  }

  evalDue(): boolean {
    return this.taken % this.spec.evalEvery === 0;
  }

  evaluate(): EvalInfo {
    return { step: this.taken, valLoss: this.finalLoss(), sample: null, sampleTokens: new Int32Array(0) };
  }

  /** The mean loss over the validation batches (each batch weighted by its scored steps). */
  finalLoss(): number {
    return inEvalMode(this.model, () => this.validationLoss());
  }

  private validationLoss(): number {
    let sum = 0;
    let count = 0;
    for (const batch of this.valSet) {
      const { inputs, targets } = this.modelBatch(batch);
      this.model.forward({ T: batch.T, B: batch.B, inputs });
      const result = this.model.loss(targets);
      sum += result.loss * result.count;
      count += result.count;
    }
    return sum / count;
  }

  tokensPerSecond(): number {
    return this.pace.tokensPerSecond(this.spec);
  }

  trainSeconds(): number {
    return this.pace.seconds();
  }

  setLearningRate(lr: number): void {
    this.spec = this.pace.setLearningRate(this.spec, lr);
  }

  setOptions(options: LiveOptions): void {
    if (options.feed !== undefined && options.feed.kind !== "teacher-forcing") {
      throw new ConfigError("a synthetic task trains by teacher forcing: feeding applies to text");
    }
    if (options.clip !== undefined) this.spec = checkedRunConfig({ ...this.spec, clip: options.clip });
  }

  /** The model and optimizer as a checkpoint; extra.task names the task. */
  checkpoint(): Uint8Array {
    const state = { model: this.model, optimizer: this.optimizer, rng: this.rng, step: this.taken };
    return encodeCheckpoint(toCheckpoint({ ...state, extra: { task: this.name, train: this.spec } }));
  }

  sample(): { text: string | null; tokens: Int32Array } {
    throw new StateError(`the ${this.task.title} has no text to sample: samples are for text runs`);
  }

  close(): void {
    this.parallel?.close();
  }

  /** A task batch in the model's dtype and target layout. */
  private modelBatch(batch: TaskBatch): { inputs: Buf; targets: Targets } {
    const dtype = this.model.config.dtype;
    const inputs = alloc(dtype, batch.inputs.length);
    inputs.set(batch.inputs);
    const targets: Targets = { mask: batch.mask };
    if (batch.classes) targets.classes = batch.classes;
    if (batch.values) {
      targets.values = alloc(dtype, batch.values.length);
      targets.values.set(batch.values);
    }
    return { inputs, targets };
  }
}

/** The model of a task: its dense input and readout, the run's recurrent layers. */
function taskModelConfig(spec: RunConfig, task: SequenceTask): ModelConfig {
  const { embedding: _, ...recurrent } = spec.model;
  return {
    ...recurrent,
    input: { kind: "dense", size: task.inputSize },
    outputSize: task.outputSize,
    loss: task.loss,
  };
}
