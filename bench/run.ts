// `npm run bench`: training throughput of rnnlab against TensorFlow.js (cpu and wasm), brain.js and
// PyTorch on the same character-LM workload, each implementation in its own process, windows
// alternating between them so drift hits all alike; plus the machine's matrix-product ceiling.
// See bench/README.md.

import { dropoutBench } from "./dropout.js";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Command as Cli, Option } from "commander";
import {
  CELLS,
  type CellName,
  type Command,
  type DoneResult,
  flopsPerToken,
  GPU_IMPLS,
  type ImplName,
  isSwiftShader,
  MARK,
  type MatmulResult,
  median,
  type Ready,
  type Runtime,
  SWIFTSHADER_MARK,
  WORKLOAD,
  type WindowResult,
} from "./common.js";
import { BROWSER_IMPLS, type BrowserBench, startBrowserBench } from "./browser.js";
import { Channel } from "./channel.js";
import { round, sig, textTable, whole } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/bench
const root = resolve(here, "../../..");
const workerPath = join(here, "worker.js");
const torchScript = join(root, "bench", "torch_bench.py");
/** Outside the tracked tree: only bench/README.md's table of a run is committed. */
const RESULTS = join(root, "runs", "bench", "results.json");

type Info = Record<string, string | number | boolean>;

interface Options {
  quick: boolean;
  json: boolean;
  cells: CellName[];
  hidden: number[];
  impls: ImplName[];
  warmup: number;
  window: number;
  windows: number;
  matmulSize: number;
  python: string;
  out: string;
  tfjsApi: "minimize" | "fit";
  verbose: boolean;
  /** Chromium rows: asked for with --browser; --quick has them where Chromium is found */
  browser: boolean;
  /** whether --browser was given (then a missing Chromium is the same one line, said as asked) */
  browserAsked: boolean;
  /** cpu: the CPU rows; webgpu: the GPU rows (GPU_IMPLS) by default */
  device: "cpu" | "webgpu";
  /** sequences per batch, B (the workload's 32 by default) */
  batch: number;
}

const CPU_IMPLS: ImplName[] = ["rnnlab", "tfjs-cpu", "tfjs-wasm", "brainjs", "torch"];
const ALL_IMPLS: ImplName[] = [...CPU_IMPLS, ...GPU_IMPLS];
const isGpuImpl = (impl: ImplName) => GPU_IMPLS.includes(impl);
/** Where Debian's chromium package puts SwiftShader's Vulkan driver (Vulkan on the CPU). */
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function parseOptions(): Options {
  const list = (value: string) => value.split(",").map((s) => s.trim());
  const cli = new Cli()
    .name("npm run bench --")
    .description(
      "Training tokens/s of rnnlab against TensorFlow.js, brain.js and PyTorch on one workload " +
        "(character LM, V=65, E=64, T=64, B=32, Adam, float32). Writes runs/bench/results.json.",
    )
    .addOption(
      new Option("--device <device>", "cpu rows, or the GPU rows (rnnlab-webgpu, torch-cuda, tfjs-webgpu)")
        .choices(["cpu", "webgpu"])
        .default("cpu"),
    )
    .option("--batch <n>", "sequences per batch B (the workload's 32)", Number)
    .option(
      "--quick",
      "LSTM and tanh RNN at H=128 against PyTorch and the faster TensorFlow.js backend",
      false,
    )
    .option("--json", "print the results as one JSON object on the last line of stdout", false)
    .option("--cells <list>", `cells (${CELLS.join(",")}; --quick: rnn,lstm)`, list)
    .option("--hidden <list>", "hidden sizes (128,256,512)", (v) => list(v).map(Number))
    .addOption(
      new Option("--impls <list>", `implementations (${ALL_IMPLS.join(",")})`).argParser((v) => list(v)),
    )
    .option("--warmup <seconds>", "warm-up per implementation and config (at least one step)", Number)
    .option("--window <seconds>", "length of a timed window (at least one step)", Number)
    .option("--windows <n>", "timed windows per implementation and config (median, min, max)", Number)
    .option("--matmul-size <n>", "n of the n×n·n×n float32 ceiling product", Number, 1024)
    .option("--python <path>", "the Python that runs bench/torch_bench.py", "/usr/bin/python3")
    .option("--out <file>", "where to write the results (git ignores runs/)", RESULTS)
    .addOption(
      new Option("--tfjs-api <api>", "TensorFlow.js training call: optimizer.minimize or model.trainOnBatch")
        .choices(["minimize", "fit"])
        .default("minimize"),
    )
    .option("--verbose", "pass the workers' own output through to stderr", false)
    .option(
      "--browser",
      "also rnnlab (1 and 2 threads) and tfjs-wasm in headless Chromium, cross-origin isolated " +
        "(--quick: on where Chromium is found, one row each)",
    )
    .option("--no-browser", "no Chromium rows, even with --quick")
    .option("--dropout", "another mode: an LSTM step with dropout against one without (see --dropout --help)")
    .parse();
  const o = cli.opts<Partial<Options> & { quick: boolean }>();
  const gpu = o.device === "webgpu";
  const impls = (o.impls ?? (gpu ? GPU_IMPLS : CPU_IMPLS)) as ImplName[];
  for (const impl of impls) if (!ALL_IMPLS.includes(impl)) cli.error(`unknown implementation ${impl}`);
  const cells = (o.cells ?? (o.quick || gpu ? ["rnn", "lstm"] : CELLS)) as CellName[];
  for (const cell of cells) if (!CELLS.includes(cell)) cli.error(`unknown cell ${cell}`);
  const hidden = o.hidden ?? (o.quick ? [128] : gpu ? [128, 512] : [128, 256, 512]);
  const batch = o.batch ?? WORKLOAD.batch;
  if (!Number.isInteger(batch) || batch < 1)
    cli.error(`--batch must be a whole number of sequences, got ${batch}`);
  for (const h of hidden) if (!Number.isInteger(h) || h < 1) cli.error(`bad hidden size ${h}`);
  const options: Options = {
    quick: o.quick,
    json: o.json ?? false,
    cells,
    hidden,
    impls: o.quick && !o.impls ? ["rnnlab", "tfjs-cpu", "tfjs-wasm", "torch"] : impls,
    warmup: o.warmup ?? 1,
    window: o.window ?? 1.5,
    windows: o.windows ?? 3,
    matmulSize: o.matmulSize ?? 1024,
    python: o.python ?? "/usr/bin/python3",
    out: resolve(o.out ?? RESULTS),
    tfjsApi: o.tfjsApi ?? "minimize",
    verbose: o.verbose ?? false,
    browser: o.browser ?? o.quick,
    browserAsked: o.browser === true,
    device: gpu ? "webgpu" : "cpu",
    batch,
  };
  if (!(options.windows >= 1)) cli.error("--windows must be at least 1");
  return options;
}

