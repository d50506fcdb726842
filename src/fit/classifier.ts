import { ConfigError, NumericError, ShapeError } from "../errors.js";
import { type LossValue, softmaxCrossEntropy } from "../kernels/losses.js";
import { linearBackward, linearForward } from "../kernels/linear.js";
import { directionsOf, type ModelOptions, stateWidthOf } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { initParams } from "../model/init.js";
import { fillDropoutRows, MaskSite, siteOf } from "../model/dropout.js";
import { modelParamSpecs } from "../model/param-shapes.js";
import { Params } from "../model/params.js";
import { type Batch, SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import { alloc, type Buf } from "../tensor.js";

// Many-to-one: a SequenceModel without a readout (outputSize 0), then a linear head on one vector
// per sequence, PyTorch's h_n use:
//   forward model:       r_b = top[len_b − 1, b]                       (h at the last valid step)
//   bidirectional model: r_b = [top_fwd[len_b − 1, b], top_rev[0, b]]  (the reverse direction's
//                        output at step 1 is its state after reading the whole sequence)
//   logits z [B×C] = r headᵀ + head_bias,   loss = mean_b logsumexp(z_b) − z_b[y_b].
// Backward: dz = (softmax(z) − onehot(y)) / B; d head += dzᵀ r, d head_bias += Σ_b dz_b,
// dr = dz head, scattered back into dL/d(top outputs) [T·B×D·H_out] at the rows r was read from
// (zero elsewhere), then SequenceModel.backwardFromOutputs runs BPTT from there.
// outputDropout (nn.Dropout before the head, in training mode only) acts on r, one inverted mask
// per sequence drawn from the model's MaskSource for this pass:
//   r̃_b = r_b ⊙ M_b,  M_bj = 1/(1 − p) with probability 1 − p, else 0;   dr_b = dr̃_b ⊙ M_b.

/** The head's parameter names, after the model's. */
export const HEAD_WEIGHT = "head.weight";
export const HEAD_BIAS = "head.bias";

export class SequenceClassifier {
  readonly model: SequenceModel;
  /** The model's parameters, then head.weight [C×D·H_out] and head.bias [C], in one flat buffer. */
  readonly params: Params;
  readonly classes: number;
  private readout: Buf;
  private readoutGrad: Buf;
  private logitsBuf: Buf;
  private logitsGrad: Buf;
  private outputGrad: Buf;
  private readoutMask: Buf;
  /** Whether the last forward drew a dropout mask on r (backward then applies it). */
  private masked = false;
  private readonly outputDropout: number;
  private targets: Int32Array = new Int32Array(0);
  private readonly lossValue: LossValue = { loss: 0, count: 0 };
  private last: Batch | null = null;

  /** `options` as SequenceModel's, without a readout (outputSize must be absent or 0); the model
   *  is initialized as SequenceModel does, then the head as nn.Linear (U(±1/√(D·H_out))). */
  constructor(options: ModelOptions, classes: number, init: { seed?: number; rng?: Rng } = {}) {
    if (!Number.isInteger(classes) || classes < 2) {
      throw new ConfigError(`a classifier needs at least 2 classes, got ${classes}`);
    }
    if (options.outputSize) {
      throw new ConfigError(
        `a classifier's model has no readout of its own: leave outputSize out (got ${options.outputSize})`,
      );
    }
    const config = parseModelConfig({ ...options, outputSize: 0 });
    const R = directionsOf(config) * stateWidthOf(config);
    const specs = [
      ...modelParamSpecs(config),
      { name: HEAD_WEIGHT, shape: [classes, R] },
      { name: HEAD_BIAS, shape: [classes] },
    ];
    this.params = new Params(specs, config.dtype);
    const modelSize = this.params.data.length - classes * R - classes;
    const storage = {
      data: this.params.data.subarray(0, modelSize),
      grad: this.params.grad.subarray(0, modelSize),
    };
    // The seed also seeds the model's dropout masks; the parameters are drawn below.
    this.model = new SequenceModel(config, { params: storage, seed: init.seed ?? 0 });
    const rng = init.rng ?? new Rng(init.seed ?? 0);
    initParams(this.model.params, this.model.config, rng);
    const bound = 1 / Math.sqrt(R);
    for (const name of [HEAD_WEIGHT, HEAD_BIAS]) {
      const values = this.params.value(name);
      for (let i = 0; i < values.length; i++) values[i] = rng.uniformIn(-bound, bound);
    }
    this.classes = classes;
    this.outputDropout = options.outputDropout ?? 0;
    const dtype = config.dtype;
    this.readoutMask = alloc(dtype, 0);
    this.readout = alloc(dtype, 0);
    this.readoutGrad = alloc(dtype, 0);
    this.logitsBuf = alloc(dtype, 0);
    this.logitsGrad = alloc(dtype, 0);
    this.outputGrad = alloc(dtype, 0);
  }

  /** Bytes its buffers hold now: the model's, the head's parameters and gradients, and the
   *  head's own buffers (what estimateTaskMemory predicts). */
  get allocatedBytes(): number {
    const head = this.params.data.byteLength - this.model.params.data.byteLength;
    const own = [
      this.readout,
      this.readoutGrad,
      this.logitsBuf,
      this.logitsGrad,
      this.outputGrad,
      this.readoutMask,
    ];
    const buffers = own.reduce((sum, buf) => sum + buf.byteLength, 0) + this.targets.byteLength;
    return this.model.allocatedBytes + 2 * head + buffers;
  }

  /** D·H_out: the width of the vector the head reads. */
  get readoutWidth(): number {
    return directionsOf(this.model.config) * stateWidthOf(this.model.config);
  }

  /** Runs the model and the head; returns the logits [B×C] (reused by the next call). */
  forward(batch: Batch): Buf {
    const { T, B } = batch;
    const top = this.model.forward(batch);
    const R = this.readoutWidth;
    const C = this.classes;
    this.readout = grow(this.readout, B * R);
    this.logitsBuf = grow(this.logitsBuf, B * C);
    const P = stateWidthOf(this.model.config);
    const bidirectional = directionsOf(this.model.config) === 2;
    for (let b = 0; b < B; b++) {
      const last = (batch.lengths ? batch.lengths[b] : T) - 1;
      const from = (last * B + b) * R;
      this.readout.set(top.subarray(from, from + P), b * R);
      if (bidirectional) this.readout.set(top.subarray(b * R + P, b * R + 2 * P), b * R + P);
    }
    this.dropReadout(B, R);
    const p = this.params;
    linearForward(this.logitsBuf, this.readout, p.value(HEAD_WEIGHT), p.value(HEAD_BIAS), B, R, C);
    this.last = batch;
    return this.logitsBuf.subarray(0, B * C);
  }

  /** The mean cross-entropy of the last forward against labels [B] (each in 0..C−1), and its
   *  gradient added (+=) into params.grad. Returns the loss. */
  backward(labels: Int32Array): number {
    const batch = this.last;
    if (!batch) throw new ShapeError("backward() called before forward(): run forward on the batch first");
    const { T, B } = batch;
    const loss = this.lossOf(labels, true);
    const R = this.readoutWidth;
    const C = this.classes;
    const P = stateWidthOf(this.model.config);
    const p = this.params;
    this.readoutGrad = grow(this.readoutGrad, B * R);
    this.readoutGrad.fill(0, 0, B * R);
    linearBackward(
      this.readoutGrad,
      p.gradOf(HEAD_WEIGHT),
      p.gradOf(HEAD_BIAS),
      this.logitsGrad,
      this.readout,
      p.value(HEAD_WEIGHT),
      B,
      R,
      C,
    );
    if (this.masked) {
      for (let i = 0; i < B * R; i++) this.readoutGrad[i] *= this.readoutMask[i];
    }
    this.outputGrad = grow(this.outputGrad, T * B * R);
    const outputGrad = this.outputGrad.subarray(0, T * B * R);
    outputGrad.fill(0);
    for (let b = 0; b < B; b++) {
      const last = (batch.lengths ? batch.lengths[b] : T) - 1;
      const to = (last * B + b) * R;
      for (let j = 0; j < P; j++) outputGrad[to + j] += this.readoutGrad[b * R + j];
      if (directionsOf(this.model.config) === 2) {
        for (let j = 0; j < P; j++) outputGrad[b * R + P + j] += this.readoutGrad[b * R + P + j];
      }
    }
    this.model.backwardFromOutputs(outputGrad);
    return loss;
  }

  /** r̃ = r ⊙ M in place when outputDropout is on in training mode (the mask kept for backward). */
  private dropReadout(B: number, R: number): void {
    this.masked = this.outputDropout > 0 && this.model.training;
    if (!this.masked) return;
    this.readoutMask = grow(this.readoutMask, B * R);
    const site = siteOf(MaskSite.output, 0);
    // Step 0: the model's own readout dropout (absent here, outputSize 0) would draw steps 1..T.
    fillDropoutRows(this.readoutMask, 0, B, R, this.outputDropout, this.model.masks, site, 0);
    for (let i = 0; i < B * R; i++) this.readout[i] *= this.readoutMask[i];
  }

  /** zero_grad, forward, backward: the mean loss. */
  lossAndGrad(batch: Batch, labels: Int32Array): number {
    this.params.zeroGrad();
    this.forward(batch);
    return this.backward(labels);
  }

  /** The mean cross-entropy of the last forward, without gradients. */
  loss(labels: Int32Array): number {
    return this.lossOf(labels, false);
  }

  private lossOf(labels: Int32Array, check: boolean): number {
    const B = this.last?.B ?? 0;
    const C = this.classes;
    if (labels.length !== B)
      throw new ShapeError(`got ${labels.length} labels for a batch of ${B}: pass one per sequence`);
    for (let b = 0; b < B; b++) {
      if (!(labels[b] >= 0 && labels[b] < C))
        throw new ShapeError(`label ${labels[b]} of row ${b} is outside 0..${C - 1}`);
    }
    if (this.targets.length < B) this.targets = new Int32Array(B);
    this.targets.set(labels);
    this.logitsGrad = grow(this.logitsGrad, B * C);
    const { loss } = softmaxCrossEntropy(this.logitsGrad, this.logitsBuf, this.targets, B, C, this.lossValue);
    if (check && !Number.isFinite(loss)) {
      throw new NumericError(
        `loss is ${loss}: the model diverged; lower the learning rate or clip gradients`,
      );
    }
    return loss;
  }
}

/** `buf` if it holds `size` values, else a new buffer of its dtype that does. */
function grow(buf: Buf, size: number): Buf {
  if (buf.length >= size) return buf;
  return alloc(buf instanceof Float64Array ? "float64" : "float32", size);
}
