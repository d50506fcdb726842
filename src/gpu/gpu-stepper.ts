import type { AsyncTokenStepper } from "../eval/sampling.js";
import { stateWidthOf } from "../model/config.js";
import type { Plan } from "./context.js";
import type { GpuModel } from "./gpu-model.js";
import { GpuPass } from "./gpu-pass.js";
import { encodeCopyRows } from "./kernels/copy-rows.js";

// TokenStepper (src/eval/stepper.ts) on the GPU: B token sequences fed forward together, the state
// carried from call to call without leaving the GPU. A call of T steps runs, in one submit,
//   carried h, c → each layer's step-0 rows;  the forward of a (T, B) pass;  its step-T rows → carried
// and reads back the logits [T·B×V] (one read-back).

/** A pass of T steps and the plans that carry the state into and out of it. */
interface StepPass {
  pass: GpuPass;
  stateIn: Plan;
  stateOut: Plan;
}

/** B sequences of a GpuModel fed forward together, the state carried on the GPU between calls. It
 *  makes its own passes (not the model's), since it writes their initial states; destroy() frees them. */
export class GpuTokenStepper implements AsyncTokenStepper {
  readonly V: number;
  readonly B: number;
  private readonly model: GpuModel;
  /** The widths of h (H_out: H, or an LSTM projection's size) and of c (H). */
  private readonly widthH: number;
  private readonly widthC: number;
  /** The last call's final states, h [L·B×H_out] and c [L·B×H] (lstm), layer l at rows l·B. */
  private readonly carriedH: GPUBuffer;
  private readonly carriedC: GPUBuffer | null;
  private readonly passes = new Map<number, StepPass>();

  constructor(model: GpuModel, B: number) {
    const { context, config } = model;
    this.model = model;
    this.B = B;
    this.V = config.outputSize;
    this.widthH = stateWidthOf(config);
    this.widthC = config.hiddenSize;
    const rows = config.layers * B;
    this.carriedH = context.buffer(rows * this.widthH, "carried states");
    this.carriedC = config.cell === "lstm" ? context.buffer(rows * this.widthC, "carried cells") : null;
  }

  /** Back to the zero state (queued: it lands before the next feed's submit). */
  reset(): void {
    const rows = this.model.config.layers * this.B;
    this.model.context.write(this.carriedH, new Float32Array(rows * this.widthH));
    if (this.carriedC) this.model.context.write(this.carriedC, new Float32Array(rows * this.widthC));
  }

  /** Feeds T steps of tokens [T·B] (time-major) after what was fed before; resolves to the logits
   *  [T·B×V] of these steps. */
  async feed(tokens: Int32Array, T: number): Promise<Float32Array> {
    const step = this.stepPass(T);
    step.pass.load(tokens, noTargets(tokens.length));
    this.model.context.run(step.stateIn, step.pass.forwardPlan(), step.stateOut);
    return step.pass.readLogits();
  }

  /** Frees the passes and the carried state (not the model). */
  destroy(): void {
    for (const { pass, stateIn, stateOut } of this.passes.values()) {
      stateIn.destroy();
      stateOut.destroy();
      pass.destroy();
    }
    this.passes.clear();
    this.carriedH.destroy();
    this.carriedC?.destroy();
  }

  private stepPass(T: number): StepPass {
    let step = this.passes.get(T);
    if (!step) {
      const pass = new GpuPass(this.model, T, this.B);
      step = { pass, stateIn: this.recordCopies(pass, T, "in"), stateOut: this.recordCopies(pass, T, "out") };
      this.passes.set(T, step);
    }
    return step;
  }

  /** "in": carried layer l → the layer's step-0 rows; "out": its step-T rows → carried layer l. */
  private recordCopies(pass: GpuPass, T: number, way: "in" | "out"): Plan {
    const { B } = this;
    const plan = this.model.context.plan(`state ${way} ${T}×${B}`);
    pass.layers.forEach((layer, l) => {
      const { states, cells } = layer.buffers;
      const pairs: [GPUBuffer, GPUBuffer | null, number][] = [
        [this.carriedH, states, B * this.widthH],
        [this.carriedC as GPUBuffer, cells, B * this.widthC],
      ];
      for (const [carried, steps, block] of pairs) {
        if (!steps) continue;
        const outer = { buffer: carried, offset: l * block };
        const inner = { buffer: steps, offset: way === "in" ? 0 : T * block };
        const [src, dst] = way === "in" ? [outer, inner] : [inner, outer];
        encodeCopyRows(plan, {
          rows: 1,
          width: block,
          src,
          srcWidth: block,
          dst,
          dstWidth: block,
          order: null,
          accumulate: false,
        });
      }
    });
    return plan;
  }
}

/** Classes of −1: the pass computes no loss worth reading (its forward plan still records one). */
function noTargets(rows: number): Int32Array {
  return new Int32Array(rows).fill(-1);
}