// ---- child processes speaking the @bench line protocol ----

class Child extends Channel {
  private readonly proc: ChildProcess;

  constructor(label: string, command: string, args: string[], env: NodeJS.ProcessEnv, verbose: boolean) {
    super(label, verbose);
    this.proc = spawn(command, args, { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] });
    const onLine = (line: string) => {
      if (line.startsWith(MARK)) this.deliver(JSON.parse(line.slice(MARK.length)) as unknown);
      else this.note(line);
    };
    if (this.proc.stdout) createInterface({ input: this.proc.stdout }).on("line", onLine);
    if (this.proc.stderr) createInterface({ input: this.proc.stderr }).on("line", onLine);
    this.proc.on("error", (e) => this.finish(`could not start: ${e.message}`));
    this.proc.on("close", (code, signal) => this.finish(`exited (${signal ?? `code ${code}`})`));
  }

  protected send(command: Command): void {
    this.proc.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  kill(): void {
    if (!this.closed) this.proc.kill("SIGKILL");
  }

  get exited(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => this.proc.once("close", () => r()));
  }
}

function errorOf(message: unknown): string | null {
  if (message && typeof message === "object") {
    if ("error" in message) return String((message as { error: unknown }).error);
    if ("skip" in message) return null;
  }
  return null;
}

const nodeArgs = ["--max-old-space-size=8192", workerPath];

function spawnWorker(
  impl: ImplName,
  args: string[],
  threads: number,
  options: Options,
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Child {
  if (impl === "torch-cuda") {
    const cuda = [torchScript, ...args, "--device", "cuda", "--threads", "1"];
    return new Child(label, options.python, cuda, { PYTHONUNBUFFERED: "1", ...env }, options.verbose);
  }
  if (impl === "torch") {
    const env = {
      // With libgomp's default wait policy torch's OpenMP threads spin while OpenBLAS's threads work
      // (and the other way round): on 2 cores, 2-thread training fell to a few percent of 1-thread
      // speed whenever anything else ran. PASSIVE gives torch its best 2-thread numbers.
      OMP_WAIT_POLICY: "PASSIVE",
      ...process.env,
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    };
    return new Child(
      label,
      options.python,
      [torchScript, ...args, "--threads", String(threads)],
      env,
      options.verbose,
    );
  }
  return new Child(
    label,
    process.execPath,
    [...nodeArgs, "--impl", impl, ...args, "--threads", String(threads)],
    env,
    options.verbose,
  );
}

// ---- peers present? ----

interface PeerStatus {
  impl: ImplName;
  available: boolean;
  reason?: string;
  version?: string;
  info?: Info;
}

function nodePeer(impl: ImplName, packages: string[]): PeerStatus {
  const require = createRequire(import.meta.url);
  const versions: string[] = [];
  for (const name of packages) {
    try {
      const pkg = require(`${name}/package.json`) as { version: string };
      versions.push(`${name}@${pkg.version}`);
    } catch {
      return {
        impl,
        available: false,
        reason: `${name} is not installed (it is a devDependency: npm install)`,
      };
    }
  }
  return { impl, available: true, version: versions.join(" ") };
}

function torchPeer(options: Options, impl: "torch" | "torch-cuda" = "torch"): PeerStatus {
  if (!existsSync(options.python)) {
    return { impl, available: false, reason: `${options.python} not found` };
  }
  const device = impl === "torch-cuda" ? ["--device", "cuda"] : [];
  const r = spawnSync(options.python, [torchScript, "--info", ...device], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith(MARK));
  if (!line) {
    const why = (r.stderr ?? "").trim().split("\n").slice(-1)[0] || `exit ${r.status}`;
    return {
      impl,
      available: false,
      reason: `${options.python} bench/torch_bench.py --info: ${why}`,
    };
  }
  const message = JSON.parse(line.slice(MARK.length)) as Ready | { skip: string };
  if ("skip" in message) return { impl, available: false, reason: message.skip };
  const gpu = message.info.gpu ? ` on ${message.info.gpu} (cuDNN ${message.info.cudnn})` : "";
  return { impl, available: true, version: `torch@${message.info.version}${gpu}`, info: message.info };
}

/** The WebGPU adapter Dawn finds, and the environment of the workers that use it. Where it finds
 *  none and SwiftShader's Vulkan driver is installed, the GPU rows run on SwiftShader: the code is
 *  checked, and the rows are marked as no speed. */
async function webgpuAdapter(
  options: Options,
): Promise<{ adapter: string; env: NodeJS.ProcessEnv } | { reason: string }> {
  const probe = async (env: NodeJS.ProcessEnv): Promise<{ adapter: string } | { reason: string }> => {
    const child = spawnWorker("rnnlab-webgpu", ["--probe-gpu"], 1, options, "webgpu probe", env);
    try {
      const message = (await child.next(120_000)) as Ready | { skip: string } | { error: string };
      if ("ready" in message) return { adapter: String(message.info.adapter) };
      return { reason: "skip" in message ? message.skip : message.error.split("\n")[0] };
    } catch (e) {
      return { reason: (e as Error).message.split("\n")[0] };
    } finally {
      child.kill(); // Dawn keeps the process alive
      await child.exited;
    }
  };
  const found = await probe(process.env);
  if ("adapter" in found || process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD)) {
    return "adapter" in found ? { ...found, env: process.env } : found;
  }
  const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  const soft = await probe(env);
  if ("reason" in soft) return { reason: `${found.reason}; on SwiftShader too: ${soft.reason}` };
  log(`webgpu: ${found.reason}: the GPU rows run on SwiftShader ${SWIFTSHADER_MARK}`);
  return { adapter: soft.adapter, env };
}

