// One implementation in its own process (so its peak RSS is its own), driven by run.ts over stdin/stdout:
// builds the workload's model, then answers `warmup`, `window` and `done` commands (see common.ts).
// With --matmul it instead times n×n float32 matrix products (the ceiling) and exits.
//
//   node dist/bench/bench/worker.js --impl rnnlab --cell lstm --hidden 128
//   node dist/bench/bench/worker.js --matmul --impl tfjs-wasm --size 1024 --threads 1
//   node dist/bench/bench/worker.js --impl rnnlab-webgpu --cell rnn --hidden 512 --batch 256
//   node dist/bench/bench/worker.js --impl rnnlab-webgpu --probe-gpu   # the WebGPU adapter, or why none

import { createInterface } from "node:readline";
import { Command as Cli, Option } from "commander";
import {
  batchPool,
  CELLS,
  type CellName,
  type Command,
  type ImplName,
  MARK,
  type MatmulResult,
  NODE_IMPLS,
  type Reply,
  rnnlabModel,
  SkipError,
  type Trainer,
  timeMajorPool,
  WORKLOAD,
} from "./common.js";
import { importPeer, probeGpu, rnnlabWebgpuTrainer, tfjsWebgpuTrainer } from "./gpu-rows.js";
import { type Tf, type TfWasm, tfjsModelTrainer, useWasmBackend } from "./tfjs-model.js";

type Info = Trainer["info"];

function send(msg: Reply | MatmulResult): void {
  process.stdout.write(`${MARK}${JSON.stringify(msg)}\n`);
}

// ---- rnnlab, through its public API ----

async function rnnlabTrainer(cell: CellName, H: number, threads: number, B: number): Promise<Trainer> {
  const { dataParallel, enableRelaxedSimd } = await import("../node/index.js");
  enableRelaxedSimd(); // as the CLI does, before the kernels compile
  const { SequenceModel, createOptimizer } = await import("../src/index.js");
  const { wasmKernelVariant } = await import("../src/kernels/index.js");
  const { seqLen: T, lr } = WORKLOAD;
  const model = new SequenceModel(rnnlabModel(cell, H), { seed: WORKLOAD.seed });
  const adam = createOptimizer({ name: "adam", lr }, model);
  // Batch rows split over threads (the calling one and worker_threads), as `rnnlab train` does.
  const parallel = dataParallel(model, threads);
  const batches = timeMajorPool(B);
  return {
    info: { version: "working tree (src/index.ts)", threads, wasm: wasmKernelVariant() ?? "none" },
    step(i) {
      const { tokens, classes } = batches[i % batches.length];
      const { loss } = parallel.lossAndGrad({ T, B, tokens }, { classes });
      adam.step(model.params.data, model.params.grad);
      return loss;
    },
  };
}

// ---- TensorFlow.js: the backend here, the model in tfjs-model.ts (shared with Chromium) ----

async function loadTf(backend: "cpu" | "wasm", threads: number): Promise<{ tf: Tf; info: Info }> {
  const tf = await importPeer<Tf>("@tensorflow/tfjs");
  const info: Info = { version: tf.version.tfjs, backend };
  if (backend === "wasm") {
    await useWasmBackend(tf, await importPeer<TfWasm>("@tensorflow/tfjs-backend-wasm"), threads, info);
  } else {
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') failed");
    await tf.ready();
    info.threads = 1;
  }
  return { tf, info };
}

async function tfjsTrainer(
  backend: "cpu" | "wasm",
  cell: CellName,
  H: number,
  threads: number,
  api: "minimize" | "fit",
  B: number,
): Promise<Trainer> {
  const { tf, info } = await loadTf(backend, threads);
  if ((info.threads as number) < threads) {
    throw new SkipError(
      `tfjs ${backend} runs ${info.threads} thread(s) here, not ${threads}` +
        (backend === "wasm" ? " (tfjs-backend-wasm disables its threaded binary in Node)" : ""),
    );
  }
  return tfjsModelTrainer(tf, cell, H, api, info, { batch: B });
}

