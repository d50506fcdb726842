import { createCell } from "../cells/index.js";
import { ConfigError, NumericError, ShapeError, StateError } from "../errors.js";
import {
  binaryCrossEntropyWithLogits,
  type LossValue,
  meanSquaredError,
  softmaxCrossEntropy,
} from "../kernels/losses.js";
import { linearBackward, linearForward } from "../kernels/linear.js";
import { Rng } from "../random.js";
import { alloc, type Buf } from "../tensor.js";
import { type ModelConfig, type ModelOptions, outputWidthOf, PARAM_PREFIX } from "./config.js";
import { parseModelConfig } from "./config-schema.js";
import { MaskSite, MaskSource, siteOf } from "./dropout.js";
import { initParams } from "./init.js";
import { InputDropout } from "./input-dropout.js";
import { InputLayer } from "./input-layer.js";
import { inputWidth, modelParamSpecs } from "./param-shapes.js";
import { Params } from "./params.js";
import { Scratch } from "./scratch.js";
import { RecurrentStack, type StackGrads, type StackState } from "./stack.js";

/** A batch, time-major: row t·B + b is sequence b at step t. Give `tokens` to an embedding or
 *  one-hot model, `inputs` to a dense one. lengths[b] <= T marks steps past it as padding. */
export interface Batch {
  T: number;
  B: number;
  tokens?: Int32Array;
  inputs?: Buf;
  lengths?: Int32Array | null;
}

/** classes [T·B] for cross-entropy (−1 = no target); values [T·B×O] for bce and mse;
 *  mask [T·B] (optional): 0 drops a position from the loss, as padding does. */
export interface Targets {
  classes?: Int32Array;
  values?: Buf;
  mask?: Uint8Array;
}

/** What backward and lossAndGrad return. The object and its buffers belong to the model and are
 *  overwritten by its next pass (so a training step allocates nothing): copy what you keep. */
export interface StepResult extends StackGrads {
  /** Mean loss over the positions that count. */
  loss: number;
  /** How many positions (cross-entropy) or units (bce, mse) the mean is over. */
  count: number;
}

/** Input layer → stacked recurrent layers → linear readout → loss, with exact BPTT. */
export class SequenceModel {
  readonly params: Params;
  readonly stack: RecurrentStack;
  readonly input: InputLayer;
  private outputs: Buf;
  private outputsGrad: Buf;
  private hiddenGrad: Buf;
  private readonly lossValue: LossValue = { loss: 0, count: 0 };
  private readonly result: StepResult = {
    loss: 0,
    count: 0,
    hiddenGrads: [],
    cellGrads: [],
    inputGrad: null,
  };
  private lossTargets: Int32Array = new Int32Array(0);
  private rowMask: Uint8Array = new Uint8Array(0);
  private batch: Batch | null = null;
  private readonly scratch: Scratch;
  private top: Buf | null = null;
  /** What the readout read in the last forward: the top outputs, or them after outputDropout. */
  private readoutInput: Buf | null = null;
  /** outputDropout on the readout's input, or null when its rate is 0 (or there is no readout). */
  private readonly outputDropout: InputDropout | null;
  /** The seed, pass counter and mode every dropout mask is drawn from (dropout.ts). Its seed is
   *  the constructor's `seed` (0 without one); set `masks.seed` or `masks.pass` to draw others. */
  readonly masks: MaskSource;

  readonly config: ModelConfig;

  /** Validates `config` (ConfigError naming the field) and initializes the parameters as PyTorch
   *  does, from `rng` or a generator seeded with `seed` (default 0). With `params`, the model reads
   *  its parameters from, and writes its gradients to, those buffers, as they are (a replica). */
  constructor(
    given: ModelOptions,
    options: { seed?: number; rng?: Rng; params?: { data: Buf; grad: Buf } } = {},
  ) {
    this.config = parseModelConfig(given);
    const config = this.config;
    this.scratch = new Scratch(config.dtype);
    this.params = new Params(modelParamSpecs(config), config.dtype, options.params);
    this.masks = new MaskSource(options.seed ?? 0);
    this.stack = new RecurrentStack(
      config,
      inputWidth(config),
      PARAM_PREFIX.recurrent,
      config.dtype,
      createCell,
      this.masks,
    );
    const pOut = config.outputSize > 0 ? (config.outputDropout ?? 0) : 0;
    const outSite = siteOf(MaskSite.output, 0);
    this.outputDropout =
      pOut > 0
        ? new InputDropout(pOut, 0, outputWidthOf(config), outSite, outSite, this.masks, config.dtype)
        : null;
    this.input = new InputLayer(config.input, config.dtype, `${PARAM_PREFIX.embedding}weight`);
    this.outputs = alloc(config.dtype, 0);
    this.outputsGrad = alloc(config.dtype, 0);
    this.hiddenGrad = alloc(config.dtype, 0);
    if (!options.params) initParams(this.params, config, options.rng ?? new Rng(options.seed ?? 0));
  }

