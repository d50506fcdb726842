// The GPU rows of `npm run bench -- --device webgpu` that run in Node: rnnlab on WebGPU (GpuTrainer
// on Dawn) and TensorFlow.js's WebGPU backend (on Dawn too, through a navigator.gpu defined here).
// torch-cuda is bench/torch_bench.py --device cuda. A GPU step only queues its work: the worker's
// window ends with settle(), which waits for the GPU, so the window's seconds count the GPU's time.

import { Rng } from "../src/random.js";
import {
  batchPool,
  type CellName,
  rnnlabModel,
  SkipError,
  type Trainer,
  timeMajorPool,
  WORKLOAD,
} from "./common.js";
import { type Tf, tfjsModelTrainer } from "./tfjs-model.js";

type Info = Trainer["info"];

/** A fence every FENCE_STEPS steps, and the CPU waits for the fence before the last one: at most
 *  about 2·FENCE_STEPS steps are queued ahead of the GPU (so a window overshoots its seconds by
 *  that much GPU work at most: long on SwiftShader), and the GPU never runs dry. */
const FENCE_STEPS = 8;

/** A peer package, or a SkipError saying it is not installed. */
export async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new SkipError(`${name} is not installed (npm install)`);
    }
    throw e;
  }
}

/** The pool of batches as one token stream, batch i's sequence b at (i·B + b)·(T + 1): the windows
 *  GpuTrainer cuts from it at those offsets are the pool's batches, in order. */
export function poolStream(B: number): { data: Int32Array; starts: number[] } {
  const sequences = batchPool(B).flat();
  const span = WORKLOAD.seqLen + 1;
  const data = new Int32Array(sequences.length * span);
  sequences.forEach((s, k) => {
    data.set(s, k * span);
  });
  return { data, starts: sequences.map((_, k) => k * span) };
}

/** An Rng whose int() gives the pool's window offsets in turn: GpuTrainer then trains on batch i of
 *  the pool at step i, the batches the CPU rows train on. */
class PoolWindows extends Rng {
  private next = 0;

  constructor(private readonly starts: readonly number[]) {
    super(WORKLOAD.seed);
  }

  override int(_n: number): number {
    const start = this.starts[this.next];
    this.next = (this.next + 1) % this.starts.length;
    return start;
  }
}

/** rnnlab on WebGPU through its public API: the CPU rows' model and Adam, GpuTrainer with
 *  `figures: false` (a step reads nothing back), fenced every FENCE_STEPS steps. */
export async function rnnlabWebgpuTrainer(cell: CellName, H: number, B: number): Promise<Trainer> {
  const { requestNodeGpu } = await import("../node/index.js");
  const { SequenceModel, createOptimizer } = await import("../src/index.js");
  const { GpuTrainer, gpuUnsupported } = await import("../src/gpu/index.js");
  const { seqLen: T, lr } = WORKLOAD;
  const model = new SequenceModel(rnnlabModel(cell, H), { seed: WORKLOAD.seed });
  const unsupported = gpuUnsupported(model.config);
  if (unsupported) throw new SkipError(unsupported);
  const request = await requestNodeGpu();
  if ("reason" in request) throw new SkipError(request.reason);
  const { context, adapter } = request;
  const { data, starts } = poolStream(B);
  const trainer = new GpuTrainer({
    context,
    model,
    optimizer: createOptimizer({ name: "adam", lr }, model),
    data,
    seqLen: T,
    batch: B,
    rng: new PoolWindows(starts),
    figures: false,
  });
  const pool = timeMajorPool(B).map(({ tokens, classes }) => ({ T, B, tokens, classes }));
  // The first step's loss is the loss of batch 0 at the initial weights.
  const initialLoss = await trainer.evaluate([pool[0]]);
  let fences: Promise<void>[] = [];
  let steps = 0;
  return {
    info: { version: "working tree (src/gpu)", threads: 1, adapter, batch: B },
    async step() {
      await trainer.trainStep();
      steps++;
      if (steps % FENCE_STEPS === 0) {
        fences.push(context.finish());
        if (fences.length > 2) await fences.shift();
      }
      return Number.NaN;
    },
    async settle() {
      await context.finish();
      fences = [];
    },
    async losses() {
      // The last batch trained on, at the weights its update left.
      const last = pool[(steps - 1 + pool.length) % pool.length];
      return { loss: await trainer.evaluate([last]), initialLoss };
    },
    close() {
      context.destroy();
    },
  };
}

/** Dawn's GPU object, as navigator.gpu (Node 20 has no navigator; tfjs-backend-webgpu registers
 *  itself on import only where navigator.gpu exists). Held here: Dawn stops when it is collected. */
let dawnGpu: GPU | null = null;

async function defineNavigatorGpu(): Promise<GPU> {
  if (dawnGpu) return dawnGpu;
  process.env.XDG_RUNTIME_DIR ??= "/tmp";
  const dawn = await importPeer<typeof import("webgpu")>("webgpu");
  Object.assign(globalThis, dawn.globals);
  dawnGpu = dawn.create([]);
  const holder = globalThis as { navigator?: { gpu?: GPU } };
  if (holder.navigator)
    Object.defineProperty(holder.navigator, "gpu", { value: dawnGpu, configurable: true });
  else holder.navigator = { gpu: dawnGpu };
  return dawnGpu;
}

/** The adapter's vendor, architecture, device and description, as requestGpuContext names it. */
function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(" ");
  return name || "unnamed adapter";
}

/** The adapter WebGPU gives here (Dawn, high-performance), or a SkipError saying there is none. */
export async function probeGpu(): Promise<string> {
  const gpu = await defineNavigatorGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new SkipError("WebGPU (Dawn) found no GPU adapter");
  return adapterName(adapter);
}

/** TensorFlow.js's WebGPU backend on Dawn, the model of tfjs-model.ts with steps that read nothing
 *  back (settle() reads the last loss, which waits for all of them). */
export async function tfjsWebgpuTrainer(
  cell: CellName,
  H: number,
  B: number,
  api: "minimize" | "fit",
): Promise<Trainer> {
  const adapter = await probeGpu();
  const tf = await importPeer<Tf>("@tensorflow/tfjs");
  await importPeer("@tensorflow/tfjs-backend-webgpu");
  if (!tf.findBackendFactory("webgpu")) {
    throw new SkipError("@tensorflow/tfjs-backend-webgpu registered no backend (it found no navigator.gpu)");
  }
  if (!(await tf.setBackend("webgpu"))) throw new SkipError("tf.setBackend('webgpu') failed");
  await tf.ready();
  const info: Info = { version: tf.version.tfjs, backend: "webgpu", threads: 1, adapter, batch: B };
  return tfjsModelTrainer(tf, cell, H, api, info, { batch: B, queued: true });
}