// ---- brain.js: recurrent RNN / GRU / LSTM, one sequence at a time ----

interface BrainNet {
  initialize(): void;
  /** forward + backward + weight update on one sequence; with `true`, returns its "error":
   *  2^(log2 perplexity summed over the T + 1 predictions / (T − 1)) / 100. */
  trainPattern(input: number[], logErrorRate?: boolean): number | undefined;
}
interface BrainModule {
  recurrent: Record<"RNN" | "GRU" | "LSTM", new (options: Record<string, unknown>) => BrainNet>;
}

async function brainTrainer(cell: CellName, H: number): Promise<Trainer> {
  const mod = await importPeer<{ default: BrainModule }>("brain.js");
  const brain = mod.default;
  const { vocab: V, embedding: E, seqLen: T, lr } = WORKLOAD;
  if (cell === "bilstm") throw new SkipError("brain.js has no bidirectional recurrent layer");
  const Net = { rnn: brain.recurrent.RNN, gru: brain.recurrent.GRU, lstm: brain.recurrent.LSTM }[cell];
  // inputRange V: an embedding table of V + 1 rows (row 0 = start/end) × inputSize E; the readout has
  // V + 1 outputs. Its optimizer is its own (RMSProp-like with clipping), not Adam; its RNN is ReLU.
  const net = new Net({ inputSize: E, inputRange: V, hiddenLayers: [H], outputSize: V, learningRate: lr });
  net.initialize();
  const seqs = batchPool().flatMap((b) => b.map((s) => s.slice(0, T)));
  return {
    info: { version: "1.x (package.json)", threads: 1, optimizer: "brain.js RMSProp", batch: 1 },
    step(i) {
      const err = net.trainPattern(seqs[i % seqs.length], true) ?? Number.NaN;
      // Back from its error to the mean cross-entropy in nats over its T + 1 predictions.
      return (Math.log2(100 * err) * (T - 1) * Math.LN2) / (T + 1);
    },
  };
}

// ---- the command loop ----

async function makeTrainer(
  impl: ImplName,
  cell: CellName,
  H: number,
  threads: number,
  api: "minimize" | "fit",
  B: number,
): Promise<Trainer> {
  switch (impl) {
    case "rnnlab":
      return rnnlabTrainer(cell, H, threads, B);
    case "tfjs-cpu":
      if (threads !== 1) throw new SkipError("tfjs's cpu backend runs on one thread");
      return tfjsTrainer("cpu", cell, H, threads, api, B);
    case "tfjs-wasm":
      return tfjsTrainer("wasm", cell, H, threads, api, B);
    case "brainjs":
      if (threads !== 1) throw new SkipError("brain.js runs on one thread");
      if (B !== WORKLOAD.batch) throw new SkipError("brain.js trains one sequence at a time (no --batch)");
      return brainTrainer(cell, H);
    case "rnnlab-webgpu":
      return rnnlabWebgpuTrainer(cell, H, B);
    case "tfjs-webgpu":
      return tfjsWebgpuTrainer(cell, H, B, api);
    default:
      throw new Error(`not a Node implementation: ${impl}`);
  }
}

async function serve(trainer: Trainer): Promise<void> {
  let counter = 0;
  let initialLoss: number | undefined;
  const run = async (seconds: number): Promise<void> => {
    let steps = 0;
    let loss = Number.NaN;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let elapsed = 0;
    do {
      const result = trainer.step(counter);
      loss = typeof result === "number" ? result : await result;
      counter++;
      steps++;
      if (initialLoss === undefined) initialLoss = loss;
      elapsed = (performance.now() - t0) / 1000;
      // A GPU step only queued its work: the window ends once the GPU has done it all.
      if (elapsed >= seconds && trainer.settle) {
        await trainer.settle();
        elapsed = (performance.now() - t0) / 1000;
      }
    } while (elapsed < seconds);
    const cpu = process.cpuUsage(cpu0);
    if (trainer.losses) ({ loss, initialLoss } = await trainer.losses());
    send({ steps, seconds: elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, loss, initialLoss });
  };
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line) as Command;
    if (command.cmd === "warmup" || command.cmd === "window") {
      await run(command.seconds);
    } else if (command.cmd === "done") {
      send({ maxRssKiB: process.resourceUsage().maxRSS });
      trainer.close?.();
      break;
    }
  }
}