  /** Bytes the model's buffers hold now (parameters, gradients, every scratch buffer): what
   *  estimateMemory (memory.ts) predicts from the config. */
  get allocatedBytes(): number {
    const own = this.scratch.bytes + this.lossTargets.byteLength + this.rowMask.byteLength;
    const params = this.params.data.byteLength + this.params.grad.byteLength;
    return params + own + this.stack.bytes + this.input.bytes + (this.outputDropout?.bytes ?? 0);
  }

  /** Whether dropout is active (PyTorch's module.training); true from the start. */
  get training(): boolean {
    return this.masks.training;
  }

  /** Training mode (mode true) or evaluation mode (false), as PyTorch's module.train(mode). In
   *  evaluation every dropout is the identity and zoneout its expectation. Returns the model. */
  train(mode = true): this {
    this.masks.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** The readout's input over the top outputs: x̃ = top ⊙ M when outputDropout is on (filled step
   *  by step by the caller through outputDropout.fill), else top itself. */
  private beginReadout(top: Buf, T: number, B: number): Buf {
    return this.outputDropout?.begin(top, T, B) ?? top;
  }

  /** Runs the model; returns the readout's outputs (logits) [T·B×O], or the top layer's outputs
   *  [T·B×D·H_out] when the model has no readout (0 at steps past a row's length). The buffer is reused by the next call. */
  forward(batch: Batch, initial: Partial<StackState> | null = null): Buf {
    const { T, B } = batch;
    if (!Number.isInteger(T) || T < 1 || !Number.isInteger(B) || B < 1) {
      throw new ShapeError(`batch needs positive integer T and B, got T = ${T}, B = ${B}`);
    }
    this.masks.beginPass();
    // Input dropout needs x itself, not an embedding's tokens through the vocabulary projection.
    const x =
      (this.stack.needsInputVectors ? null : this.input.asTokens(T * B, batch.tokens, true)) ??
      this.input.forward(this.params, T * B, batch.tokens ?? null, batch.inputs ?? null);
    const top = this.stack.forward(this.params, x, T, B, initial, batch.lengths ?? null);
    this.batch = batch;
    this.top = top;
    const O = this.config.outputSize;
    if (O === 0) return top;
    this.ensureOutputs(T * B * O);
    const read = this.beginReadout(top, T, B);
    if (this.outputDropout?.on) this.outputDropout.fill(0, T);
    this.readoutInput = read;
    linearForward(
      this.outputs,
      read,
      this.params.value("linear.weight"),
      this.params.value("linear.bias"),
      T * B,
      outputWidthOf(this.config),
      O,
    );
    return this.outputs;
  }

