import { ShapeError } from "../errors.js";
import type { Plan } from "./context.js";
import type { GpuLayer } from "./gpu-layer.js";
import type { GpuModel } from "./gpu-model.js";
import { encodeSoftmaxCrossEntropy } from "./kernels/cross-entropy.js";
import { encodeFill } from "./kernels/fill.js";
import { encodeGatherRows, encodeScatterAddRows, tokenOrder } from "./kernels/gather.js";
import { encodeMatmul } from "./kernels/matmul.js";
import { encodeBlockNorms, encodeColumnSums, encodeSum, reduceScratchSize } from "./kernels/reduce.js";

/** Slots of GpuPass.figures before the per-step norms: the loss summed over targets, then ‖g‖²
 *  before and after clipping (written by the update), then ‖dL/dh_t‖ of the top layer, t = 0..T. */
export const FIGURE = { lossSum: 0, gradNorm2: 1, clippedNorm2: 2, hiddenNorms: 3 } as const;

/** A (T, B) batch of a GpuModel: token, target and activation buffers, and two recorded plans:
 *  `forwardPlan` (inputs → logits → loss) and `trainPlan` (zeroed gradient, forward, loss, BPTT).
 *  V vocabulary, E embedding width, P the width of h (H, or an LSTM projection's size); rows T·B,
 *  time-major. */
export class GpuPass {
  readonly T: number;
  readonly B: number;
  readonly model: GpuModel;
  readonly layers: GpuLayer[];
  /** [FIGURE.hiddenNorms + T + 1], see FIGURE. */
  readonly figures: GPUBuffer;
  private readonly tokens: GPUBuffer;
  private readonly classes: GPUBuffer;
  /** tokenOrder's CSR of the rows by token: [V + 1 offsets, T·B rows]. */
  private readonly order: GPUBuffer;
  /** The embedded inputs [T·B×E] and their gradient (embedding input only). */
  private readonly embedded: GPUBuffer | null;
  private readonly embeddedGrad: GPUBuffer | null;
  private readonly logits: GPUBuffer;
  private readonly logitsGrad: GPUBuffer;
  private readonly rowLoss: GPUBuffer;
  private readonly scratch: GPUBuffer;
  private readonly plans = new Map<string, Plan>();
  private targets = 0;

  constructor(model: GpuModel, T: number, B: number) {
    const { context, config } = model;
    const rows = T * B;
    const V = config.outputSize;
    this.model = model;
    this.T = T;
    this.B = B;
    this.layers = model.makeLayers(T, B);
    this.figures = context.buffer(FIGURE.hiddenNorms + T + 1, "figures");
    this.tokens = context.buffer(rows, "tokens");
    this.classes = context.buffer(rows, "classes");
    this.order = context.buffer(vocabOf(model) + 1 + rows, "token order");
    const E = config.input.kind === "embedding" ? config.input.embeddingSize : 0;
    this.embedded = E > 0 ? context.buffer(rows * E, "embedded inputs") : null;
    this.embeddedGrad = E > 0 ? context.buffer(rows * E, "embedded inputs grad") : null;
    this.logits = context.buffer(rows * V, "logits");
    this.logitsGrad = context.buffer(rows * V, "logits grad");
    this.rowLoss = context.buffer(rows, "row losses");
    this.scratch = context.buffer(reduceScratchSize(Math.max(rows, model.size)), "reduction scratch");
  }

  /** Targets with a class (≥ 0) in the last load: the loss is the figures' sum over this count. */
  get count(): number {
    return this.targets;
  }

  /** The logits [T·B×V] of the last forward (the loss's gradient goes to another buffer). */
  readLogits(): Promise<Float32Array> {
    return this.model.context.read(this.logits, this.T * this.B * this.model.config.outputSize);
  }

  /** Queues the batch's tokens [T·B] and next-token classes [T·B] (−1: no target). */
  load(tokens: Int32Array, classes: Int32Array): void {
    const rows = this.T * this.B;
    if (tokens.length !== rows || classes.length !== rows) {
      throw new ShapeError(
        `a ${this.T}×${this.B} batch needs ${rows} tokens and classes, got ${tokens.length} and ${classes.length}`,
      );
    }
    const { context } = this.model;
    context.write(this.tokens, tokens);
    context.write(this.classes, classes);
    context.write(this.order, tokenOrder(tokens, vocabOf(this.model)));
    let count = 0;
    for (let i = 0; i < rows; i++) if (classes[i] >= 0) count++;
    this.targets = count;
  }

  /** Inputs → logits → the loss summed into figures[lossSum]. */
  forwardPlan(): Plan {
    return this.cached("forward", (plan) => this.encodeForward(plan));
  }

  /** The gradient zeroed, forward, then BPTT accumulating the mean loss's gradient into the
   *  model's gradient; the top layer's ‖dL/dh_t‖ into figures. */
  trainPlan(): Plan {
    return this.cached("train", (plan) => {
      encodeFill(plan, { n: this.model.size, dst: { buffer: this.model.grad, offset: 0 }, value: 0 });
      this.encodeForward(plan);
      this.encodeBackward(plan);
    });
  }

  /** Frees the pass's buffers and plans. */
  destroy(): void {
    for (const plan of this.plans.values()) plan.destroy();
    for (const layer of this.layers) layer.destroy();
    const own = [this.figures, this.tokens, this.classes, this.order, this.embedded, this.embeddedGrad];
    for (const buffer of [...own, this.logits, this.logitsGrad, this.rowLoss, this.scratch])
      buffer?.destroy();
  }