// ---- the ceiling ----

interface Ceiling {
  kernel: string;
  size: number;
  threads: number;
  gflops: number;
  windows: number[];
  info?: Info;
}

async function runMatmul(
  impl: ImplName,
  threads: number,
  options: Options,
): Promise<{ results: MatmulResult[]; error?: string }> {
  const args = ["--matmul", "--size", String(options.matmulSize), "--windows", String(options.windows)];
  const child = spawnWorker(impl, args, threads, options, `${impl} matmul t${threads}`);
  const kernels = impl === "rnnlab" ? 2 : 1;
  const results: MatmulResult[] = [];
  try {
    for (let k = 0; k < kernels; k++) {
      const message = (await child.next(600_000)) as MatmulResult | { skip: string } | { error: string };
      if ("skip" in message) return { results, error: message.skip };
      if ("error" in message) return { results, error: message.error };
      results.push(message);
    }
  } catch (e) {
    return { results, error: (e as Error).message };
  } finally {
    await child.exited;
  }
  return { results };
}

// ---- one config: every implementation in its own process (or Chromium page), windows alternating ----

interface Planned {
  impl: ImplName;
  threads: number;
  runtime: Runtime;
  /** the worker's environment (the GPU rows': VK_ICD_FILENAMES where they run on SwiftShader) */
  env?: NodeJS.ProcessEnv;
}

interface Job extends Planned {
  child?: Channel;
  status: "running" | "skipped" | "failed" | "dropped";
  reason?: string;
  info?: Info;
  warmup?: WindowResult;
  windows: WindowResult[];
  initialLoss?: number;
  finalLoss?: number;
  maxRssKiB?: number;
}

export interface Row {
  impl: ImplName;
  runtime: Runtime;
  cell: CellName;
  hidden: number;
  threads: number;
  /** median over the windows: tokens per second (brain.js: characters per second, batch 1) */
  tokensPerSec: number;
  minTokensPerSec: number;
  maxTokensPerSec: number;
  windowsTokensPerSec: number[];
  steps: number;
  unit: "tokens/s" | "chars/s";
  flopsPerToken: number;
  gflops: number;
  /** gflops / the OpenBLAS product at the same thread count (or the best ceiling measured) */
  ceilingFraction: number | null;
  peakMiB: number | null;
  /** median over the windows of the worker's CPU time / wall time (1 = one core busy all along) */
  cpuShare: number | null;
  initialLoss: number | null;
  finalLoss: number | null;
  /** rnnlab's median tokens/s at its best thread count (in Chromium for a Chromium row; a GPU
   *  row's: rnnlab-webgpu's) over this row's */
  ratioRnnlab: number | null;
  /** a GPU row's device: the WebGPU adapter, or torch's CUDA device */
  gpu?: string;
  /** a GPU row that ran on SwiftShader (Vulkan on the CPU): a correctness check, not a speed */
  simulated?: boolean;
  info?: Info;
}

/** A GPU row's device, as its worker reported it. */
function gpuName(job: Job): string {
  return String(job.info?.adapter ?? job.info?.gpu ?? "?");
}

function simulatedGpu(job: Job): boolean {
  return job.impl !== "torch-cuda" && isSwiftShader(gpuName(job));
}

interface Skipped {
  impl: ImplName;
  runtime?: Runtime;
  cell?: CellName;
  hidden?: number;
  threads?: number;
  status: "skipped" | "failed" | "dropped";
  reason: string;
}

/** Tokens a step trains on: B·T (brain.js: one sequence, T characters). */
function tokensPerStep(impl: ImplName, batch: number): number {
  return impl === "brainjs" ? WORKLOAD.seqLen : WORKLOAD.seqLen * batch;
}