  /** Forward where each step's input token is decided from the previous step's outputs, for
   *  scheduled sampling and free running. tokens [T·B]: row 0 is fed as given; before step i > 0,
   *  `choose(i, logits, tokens)` must write row i of `tokens` (entries i·B..i·B+B−1) given
   *  logits [B×O] of step i−1. The chosen tokens are inputs like any other: backward treats them as
   *  constants (no gradient through the choice). Returns the logits [T·B×O]. */
  forwardFeedback(
    batch: { T: number; B: number; tokens: Int32Array },
    choose: (i: number, logits: Buf, tokens: Int32Array) => void,
    initial: Partial<StackState> | null = null,
  ): Buf {
    const { T, B, tokens } = batch;
    const O = this.config.outputSize;
    const H = outputWidthOf(this.config);
    if (this.config.input.kind === "dense" || O === 0) {
      throw new ConfigError(
        "forwardFeedback needs a token model with a readout (embedding or one-hot input)",
      );
    }
    if (tokens.length !== T * B)
      throw new ShapeError(`tokens has ${tokens.length} entries, expected T·B = ${T * B}`);
    this.masks.beginPass();
    const tokenInput = this.stack.needsInputVectors ? null : this.input.asTokens(T * B, tokens, false);
    const top = this.stack.begin(tokenInput ?? this.input.begin(T * B, tokens), T, B, initial);
    this.ensureOutputs(T * B * O);
    this.batch = { T, B, tokens };
    this.top = top;
    const read = this.beginReadout(top, T, B);
    this.readoutInput = read;
    const weight = this.params.value("linear.weight");
    const bias = this.params.value("linear.bias");
    for (let i = 0; i < T; i++) {
      if (i > 0) choose(i, this.outputs.subarray((i - 1) * B * O, i * B * O), tokens);
      checkTokenRow(tokens, i * B, (i + 1) * B, this.config.input.vocabSize);
      if (!tokenInput) this.input.fillRows(this.params, i * B, (i + 1) * B);
      this.stack.advance(this.params, i + 1);
      if (this.outputDropout?.on) this.outputDropout.fill(i, i + 1);
      const rows = this.outputs.subarray(i * B * O, (i + 1) * B * O);
      linearForward(rows, read.subarray(i * B * H, (i + 1) * B * H), weight, bias, B, H, O);
    }
    return this.outputs;
  }

  private ensureOutputs(size: number): void {
    this.outputs = this.scratch.view("outputs", size);
    this.outputsGrad = this.scratch.view("outputsGrad", size);
  }

  /** Loss of the last forward against `targets`, and its gradients by BPTT: parameter gradients
   *  accumulate (+=) into params.grad; the per-step dL/dh_t and dL/dc_t come back in the result. */
  backward(targets: Targets, finalGrad: Partial<StackState> | null = null): StepResult {
    const batch = this.batch;
    const top = this.top;
    if (!batch || !top)
      throw new StateError("backward() called before forward(): run forward on the batch first");
    if (this.config.outputSize === 0)
      throw new ConfigError("this model has no readout (outputSize 0), so no loss");
    const { T, B } = batch;
    const N = T * B;
    const O = this.config.outputSize;
    const H = outputWidthOf(this.config);
    const { loss, count } = this.computeLoss(targets, batch);
    if (!Number.isFinite(loss)) {
      throw new NumericError(
        `loss is ${loss}: the model diverged; lower the learning rate or clip gradients`,
      );
    }
    this.hiddenGrad = this.scratch.view("hiddenGrad", N * H);
    this.hiddenGrad.fill(0);
    const p = this.params;
    linearBackward(
      this.hiddenGrad,
      p.gradOf("linear.weight"),
      p.gradOf("linear.bias"),
      this.outputsGrad,
      this.readoutInput ?? top,
      p.value("linear.weight"),
      N,
      H,
      O,
    );
    this.outputDropout?.backward(this.hiddenGrad); // dh_top = dx̃ ⊙ M
    const grads = this.stack.backward(
      p,
      this.hiddenGrad,
      finalGrad,
      this.config.input.kind === "embedding" || this.config.input.kind === "dense",
    );
    if (grads.inputGrad) this.input.backward(p, grads.inputGrad);
    const result = this.result;
    result.loss = loss;
    result.count = count;
    result.hiddenGrads = grads.hiddenGrads;
    result.cellGrads = grads.cellGrads;
    result.inputGrad = grads.inputGrad;
    return result;
  }

  /** BPTT of the last forward from dL/d(top outputs) outputGrad [T·B×D·H_out], for a head of your
   *  own on a model built with outputSize 0 (a classifier reading the last step, say): the stack's
   *  and the input's parameter gradients accumulate (+=) into params.grad; the per-step dL/dh_t
   *  come back. outputGrad is read, not changed. */
  backwardFromOutputs(outputGrad: Buf, finalGrad: Partial<StackState> | null = null): StackGrads {
    const batch = this.batch;
    if (!batch || !this.top) {
      throw new StateError("backwardFromOutputs() called before forward(): run forward on the batch first");
    }
    const expected = batch.T * batch.B * outputWidthOf(this.config);
    if (outputGrad.length !== expected) {
      throw new ShapeError(
        `outputGrad has ${outputGrad.length} entries, expected T·B·D·H_out = ${expected} (dL/d of the top layer's outputs)`,
      );
    }
    const p = this.params;
    const wantInputGrad = this.config.input.kind === "embedding" || this.config.input.kind === "dense";
    const grads = this.stack.backward(p, outputGrad, finalGrad, wantInputGrad);
    if (grads.inputGrad) this.input.backward(p, grads.inputGrad);
    return grads;
  }