  private cached(kind: string, record: (plan: Plan) => void): Plan {
    const key = `${kind} ${this.targets}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.model.context.plan(`${kind} ${this.T}×${this.B}`);
      record(plan);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private encodeForward(plan: Plan): void {
    const { model, layers, T, B } = this;
    const { config, offsets } = model;
    const rows = T * B;
    const V = config.outputSize;
    const first = layers[0];
    if (this.embedded && offsets.embedding !== null) {
      const E = first.I;
      const table = model.ref(offsets.embedding);
      const dst = { buffer: this.embedded, offset: 0 };
      encodeGatherRows(plan, { rows, width: E, n: V, table, index: this.tokens, dst, transposed: false });
      first.encodeProjectInputs(plan, dst);
    } else {
      // One-hot: x_t W_ihᵀ is column token_t of W_ih [G·H×V].
      const { weightIh, biasIh } = offsets.layers[0];
      const bias = biasIh === null ? null : model.ref(biasIh);
      const table = model.ref(weightIh);
      encodeGatherRows(plan, {
        rows,
        width: first.GH,
        n: V,
        table,
        index: this.tokens,
        dst: first.inputProj,
        bias,
        transposed: true,
      });
    }
    first.encodeSteps(plan);
    for (let k = 1; k < layers.length; k++) {
      layers[k].encodeProjectInputs(plan, layers[k - 1].outputs);
      layers[k].encodeSteps(plan);
    }
    const top = layers[layers.length - 1];
    encodeMatmul(plan, {
      M: rows,
      N: V,
      K: top.P,
      a: top.outputs,
      transA: false,
      b: model.ref(offsets.readoutWeight),
      transB: true,
      c: { buffer: this.logits, offset: 0 },
      accumulate: false,
      bias: model.ref(offsets.readoutBias),
    });
    encodeSoftmaxCrossEntropy(plan, {
      rows,
      V,
      logits: { buffer: this.logits, offset: 0 },
      classes: this.classes,
      dlogits: { buffer: this.logitsGrad, offset: 0 },
      rowLoss: this.rowLoss,
      invCount: this.targets > 0 ? 1 / this.targets : 0,
    });
    const lossSum = { buffer: this.figures, offset: FIGURE.lossSum };
    encodeSum(plan, {
      n: rows,
      src: { buffer: this.rowLoss, offset: 0 },
      dst: lossSum,
      scratch: this.scratch,
    });
  }

  private encodeBackward(plan: Plan): void {
    const { model, layers, T, B } = this;
    const { config, offsets, grad } = model;
    const rows = T * B;
    const V = config.outputSize;
    const top = layers[layers.length - 1];
    const P = top.P;
    const dLogits = { buffer: this.logitsGrad, offset: 0 };
    // Readout: dW += dzᵀ h, db += Σ_rows dz, dh = dz W.
    const readoutGrad = { buffer: grad, offset: offsets.readoutWeight };
    encodeMatmul(plan, {
      M: V,
      N: P,
      K: rows,
      a: dLogits,
      transA: true,
      b: top.outputs,
      transB: false,
      c: readoutGrad,
      accumulate: true,
      bias: null,
    });
    const biasGrad = { buffer: grad, offset: offsets.readoutBias };
    encodeColumnSums(plan, { rows, cols: V, src: dLogits, dst: biasGrad, accumulate: true });
    const readout = model.ref(offsets.readoutWeight);
    encodeMatmul(plan, {
      M: rows,
      N: P,
      K: V,
      a: dLogits,
      transA: false,
      b: readout,
      transB: false,
      c: top.outputGrad,
      accumulate: false,
      bias: null,
    });
    for (let k = layers.length - 1; k >= 1; k--) {
      layers[k].encodeBackward(plan, grad, layers[k - 1].outputs, layers[k - 1].outputGrad);
    }
    this.encodeInputBackward(plan);
    const hiddenNorms = { buffer: this.figures, offset: FIGURE.hiddenNorms };
    encodeBlockNorms(plan, {
      blocks: T + 1,
      blockSize: B * P,
      src: { buffer: top.buffers.hiddenGrads, offset: 0 },
      dst: hiddenNorms,
    });
  }

  /** Layer 0's BPTT and the gradient of what fed it: the embedding rows, or W_ih's columns. */
  private encodeInputBackward(plan: Plan): void {
    const { model, layers, T, B } = this;
    const { offsets, grad } = model;
    const rows = T * B;
    const V = vocabOf(model);
    const first = layers[0];
    if (this.embedded && this.embeddedGrad && offsets.embedding !== null) {
      const x = { buffer: this.embedded, offset: 0 };
      const dx = { buffer: this.embeddedGrad, offset: 0 };
      first.encodeBackward(plan, grad, x, dx);
      const dst = { buffer: grad, offset: offsets.embedding };
      encodeScatterAddRows(plan, {
        rows,
        width: first.I,
        n: V,
        src: dx,
        order: this.order,
        grad: dst,
        transposed: false,
      });
    } else {
      first.encodeBackward(plan, grad, null, null);
      const dst = { buffer: grad, offset: offsets.layers[0].weightIh };
      encodeScatterAddRows(plan, {
        rows,
        width: first.GH,
        n: V,
        src: first.inputPartGrad,
        order: this.order,
        grad: dst,
        transposed: true,
      });
    }
  }
}

function vocabOf(model: GpuModel): number {
  const input = model.config.input;
  return input.kind === "dense" ? 0 : input.vocabSize;
}