function rate(impl: ImplName, w: WindowResult, batch: number): number {
  return (w.steps * tokensPerStep(impl, batch)) / w.seconds;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "rnnlab", or "rnnlab@chromium" for a Chromium row. */
function implName(p: { impl: ImplName; runtime?: Runtime }): string {
  return p.runtime === "chromium" ? `${p.impl}@chromium` : p.impl;
}

function jobName(job: Planned): string {
  return `${implName(job)} t${job.threads}`;
}

async function runConfig(
  cell: CellName,
  hidden: number,
  plan: Planned[],
  options: Options,
  tag: string,
  browser: BrowserBench | null,
): Promise<Job[]> {
  const jobs: Job[] = plan.map((p) => ({ ...p, status: "running", windows: [] }));
  const timeout = 900_000; // one step of the slowest peer at H=512 can take a minute on a busy machine
  const args = ["--cell", cell, "--hidden", String(hidden), "--batch", String(options.batch)];
  for (const job of jobs) {
    if (job.runtime === "chromium" && browser) {
      const config = { cell, hidden, threads: job.threads, api: options.tfjsApi };
      job.child = browser.open(job.impl, config, jobName(job), options.verbose);
      continue;
    }
    const extra = job.impl.startsWith("tfjs") ? ["--tfjs-api", options.tfjsApi] : [];
    job.child = spawnWorker(job.impl, [...args, ...extra], job.threads, options, jobName(job), job.env);
  }
  const fail = (job: Job, status: "skipped" | "failed" | "dropped", reason: string) => {
    job.status = status;
    job.reason = reason;
    job.child?.kill();
    log(`${tag} ${jobName(job)}: ${status}: ${reason.split("\n")[0]}`);
    if (status === "failed") log(reason);
  };
  const active = () => jobs.filter((j) => j.status === "running");
  const ask = async (job: Job, command: Command): Promise<unknown> => {
    try {
      const message = await job.child!.request(command, timeout);
      const error = errorOf(message);
      if (error !== null) fail(job, "failed", error);
      return error === null ? message : null;
    } catch (e) {
      fail(job, "failed", (e as Error).message);
      return null;
    }
  };

  // Start-up: every worker builds its model (in parallel: nothing is timed yet).
  await Promise.all(
    jobs.map(async (job) => {
      try {
        const message = (await job.child!.next(600_000)) as Ready | { skip: string } | { error: string };
        if ("skip" in message) fail(job, "skipped", message.skip);
        else if ("error" in message) fail(job, "failed", message.error);
        else job.info = message.info;
      } catch (e) {
        fail(job, "failed", (e as Error).message);
      }
    }),
  );

  // Warm-up, one implementation at a time.
  for (const job of active()) {
    const w = (await ask(job, { cmd: "warmup", seconds: options.warmup })) as WindowResult | null;
    if (!w) continue;
    job.warmup = w;
    job.initialLoss = w.initialLoss;
    log(
      `${tag} ${jobName(job)}: warm-up ${w.steps} step(s) in ${w.seconds.toFixed(1)} s, ` +
        `initial loss ${w.initialLoss?.toFixed(4)} (ln ${WORKLOAD.vocab} = ${Math.log(WORKLOAD.vocab).toFixed(4)})`,
    );
    await sleep(150);
  }

  // --quick: keep only the fastest TensorFlow.js row of each runtime (by its warm-up speed): of its
  // two backends in Node, of its thread counts in Chromium.
  if (options.quick) {
    for (const runtime of ["node", "chromium"] as const) {
      const tfjs = active().filter((j) => j.impl.startsWith("tfjs") && j.runtime === runtime && j.warmup);
      if (tfjs.length < 2) continue;
      tfjs.sort((a, b) => rate(b.impl, b.warmup!, options.batch) - rate(a.impl, a.warmup!, options.batch));
      const what = runtime === "node" ? "backend" : "thread count in Chromium";
      for (const slower of tfjs.slice(1)) {
        fail(
          slower,
          "dropped",
          `--quick keeps the faster TensorFlow.js ${what}: warm-up ${whole(rate(slower.impl, slower.warmup!, options.batch))} ` +
            `tokens/s against ${jobName(tfjs[0])} ${whole(rate(tfjs[0].impl, tfjs[0].warmup!, options.batch))}`,
        );
      }
    }
  }

  // Timed windows, round robin: rnnlab, peer, peer, ..., rnnlab, peer, ...
  for (let round = 0; round < options.windows; round++) {
    for (const job of active()) {
      const w = (await ask(job, { cmd: "window", seconds: options.window })) as WindowResult | null;
      if (!w) continue;
      job.windows.push(w);
      job.finalLoss = w.loss;
      log(
        `${tag} ${jobName(job)}: window ${round + 1}/${options.windows}: ` +
          `${whole(rate(job.impl, w, options.batch))} ${job.impl === "brainjs" ? "chars" : "tokens"}/s (${w.steps} steps)`,
      );
      await sleep(150); // let spinning BLAS/OpenMP threads of the previous worker go idle
    }
  }

  for (const job of jobs) {
    if (job.status === "running") {
      const done = (await ask(job, { cmd: "done" })) as DoneResult | null;
      if (done) job.maxRssKiB = done.maxRssKiB;
    }
    job.child?.kill();
  }
  await Promise.all(jobs.map((j) => j.child?.exited));
  return jobs;
}

// ---- main ----

async function main(): Promise<void> {
  const options = parseOptions();
  const started = Date.now();
  const loadStart = os.loadavg();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model.trim() ?? "?",
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: loadStart.map((x) => round(x, 3)),
    loadAverageAtEnd: [] as number[],
  };
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}`,
  );
  if (loadStart[0] > 0.5) {
    log(
      `warning: load average ${loadStart.map((x) => x.toFixed(2)).join(" ")} — other processes are using the CPU, ` +
        "so every number below is low and noisy",
    );
  }
  const { vocab: V, embedding: E, seqLen: T } = WORKLOAD;
  const B = options.batch;
  log(
    `workload: char LM V=${V} E=${E} T=${T} B=${B}, one layer, linear readout, softmax CE over all ` +
      `${B * T} targets, Adam lr ${WORKLOAD.lr}, float32; cells ${options.cells.join(",")}, H ${options.hidden.join(",")}; ` +
      `warm-up ${options.warmup} s, ${options.windows} windows of ${options.window} s`,
  );

  // Peers.
  const peers: PeerStatus[] = [];
  const want = (impl: ImplName) => options.impls.includes(impl);
  if (want("rnnlab")) peers.push({ impl: "rnnlab", available: true, version: "working tree" });
  if (want("tfjs-cpu")) peers.push(nodePeer("tfjs-cpu", ["@tensorflow/tfjs"]));
  if (want("tfjs-wasm"))
    peers.push(nodePeer("tfjs-wasm", ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"]));
  if (want("brainjs")) peers.push(nodePeer("brainjs", ["brain.js"]));
  if (want("torch")) peers.push(torchPeer(options));
  // The GPU rows: Dawn's adapter first (on SwiftShader where there is no GPU), then the peers.
  const webgpu = GPU_IMPLS.some((impl) => impl !== "torch-cuda" && want(impl))
    ? await webgpuAdapter(options)
    : null;
  const gpuPeer = (impl: ImplName, packages: string[]): PeerStatus => {
    if (webgpu && "reason" in webgpu) return { impl, available: false, reason: webgpu.reason };
    const peer = nodePeer(impl, packages);
    return peer.available ? { ...peer, info: { adapter: webgpu?.adapter ?? "" } } : peer;
  };
  if (want("rnnlab-webgpu")) peers.push({ ...gpuPeer("rnnlab-webgpu", ["webgpu"]), version: "working tree" });
  if (want("torch-cuda")) peers.push(torchPeer(options, "torch-cuda"));
  if (want("tfjs-webgpu"))
    peers.push(gpuPeer("tfjs-webgpu", ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-webgpu", "webgpu"]));
  const simulated = webgpu !== null && "adapter" in webgpu && isSwiftShader(webgpu.adapter);
  if (webgpu && "adapter" in webgpu)
    log(`webgpu adapter: ${webgpu.adapter}${simulated ? ` ${SWIFTSHADER_MARK}` : ""}`);
  const gpuEnv = webgpu && "adapter" in webgpu ? webgpu.env : process.env;
  const available = (impl: ImplName) => peers.some((p) => p.impl === impl && p.available);
  const skipped: Skipped[] = [];
  for (const p of peers) {
    log(`peer ${p.impl}: ${p.available ? `ok ${p.version}` : `skipped: ${p.reason}`}`);
    if (!p.available) skipped.push({ impl: p.impl, status: "skipped", reason: p.reason ?? "" });
  }
  const torchInfo = peers.find((p) => p.impl === "torch")?.info;
  if (torchInfo) {
    log(
      `torch BLAS: ${torchInfo.blas} ${torchInfo.openblasConfig ?? ""} (torch BLAS_INFO=${torchInfo.torchBlasInfo}; ` +
        `loaded ${torchInfo.blasLibraries})`,
    );
  }

  // Ceiling.
  const ceilings: Ceiling[] = [];
  let wasmThreads = [1];
  const matmulJobs: { impl: ImplName; threads: number }[] = [];
  if (available("torch")) matmulJobs.push({ impl: "torch", threads: 1 }, { impl: "torch", threads: 2 });
  // The CPU rows' ceiling (a GPU row's %ceil is "-": no GPU product is measured).
  if (options.impls.some((impl) => !isGpuImpl(impl))) matmulJobs.push({ impl: "rnnlab", threads: 1 });
  if (available("tfjs-wasm"))
    matmulJobs.push({ impl: "tfjs-wasm", threads: 1 }, { impl: "tfjs-wasm", threads: 2 });
  for (const m of matmulJobs) {
    const { results, error } = await runMatmul(m.impl, m.threads, options);
    if (error) {
      log(`ceiling ${m.impl} t${m.threads}: failed: ${error}`);
      continue;
    }
    for (const r of results) {
      const c: Ceiling = {
        kernel: r.kernel,
        size: r.size,
        threads: r.threads,
        gflops: round(median(r.gflops)),
        windows: r.gflops.map((g) => round(g)),
        info: r.info,
      };
      if (m.impl === "tfjs-wasm" && m.threads === 2) {
        if (r.threads < 2) {
          const reason =
            `setThreadsCount(2) gives ${r.threads} thread: tfjs-backend-wasm loads its single-threaded binary ` +
            "in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false under Node)";
          skipped.push({ impl: "tfjs-wasm", threads: 2, status: "skipped", reason });
          log(`ceiling tfjs-wasm t2: ${reason}`);
          continue;
        }
        wasmThreads = [1, 2];
      }
      ceilings.push(c);
      log(`ceiling ${c.kernel} ${c.size}³ t${c.threads}: ${sig(c.gflops)} GFLOP/s`);
    }
  }
  const openblas = (threads: number) =>
    ceilings.find((c) => c.kernel.startsWith("torch") && c.threads === threads);
  const ceilingFor = (threads: number): Ceiling | undefined =>
    openblas(threads) ?? [...ceilings].sort((a, b) => b.gflops - a.gflops)[0];

  // Chromium: rnnlab and tfjs-wasm in cross-origin isolated pages (--browser, or --quick).
  const browserImpls = BROWSER_IMPLS.filter((impl) => want(impl) && available(impl));
  let browser: BrowserBench | null = null;
  let browserSkipped: string | null = null;
  if (options.browser && browserImpls.length > 0 && options.batch !== WORKLOAD.batch) {
    browserSkipped = `the Chromium rows run B = ${WORKLOAD.batch} only, not --batch ${options.batch}`;
  } else if (options.browser && browserImpls.length > 0) {
    const started = await startBrowserBench(root, browserImpls, log);
    if ("reason" in started) browserSkipped = started.reason;
    else {
      browser = started;
      log(`chromium: ${browser.version}, every page cross-origin isolated`);
      for (const [impl, reason] of browser.unavailable) {
        log(`chromium ${impl}: skipped: ${reason}`);
        skipped.push({ impl, runtime: "chromium", status: "skipped", reason });
      }
    }
  }
  if (browserSkipped) log(`browser rows skipped: ${browserSkipped}`);
  // --quick: one row each, rnnlab at 2 threads (what the isolated page is for) and tfjs-wasm at its
  // faster thread count (by warm-up, as for its two backends in Node).
  const browserThreads = (impl: ImplName) => (options.quick && impl === "rnnlab" ? [2] : [1, 2]);

  // Configs.
  const configs: { cell: CellName; hidden: number }[] = [];
  for (const cell of options.cells) for (const hidden of options.hidden) configs.push({ cell, hidden });
  const rows: Row[] = [];
  let rnnlabFailed = false;
  for (const [index, { cell, hidden }] of configs.entries()) {
    const tag = `[${index + 1}/${configs.length} ${cell} H=${hidden}]`;
    const plan: Planned[] = [];
    for (const impl of options.impls) {
      if (!available(impl)) continue;
      const threadCounts =
        impl === "torch" || impl === "rnnlab" ? [1, 2] : impl === "tfjs-wasm" ? wasmThreads : [1];
      const runtime = impl === "torch" || impl === "torch-cuda" ? "python" : "node";
      const env = isGpuImpl(impl) ? gpuEnv : undefined;
      for (const threads of threadCounts) plan.push({ impl, threads, runtime, env });
    }
    for (const impl of browser ? browserImpls : []) {
      if (browser?.unavailable.has(impl)) continue;
      for (const threads of browserThreads(impl)) plan.push({ impl, threads, runtime: "chromium" });
    }
    log(`${tag} ${plan.map(jobName).join(", ")}`);
    const jobs = await runConfig(cell, hidden, plan, options, tag, browser);
    // rnnlab's best thread count, as the targets take each peer's best: in Chromium for the
    // Chromium rows, in Node for the others; a GPU row's is rnnlab-webgpu's.
    const rnnlabRate = (job: Job): number | null => {
      const mine = isGpuImpl(job.impl) ? "rnnlab-webgpu" : "rnnlab";
      const inChromium = job.runtime === "chromium";
      const rates = jobs
        .filter((j) => j.impl === mine && (j.runtime === "chromium") === inChromium && j.windows.length > 0)
        .map((j) => median(j.windows.map((w) => rate(mine, w, options.batch))));
      return rates.length ? Math.max(...rates) : null;
    };
    // A GPU row that found no GPU is skipped, not failed.
    const failed = (j: Job) =>
      j.runtime === "chromium" || j.impl === "rnnlab-webgpu" ? j.status === "failed" : j.status !== "running";
    if (jobs.some((j) => (j.impl === "rnnlab" || j.impl === "rnnlab-webgpu") && failed(j)))
      rnnlabFailed = true;
    for (const job of jobs) {
      if (job.status !== "running" || job.windows.length === 0) {
        if (job.status !== "running") {
          skipped.push({
            impl: job.impl,
            runtime: job.runtime,
            cell,
            hidden,
            threads: job.threads,
            status: job.status,
            reason: job.reason ?? "",
          });
        }
        continue;
      }
      const rates = job.windows.map((w) => rate(job.impl, w, options.batch));
      const tps = median(rates);
      const flops = flopsPerToken(cell, hidden);
      const gflops = (tps * flops) / 1e9;
      const ceiling = isGpuImpl(job.impl) ? undefined : ceilingFor(job.threads);
      const mine = rnnlabRate(job);
      rows.push({
        impl: job.impl,
        runtime: job.runtime,
        cell,
        hidden,
        threads: job.threads,
        tokensPerSec: round(tps, 5),
        minTokensPerSec: round(Math.min(...rates), 5),
        maxTokensPerSec: round(Math.max(...rates), 5),
        windowsTokensPerSec: rates.map((r) => round(r, 5)),
        steps: job.windows.reduce((s, w) => s + w.steps, 0),
        unit: job.impl === "brainjs" ? "chars/s" : "tokens/s",
        flopsPerToken: flops,
        gflops: round(gflops),
        ceilingFraction: ceiling ? round(gflops / ceiling.gflops, 3) : null,
        peakMiB: job.maxRssKiB !== undefined ? round(job.maxRssKiB / 1024, 4) : null,
        cpuShare: job.windows.every((w) => w.cpuSeconds !== undefined)
          ? round(median(job.windows.map((w) => (w.cpuSeconds ?? 0) / w.seconds)), 3)
          : null,
        initialLoss: job.initialLoss !== undefined ? round(job.initialLoss, 5) : null,
        finalLoss: job.finalLoss !== undefined ? round(job.finalLoss, 5) : null,
        ratioRnnlab: mine !== null ? round(mine / tps, 4) : null,
        gpu: isGpuImpl(job.impl) ? gpuName(job) : undefined,
        simulated: isGpuImpl(job.impl) ? simulatedGpu(job) : undefined,
        info: slimInfo(job.info),
      });
    }
  }
  await browser?.close(); // should the run throw before this, Playwright kills Chromium on exit

  machine.loadAverageAtEnd = os.loadavg().map((x) => round(x, 3));
  const results = {
    date: new Date().toISOString(),
    command:
      `npm run bench --${options.quick ? " --quick" : ""}${options.browserAsked ? " --browser" : ""}` +
      `${options.device === "webgpu" ? " --device webgpu" : ""}${options.batch !== WORKLOAD.batch ? ` --batch ${options.batch}` : ""}`,
    machine,
    workload: {
      ...WORKLOAD,
      batch: options.batch,
      loss: "softmax cross-entropy, mean over all B·T targets",
      bptt: "full (T steps)",
      flopsPerToken:
        "D·6·G·H·(E + H) + 6·D·H·V, G = 1 (rnn), 3 (gru) or 4 (lstm, bilstm), D = 2 (bilstm) or 1; " +
        "a multiply-add = 2 flops",
    },
    settings: {
      quick: options.quick,
      warmupSeconds: options.warmup,
      windowSeconds: options.window,
      windows: options.windows,
      matmulSize: options.matmulSize,
      tfjsApi: options.tfjsApi,
      browser: options.browser,
      device: options.device,
    },
    webgpu: webgpu ? { ...webgpu, env: undefined, swiftshader: simulated } : { skipped: "not asked for" },
    browser: browser
      ? { version: browser.version, crossOriginIsolated: true }
      : {
          skipped:
            browserSkipped ?? (options.browser ? "no browser implementation asked for" : "not asked for"),
        },
    peers: peers.map((p) => ({
      impl: p.impl,
      available: p.available,
      version: p.version,
      reason: p.reason,
      info: p.info,
    })),
    ceiling: ceilings,
    rows,
    skipped,
    durationSeconds: round((Date.now() - started) / 1000, 4),
  };
  writeAtomically(options.out, `${JSON.stringify(results, null, 2)}\n`);

  // The table.
  const header = [
    "impl",
    "runtime",
    "cell",
    "H",
    "thr",
    "tokens/s",
    "min-max",
    "GFLOP/s",
    "%ceil",
    "peak MiB",
    "cpu%",
    "loss0",
    "rnnlab/x",
  ];
  const right = [false, false, false, true, true, true, true, true, true, true, true, true, true];
  const gpuRows = rows.some((r) => r.gpu !== undefined);
  // The GPU rows' device, or the SwiftShader mark: the one column no CPU row fills.
  const gpuCell = (r: Row) => (r.gpu === undefined ? "" : r.simulated ? SWIFTSHADER_MARK : r.gpu);
  if (gpuRows) {
    header.push("gpu");
    right.push(false);
  }
  const body = rows.map((r) => [
    r.impl,
    r.runtime,
    r.cell,
    String(r.hidden),
    r.gpu === undefined ? String(r.threads) : "-",
    `${whole(r.tokensPerSec)}${r.unit === "chars/s" ? " ch" : ""}`,
    `${whole(r.minTokensPerSec)}-${whole(r.maxTokensPerSec)}`,
    sig(r.gflops),
    r.ceilingFraction === null ? "-" : `${(100 * r.ceilingFraction).toFixed(1)}%`,
    r.peakMiB === null ? "-" : r.peakMiB.toFixed(0),
    r.cpuShare === null ? "-" : (100 * r.cpuShare).toFixed(0),
    r.initialLoss === null ? "-" : r.initialLoss.toFixed(3),
    r.ratioRnnlab === null ? "-" : sig(r.ratioRnnlab),
    ...(gpuRows ? [gpuCell(r)] : []),
  ]);
  const out: string[] = [];
  out.push(
    `rnnlab training benchmark (${results.date}) on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}` +
      ` — load average at start ${machine.loadAverageAtStart.join(" ")}, at end ${machine.loadAverageAtEnd.join(" ")}`,
  );
  out.push(
    `workload: char LM V=${V} E=${E} T=${T} B=${B}, Adam, float32; median of ${options.windows} windows of ` +
      `${options.window} s after ${options.warmup} s warm-up; flops/token = D·6·G·H·(E+H) + 6·D·H·V`,
  );
  if (machine.loadAverageAtStart[0] > 0.5) {
    out.push(
      `warning: the machine was busy (load average ${machine.loadAverageAtStart[0]} at start): other processes ` +
        "took CPU time from every implementation, 2-thread rows the most",
    );
  }
  out.push(
    `peers: ${peers.map((p) => `${p.impl} ${p.available ? (p.version ?? "") : `skipped (${p.reason})`}`).join("; ")}`,
  );
  if (browser) out.push(`browser: ${browser.version}, headless, each page cross-origin isolated`);
  if (webgpu && "adapter" in webgpu) out.push(`webgpu adapter (Dawn): ${webgpu.adapter}`);
  if (simulated) {
    out.push(
      `warning: no GPU adapter, the WebGPU rows ran on SwiftShader ${SWIFTSHADER_MARK}: ` +
        "their tokens/s and every ratio to them say nothing of a GPU's speed",
    );
  }
  if (browserSkipped) out.push(`browser rows skipped: ${browserSkipped}`);
  if (torchInfo) {
    out.push(
      `torch BLAS: ${torchInfo.blas}${torchInfo.openblasConfig ? ` (${torchInfo.openblasConfig})` : ""}, ` +
        `torch BLAS_INFO=${torchInfo.torchBlasInfo}, loaded: ${torchInfo.blasLibraries}`,
    );
  }
  if (ceilings.length) {
    out.push("", "ceiling (n×n float32 matrix products):");
    for (const c of ceilings)
      out.push(`  ${c.kernel}, n=${c.size}, ${c.threads} thread(s): ${sig(c.gflops)} GFLOP/s`);
  }
  out.push("");
  out.push(textTable(header, body, right));
  out.push("");
  out.push(
    "tokens/s: median training tokens per second (brain.js: characters/s, 'ch', batch 1, its own optimizer).",
  );
  out.push(
    !ceilings.length
      ? "%ceil: no CPU row, no ceiling measured; rnnlab/x: rnnlab's tokens/s over the row's."
      : openblas(1)
        ? "%ceil: GFLOP/s over the OpenBLAS product (torch.mm) at the same thread count; " +
          "rnnlab/x: rnnlab's tokens/s (best thread count) over the row's."
        : `%ceil: GFLOP/s over the best product measured (${ceilingFor(1)?.kernel ?? "none"}); ` +
          "rnnlab/x: rnnlab's tokens/s (best thread count) over the row's.",
  );
  out.push(
    "cpu%: the worker's CPU time over wall time in its windows (median): under 100 on a one-thread row means " +
      "other processes took CPU time from it.",
  );
  if (browser) {
    out.push(
      "chromium rows: rnnlab/x is over rnnlab in Chromium; peak MiB and cpu% are the page's renderer process's.",
    );
  }
  if (gpuRows) {
    out.push(
      "gpu rows: rnnlab/x is rnnlab-webgpu's tokens/s over the row's; peak MiB and cpu% are the host process's; " +
        "a step reads nothing back, a window ends when the GPU has finished its steps.",
    );
  }
  for (const { cell, hidden } of configs) {
    out.push(`flops/token ${cell} H=${hidden}: ${flopsPerToken(cell, hidden).toLocaleString("en-US")}`);
  }
  const targets = targetLines(rows, configs);
  if (targets.length) out.push("", "speed targets (rnnlab / peer):", ...targets);
  const gpuTargets = gpuTargetLines(rows, configs, options.batch);
  if (gpuTargets.length) out.push("", "gpu targets (rnnlab-webgpu / x):", ...gpuTargets);
  const browserTargets = browserTargetLines(rows, configs);
  if (browserTargets.length) out.push("", "browser targets (rnnlab in Chromium / x):", ...browserTargets);
  if (skipped.length) {
    out.push("", "skipped:");
    for (const s of skipped) {
      const where = s.cell ? ` ${s.cell} H=${s.hidden} t${s.threads}` : s.threads ? ` t${s.threads}` : "";
      out.push(`  ${implName(s)}${where}: ${s.status}: ${s.reason.split("\n")[0]}`);
    }
  }
  out.push("", `results: ${options.out} (${Math.round((Date.now() - started) / 1000)} s)`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  if (rnnlabFailed) process.exitCode = 1;
}

function targetLines(rows: Row[], configs: { cell: CellName; hidden: number }[]): string[] {
  const lines: string[] = [];
  for (const { cell, hidden } of configs) {
    const at = rows.filter((r) => r.cell === cell && r.hidden === hidden && r.runtime !== "chromium");
    const best = (impls: ImplName[]) =>
      at.filter((r) => impls.includes(r.impl)).sort((a, b) => b.tokensPerSec - a.tokensPerSec)[0];
    const mine = best(["rnnlab"]);
    if (!mine) continue;
    const parts: string[] = [];
    const check = (name: string, peer: Row | undefined, target: number) => {
      if (!peer) return;
      const ratio = mine.tokensPerSec / peer.tokensPerSec;
      parts.push(`${name} ${sig(ratio)}x (target ${target}x ${ratio >= target ? "met" : "not met"})`);
    };
    check("vs best tfjs", best(["tfjs-cpu", "tfjs-wasm"]), 10);
    check("vs brain.js", best(["brainjs"]), 100);
    check("vs best torch", best(["torch"]), hidden <= 128 ? 1.5 : hidden <= 256 ? 1.0 : 0.7);
    if (parts.length) lines.push(`  ${cell} H=${hidden}: ${parts.join("; ")}`);
  }
  return lines;
}

/** The GPU rows against issue 15's targets: rnnlab-webgpu at least 0.5x PyTorch on CUDA (cuDNN) and
 *  10x TensorFlow.js's WebGPU backend. On SwiftShader a ratio is printed, with no verdict. */
function gpuTargetLines(rows: Row[], configs: { cell: CellName; hidden: number }[], batch: number): string[] {
  const lines: string[] = [];
  for (const { cell, hidden } of configs) {
    const at = (impl: ImplName) =>
      rows.find((r) => r.cell === cell && r.hidden === hidden && r.impl === impl);
    const mine = at("rnnlab-webgpu");
    if (!mine) continue;
    const parts: string[] = [];
    for (const [impl, target] of [
      ["torch-cuda", 0.5],
      ["tfjs-webgpu", 10],
    ] as const) {
      const peer = at(impl);
      if (!peer) continue;
      const ratio = mine.tokensPerSec / peer.tokensPerSec;
      const verdict =
        mine.simulated || peer.simulated
          ? SWIFTSHADER_MARK
          : `(target ${target}x ${ratio >= target ? "met" : "not met"})`;
      parts.push(`vs ${impl} ${sig(ratio)}x ${verdict}`);
    }
    if (parts.length) lines.push(`  ${cell} H=${hidden} B=${batch}: ${parts.join("; ")}`);
  }
  return lines;
}

/** The Chromium rows against their targets: rnnlab in Chromium over rnnlab in Node at each thread
 *  count (0.8x: the page costs at most a fifth), and rnnlab in Chromium over tfjs-wasm in Chromium,
 *  each at its best thread count (10x). */
function browserTargetLines(rows: Row[], configs: { cell: CellName; hidden: number }[]): string[] {
  const lines: string[] = [];
  const fastest = (of: Row[]) => [...of].sort((a, b) => b.tokensPerSec - a.tokensPerSec)[0];
  const verdict = (ok: boolean) => (ok ? "met" : "not met");
  for (const { cell, hidden } of configs) {
    const at = rows.filter((r) => r.cell === cell && r.hidden === hidden);
    const inChromium = (impl: ImplName) => at.filter((r) => r.impl === impl && r.runtime === "chromium");
    const mine = inChromium("rnnlab");
    if (mine.length === 0) continue;
    const parts: string[] = [];
    const vsNode: { threads: number; ratio: number }[] = [];
    for (const r of mine) {
      const node = at.find((n) => n.impl === "rnnlab" && n.runtime === "node" && n.threads === r.threads);
      if (node) vsNode.push({ threads: r.threads, ratio: r.tokensPerSec / node.tokensPerSec });
    }
    if (vsNode.length) {
      const each = vsNode.map((v) => `t${v.threads} ${sig(v.ratio)}x`).join(", ");
      parts.push(`vs rnnlab in Node ${each} (target 0.8x ${verdict(vsNode.every((v) => v.ratio >= 0.8))})`);
    }
    const peer = fastest(inChromium("tfjs-wasm"));
    if (peer) {
      const best = fastest(mine);
      const ratio = best.tokensPerSec / peer.tokensPerSec;
      parts.push(
        `vs tfjs-wasm in Chromium ${sig(ratio)}x (t${best.threads} over t${peer.threads}; target 10x ${verdict(ratio >= 10)})`,
      );
    }
    if (parts.length) lines.push(`  ${cell} H=${hidden}: ${parts.join("; ")}`);
  }
  return lines;
}

/** A row's worker info without what `peers` already says (versions, the BLAS libraries). */
function slimInfo(info: Info | undefined): Info | undefined {
  if (!info) return undefined;
  const drop = new Set([
    "version",
    "python",
    "blasLibraries",
    "openblasConfig",
    "torchBlasInfo",
    "mkldnn",
    "blas",
  ]);
  return Object.fromEntries(Object.entries(info).filter(([k]) => !drop.has(k)));
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// --dropout: a mode of its own (bench/dropout.ts), what dropout costs an LSTM training step.
if (process.argv.includes("--dropout")) await dropoutBench(process.argv.slice(2));
else await main();