  /** The outputs of the last forward (logits [T·B×O], or top hidden states without a readout). */
  forwardOutputs(): Buf {
    if (!this.top)
      throw new StateError("forwardOutputs() called before forward(): run forward on the batch first");
    return this.config.outputSize === 0 ? this.top : this.outputs;
  }

  /** zero_grad, forward, loss and backward in one call. */
  lossAndGrad(batch: Batch, targets: Targets, initial: Partial<StackState> | null = null): StepResult {
    this.params.zeroGrad();
    this.forward(batch, initial);
    return this.backward(targets);
  }

  /** h_T (and c_T) of every layer after the last forward: the state to carry into the next window. */
  finalState(out?: StackState): StackState {
    return this.stack.finalState(out);
  }

  /** The loss of the last forward against `targets`, without backpropagating (evaluation). */
  loss(targets: Targets): { loss: number; count: number } {
    if (!this.batch) throw new StateError("loss() called before forward(): run forward on the batch first");
    if (this.config.outputSize === 0)
      throw new ConfigError("this model has no readout (outputSize 0), so no loss");
    const { loss, count } = this.computeLoss(targets, this.batch);
    return { loss, count };
  }

  /** Whether position n (row t·B + b) counts: a step of its sequence, not masked out. */
  private counts(n: number, B: number, lengths: Int32Array | null, mask: Uint8Array | undefined): boolean {
    return (!lengths || Math.floor(n / B) < lengths[n % B]) && mask?.[n] !== 0;
  }

  /** The loss into this.lossValue (reused) and its gradient into outputsGrad. */
  private computeLoss(targets: Targets, batch: Batch): LossValue {
    const { T, B } = batch;
    const N = T * B;
    const O = this.config.outputSize;
    const lengths = batch.lengths ?? null;
    const mask = targets.mask;
    if (targets.mask && targets.mask.length !== N) {
      throw new ShapeError(`targets.mask has ${targets.mask.length} entries, expected T·B = ${N}`);
    }
    if (this.config.loss === "cross-entropy") {
      const classes = targets.classes;
      if (!classes || classes.length !== N) {
        throw new ShapeError(
          `cross-entropy needs targets.classes with T·B = ${N} entries, got ${classes?.length ?? "none"}`,
        );
      }
      if (this.lossTargets.length < N) this.lossTargets = new Int32Array(N);
      for (let n = 0; n < N; n++) {
        const target = classes[n];
        if (!Number.isInteger(target) || target < -1 || target >= O) {
          throw new ShapeError(`target ${target} at position ${n} is outside 0..${O - 1} (or −1 for none)`);
        }
        this.lossTargets[n] = this.counts(n, B, lengths, mask) ? target : -1;
      }
      return softmaxCrossEntropy(this.outputsGrad, this.outputs, this.lossTargets, N, O, this.lossValue);
    }
    const values = targets.values;
    if (!values || values.length !== N * O) {
      throw new ShapeError(
        `${this.config.loss} needs targets.values with T·B·O = ${N * O} entries, got ${values?.length ?? "none"}`,
      );
    }
    let rowMask: Uint8Array | null = null;
    if (lengths || mask) {
      if (this.rowMask.length < N) this.rowMask = new Uint8Array(N);
      for (let n = 0; n < N; n++) this.rowMask[n] = this.counts(n, B, lengths, mask) ? 1 : 0;
      rowMask = this.rowMask;
    }
    const lossFn = this.config.loss === "bce" ? binaryCrossEntropyWithLogits : meanSquaredError;
    return lossFn(this.outputsGrad, this.outputs, values, rowMask, N, O, this.lossValue);
  }
}

function checkTokenRow(tokens: Int32Array, from: number, to: number, vocabSize: number): void {
  for (let n = from; n < to; n++) {
    if (!(tokens[n] >= 0 && tokens[n] < vocabSize)) {
      throw new ShapeError(
        `token ${tokens[n]} at position ${n} is outside the vocabulary 0..${vocabSize - 1}`,
      );
    }
  }
}