// ---- the ceiling: n×n float32 matrix products ----

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** GFLOP/s of `windows` windows of at least `seconds` each (reps calibrated on a first run). */
function timeProduct(fn: () => void, flops: number, seconds: number, windows: number): number[] {
  fn(); // warm-up (and JIT)
  let t0 = performance.now();
  fn();
  const once = Math.max((performance.now() - t0) / 1000, 1e-6);
  const reps = Math.max(1, Math.ceil(seconds / once));
  const out: number[] = [];
  for (let w = 0; w < windows; w++) {
    t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    out.push((flops * reps) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return out;
}

async function matmulMain(impl: ImplName, n: number, threads: number, seconds: number, windows: number) {
  const flops = 2 * n * n * n;
  const a = random(n * n, 1);
  const b = random(n * n, 2);
  if (impl === "rnnlab") {
    (await import("../node/index.js")).enableRelaxedSimd();
    const { matmul, matmulTransB } = await import("../src/kernels/index.js");
    const out = new Float32Array(n * n);
    for (const [kernel, fn] of [
      ["matmul", matmul],
      ["matmulTransB", matmulTransB],
    ] as const) {
      const gflops = timeProduct(() => fn(out, a, b, n, n, n), flops, seconds, windows);
      send({ kernel: `rnnlab ${kernel}`, size: n, threads: 1, gflops });
    }
    return;
  }
  if (impl === "tfjs-wasm" || impl === "tfjs-cpu") {
    const { tf, info } = await loadTf(impl === "tfjs-wasm" ? "wasm" : "cpu", threads);
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);
    const gflops = timeProduct(
      () => {
        const c = tf.matMul(ta, tb);
        c.dataSync();
        c.dispose();
      },
      flops,
      seconds,
      windows,
    );
    send({ kernel: `${impl} tf.matMul`, size: n, threads: info.threads as number, gflops, info });
    return;
  }
  throw new Error(`no matmul for ${impl}`);
}

async function main(): Promise<void> {
  const cli = new Cli()
    .name("worker")
    .addOption(new Option("--impl <name>").choices(NODE_IMPLS as string[]).makeOptionMandatory())
    .addOption(new Option("--cell <cell>").choices([...CELLS]).default("lstm"))
    .option("--hidden <n>", "hidden size", Number, 128)
    .option("--threads <n>", "threads", Number, 1)
    .option("--batch <n>", "sequences per batch", Number, WORKLOAD.batch)
    .option("--probe-gpu", "print the WebGPU adapter (or why there is none) and exit", false)
    .addOption(new Option("--tfjs-api <api>").choices(["minimize", "fit"]).default("minimize"))
    .option("--matmul", "time n×n matrix products instead", false)
    .option("--size <n>", "matmul size", Number, 1024)
    .option("--seconds <s>", "matmul window seconds", Number, 0.5)
    .option("--windows <n>", "matmul windows", Number, 3)
    .parse();
  const o = cli.opts<{
    impl: ImplName;
    cell: CellName;
    hidden: number;
    threads: number;
    batch: number;
    probeGpu: boolean;
    tfjsApi: "minimize" | "fit";
    matmul: boolean;
    size: number;
    seconds: number;
    windows: number;
  }>();
  try {
    if (o.probeGpu) {
      send({ ready: true, info: { adapter: await probeGpu() } });
      return;
    }
    if (o.matmul) {
      await matmulMain(o.impl, o.size, o.threads, o.seconds, o.windows);
      return;
    }
    const trainer = await makeTrainer(o.impl, o.cell, o.hidden, o.threads, o.tfjsApi, o.batch);
    send({ ready: true, info: trainer.info });
    await serve(trainer);
  } catch (e) {
    if (e instanceof SkipError) send({ skip: e.message });
    else send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exitCode = e instanceof SkipError ? 0 : 1;
  }
}

await main();
