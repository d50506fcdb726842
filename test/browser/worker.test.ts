import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import type { TrainingClient } from "../../src/worker/client.js";
import type { DoneInfo, StartedInfo, StartOptions, TrainingConfig } from "../../src/worker/protocol.js";
import { TrainingSession } from "../../src/worker/session.js";
import { rnnlab as cli } from "../helpers/cli.js";
import { skipBrowserTests } from "./chromium.js";
import { type BrowserSession, browserSession } from "./session.js";

// rnnlab/worker in headless Chromium: worker.html holds only the prebuilt client (dist/browser/
// client.js); training runs in dist/browser/training-worker.js, which starts its own thread
// workers on a cross-origin isolated page.

declare global {
  var newClient: () => TrainingClient;
  var firstMessage: (url: string) => Promise<unknown>;
}

const text = readFileSync("data/tinyshakespeare.txt", "utf8");
const SMALL: TrainingConfig = {
  data: { text: text.slice(0, 20_000) },
  model: { cell: "lstm", hiddenSize: 24, embedding: 8 },
  seqLen: 16,
  batch: 16,
  steps: 12,
  evalEvery: 5,
  valBatches: 2,
  sampleLength: 30,
  seed: 4,
};

interface PageRun {
  info: StartedInfo;
  losses: number[];
  gradNorms: number[];
  /** Entries of ‖dL/dh_t‖ in each progress message (T + 1). */
  normLengths: number[];
  evals: { step: number; valLoss: number; sample: string | null }[];
  states: string[];
  done: DoneInfo;
  checkpoint: number[];
}

/** Trains `config` to its budget in a new worker of `page`, recording every event. */
function trainInPage(page: Page, config: TrainingConfig, options: StartOptions): Promise<PageRun> {
  return page.evaluate(
    async ({ config, options }) => {
      const client = globalThis.newClient();
      const run = { losses: [] as number[], gradNorms: [] as number[], normLengths: [] as number[] };
      const evals: PageRun["evals"] = [];
      const states: string[] = [];
      client.on("progress", (p) => {
        run.losses.push(p.loss);
        run.gradNorms.push(p.gradNorm);
        run.normLengths.push(p.hiddenGradNorms.length);
      });
      client.on("eval", ({ step, valLoss, sample }) => evals.push({ step, valLoss, sample }));
      client.on("state", (state) => states.push(state));
      const finished = client.done();
      const info = await client.start(config, options);
      const done = await finished;
      const checkpoint = Array.from(await client.checkpoint());
      client.terminate();
      return { info, ...run, evals, states, done, checkpoint };
    },
    { config, options },
  );
}

/** The same run in this process, on one thread. */
async function trainInNode(config: TrainingConfig, options: StartOptions = {}) {
  const noThreads = { spawn: null, maxThreads: 1, unavailable: null };
  const session = await TrainingSession.create(config, { ...options, threads: 1 }, noThreads);
  const losses: number[] = [];
  const evals: PageRun["evals"] = [];
  while (!session.finished()) {
    losses.push(session.step().loss);
    if (session.evalDue()) {
      const { step, valLoss, sample } = session.evaluate();
      evals.push({ step, valLoss, sample });
    }
  }
  return { losses, evals, valLoss: session.finalLoss(), checkpoint: Array.from(session.checkpoint()) };
}

/** A module worker: one batch's gradient on one thread, then on two (the prebuilt training worker
 *  serving the second shard), and their largest differences. */
const gradientsWorker = `
import { DataParallel, SequenceModel, workerShardSpawner } from "./rnnlab.js";
const input = { kind: "embedding", vocabSize: 11, embeddingSize: 8 };
const model = new SequenceModel({ cell: "gru", hiddenSize: 24, input }, { seed: 3 });
const T = 12, B = 8;
const tokens = Int32Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % 11);
const classes = Int32Array.from({ length: T * B }, (_, i) => (i * 5 + 1) % 11);
const one = model.lossAndGrad({ T, B, tokens }, { classes });
const loss = [one.loss];
const grad = model.params.grad.slice();
const norms = [];
for (let t = 0; t <= T; t++) {
  let sum = 0;
  for (let i = 0; i < B * 24; i++) sum += one.hiddenGrads[0][t * B * 24 + i] ** 2;
  norms.push(Math.sqrt(sum));
}
const parallel = await DataParallel.create(model, workerShardSpawner("./training-worker.js"), 2);
const two = parallel.lossAndGrad({ T, B, tokens }, { classes });
loss.push(two.loss);
let gradDiff = 0, gradMax = 0, normDiff = 0;
model.params.grad.forEach((g, i) => {
  gradDiff = Math.max(gradDiff, Math.abs(g - grad[i]));
  gradMax = Math.max(gradMax, Math.abs(grad[i]));
});
norms.forEach((n, t) => (normDiff = Math.max(normDiff, Math.abs(two.hiddenGradNorms[t] - n) / n)));
parallel.close();
postMessage({ loss, gradDiff, gradMax, normDiff });
`;

async function openPage(session: () => BrowserSession): Promise<{ page: Page; errors: string[] }> {
  const { browser, server } = session();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  await page.goto(`${server.url}/worker.html`);
  await page.waitForFunction(() => "newClient" in globalThis, null, { timeout: 10_000 });
  return { page, errors };
}

describe("dist/browser/client.js, the page's side", () => {
  it("holds no model code, so the page's main thread cannot run a training step", () => {
    const client = readFileSync("dist/browser/client.js", "utf8");
    expect(client).not.toMatch(/lossAndGrad|WebAssembly/);
    expect(client.length).toBeLessThan(6_000);
  });
});

describe.skipIf(skipBrowserTests())("training in a Worker on a cross-origin isolated page", () => {
  const session = browserSession(() => ({}), { isolated: true });

  it("reports every step and evaluation, and gives the same losses, samples and checkpoint as Node", async () => {
    const { page, errors } = await openPage(session);
    const run = await trainInPage(page, SMALL, { threads: 1 });
    const node = await trainInNode(SMALL);
    expect(run.info.threads).toBe(1);
    expect(run.info.kernels).toEqual({ gemm: "relaxed", pointwise: "wasm" });
    expect(run.info.config.model.hiddenSize).toBe(24);
    expect(run.losses).toHaveLength(12);
    expect(run.losses).toEqual(node.losses);
    expect(run.normLengths).toEqual(Array(12).fill(SMALL.seqLen! + 1));
    expect(run.evals.map((e) => e.step)).toEqual([5, 10]);
    expect(run.evals).toEqual(node.evals);
    expect(run.evals[0].sample).toHaveLength(30);
    expect(run.states).toEqual(["running", "finished"]);
    expect(run.done).toMatchObject({ step: 12, reason: "finished", valLoss: node.valLoss });
    expect(run.checkpoint).toEqual(node.checkpoint);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("trains on two threads, with a step's loss and gradient norm equal to one thread's within float32 rounding", async () => {
    const { page, errors } = await openPage(session);
    const config = { ...SMALL, steps: 3 };
    const two = await trainInPage(page, config, { threads: 2 });
    const one = await trainInPage(page, config, { threads: 1 });
    expect(two.info.threads).toBe(2);
    expect(two.info.threadNote).toBeNull();
    // The first step computes on the same parameters: only the order of float32 sums differs.
    expect(Math.abs(two.losses[0] - one.losses[0])).toBeLessThan(1e-5 * one.losses[0]);
    expect(Math.abs(two.gradNorms[0] - one.gradNorms[0])).toBeLessThan(1e-4 * one.gradNorms[0]);
    for (let i = 1; i < 3; i++)
      expect(Math.abs(two.losses[i] - one.losses[i])).toBeLessThan(1e-3 * one.losses[i]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("DataParallel.create on two browser threads gives one thread's gradient within float32 rounding", async () => {
    const { page, errors } = await openPage(session);
    const { server } = session();
    await page.route(`${server.url}/gradients.js`, (route) =>
      route.fulfill({
        contentType: "text/javascript",
        headers: { "cross-origin-embedder-policy": "require-corp" },
        body: gradientsWorker,
      }),
    );
    const result = (await page.evaluate(() => globalThis.firstMessage("./gradients.js"))) as {
      loss: number[];
      gradDiff: number;
      gradMax: number;
      normDiff: number;
      error?: string;
    };
    expect(result.error).toBeUndefined();
    expect(result.gradMax).toBeGreaterThan(0);
    expect(Math.abs(result.loss[1] - result.loss[0])).toBeLessThan(1e-5 * result.loss[0]);
    // float32 sums over about 10^3 terms: a few hundred ulps of the largest entry at most
    expect(result.gradDiff).toBeLessThan(1e-4 * result.gradMax);
    expect(result.normDiff).toBeLessThan(1e-4);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("pauses, single-steps, takes a new learning rate, resumes and stops on request", async () => {
    const { page, errors } = await openPage(session);
    const seen = await page.evaluate(async (config) => {
      const client = globalThis.newClient();
      const steps: { step: number; lr: number }[] = [];
      client.on("progress", ({ step, lr }) => steps.push({ step, lr }));
      const info = await client.start({ ...config, steps: null }, { paused: true, threads: 1 });
      const afterStart = steps.length;
      await client.step(3);
      const afterThree = steps.length;
      await client.setLearningRate(0.5);
      await client.step();
      const stepWhilePaused = client.state;
      await client.resume();
      await new Promise((resolve) => {
        const off = client.on("progress", ({ step }) => {
          if (step < 10) return;
          off();
          resolve(null);
        });
      });
      const finished = client.done();
      await client.stop();
      const done = await finished;
      let refused = "";
      await client.step().catch((error: Error) => (refused = `${error.name}: ${error.message}`));
      const sample = await client.sample({ length: 20, temperature: 0.5 });
      client.terminate();
      return { step: info.step, afterStart, afterThree, stepWhilePaused, steps, done, refused, sample };
    }, SMALL);
    expect(seen.step).toBe(0);
    expect(seen.afterStart).toBe(0);
    expect(seen.afterThree).toBe(3);
    expect(seen.stepWhilePaused).toBe("paused");
    expect(seen.steps.slice(0, 4)).toEqual([
      { step: 1, lr: 0.005 }, // rnnlab train's --lr, constant in a run with no budget
      { step: 2, lr: 0.005 },
      { step: 3, lr: 0.005 },
      { step: 4, lr: 0.5 },
    ]);
    expect(seen.steps.map((s) => s.step)).toEqual(seen.steps.map((_, i) => i + 1));
    expect(seen.steps.slice(4).every((s) => s.lr === 0.5)).toBe(true);
    expect(seen.done.reason).toBe("stopped");
    expect(seen.done.step).toBe(seen.steps.length);
    expect(seen.refused).toBe("StateError: the run has stopped: start() a new one");
    expect(seen.sample.text).toHaveLength(20);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.skipIf(skipBrowserTests())(
  "checkpoint files in a training Worker (a page not cross-origin isolated)",
  () => {
    let scratch = "";
    let run = "";
    // A constant lr: the runs go on past the first --steps, where the default cosine would end.
    const TRAIN = ["--steps", "20", "--hidden", "16", "--seq-len", "16", "--batch", "4", "--threads", "1"];
    TRAIN.push("--lr-schedule", "constant");
    const session = browserSession(() => {
      scratch = mkdtempSync(join(tmpdir(), "rnnlab-worker-"));
      run = join(scratch, "run");
      const result = cli(["train", ...TRAIN, "--eval-every", "10", "--out", run, "--force"]);
      if (result.status !== 0) throw new Error(`rnnlab train failed: ${result.stderr.trim()}`);
      return { "/checkpoint.safetensors": join(run, "checkpoint.safetensors") };
    });
    afterAll(() => {
      if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
    });
    const cliConfig: TrainingConfig = {
      data: { text },
      dataName: "tinyshakespeare",
      model: { hiddenSize: 16 },
      seqLen: 16,
      batch: 4,
      steps: 23,
      evalEvery: 10,
      lrSchedule: { kind: "constant", warmup: 0 },
    };

    it("runs on one thread and says why", async () => {
      const { page, errors } = await openPage(session);
      const run = await trainInPage(page, { ...SMALL, steps: 2 }, { threads: 2 });
      expect(run.info.threads).toBe(1);
      expect(run.info.threadNote).toMatch(
        /^the page is not cross-origin isolated .*Cross-Origin-Embedder-Policy/,
      );
      expect(run.losses).toHaveLength(2);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it("resumes a run of rnnlab train from a File and continues it as the CLI's --resume does", async () => {
      const { page, errors } = await openPage(session);
      const resumed = await page.evaluate(async (config) => {
        const response = await fetch("/checkpoint.safetensors");
        const file = new File([await response.blob()], "checkpoint.safetensors");
        const client = globalThis.newClient();
        const losses: number[] = [];
        client.on("progress", ({ loss }) => losses.push(loss));
        const finished = client.done();
        const info = await client.start(config, {
          resume: new Uint8Array(await file.arrayBuffer()),
          threads: 1,
        });
        await finished;
        client.terminate();
        return { step: info.step, losses };
      }, cliConfig);
      const again = join(scratch, "again");
      cpSync(run, again, { recursive: true });
      const result = cli(["train", "--resume", again, "--steps", "23"]);
      expect(result.status).toBe(0);
      const cliLosses = readFileSync(join(again, "metrics.jsonl"), "utf8")
        .split("\n")
        .filter((line) => line.includes('"type":"train"'))
        .map((line) => JSON.parse(line) as { step: number; loss: number })
        .filter((record) => record.step > 20)
        .map((record) => record.loss);
      expect(resumed.step).toBe(20);
      // ECMAScript leaves Math.exp/log/tanh to the engine: Chromium 156's V8 and Node 20's differ in
      // the last bit, so the same steps agree to rounding, not bit for bit.
      expect(resumed.losses).toHaveLength(3);
      expect(cliLosses).toHaveLength(3);
      for (const [i, loss] of resumed.losses.entries()) expect(loss).toBeCloseTo(cliLosses[i], 10);
      expect(errors).toEqual([]);
      await page.close();
    }, 90_000);

    it("a corrupt or truncated file gets one clear message, and nothing in the console", async () => {
      const { page, errors } = await openPage(session);
      const messages = await page.evaluate(async (config) => {
        const bytes = new Uint8Array(await (await fetch("/checkpoint.safetensors")).arrayBuffer());
        const client = globalThis.newClient();
        const tries = {
          truncated: bytes.slice(0, bytes.length >> 1),
          garbage: new TextEncoder().encode("this is not a checkpoint at all"),
          wrongModel: bytes,
        };
        const out: Record<string, string> = {};
        for (const [name, resume] of Object.entries(tries)) {
          const model = name === "wrongModel" ? { hiddenSize: 32 } : config.model;
          await client
            .start({ ...config, model }, { resume, threads: 1 })
            .then(() => (out[name] = "accepted"))
            .catch((error: Error) => (out[name] = `${error.name}: ${error.message}`));
        }
        client.terminate();
        return out;
      }, cliConfig);
      for (const message of Object.values(messages)) expect(message).not.toContain("\n");
      expect(messages.truncated).toMatch(/^FormatError: .*(truncated|shorter|bytes)/);
      expect(messages.garbage).toMatch(/^FormatError: /);
      expect(messages.wrongModel).toMatch(/^ConfigError: the checkpoint's model .* is not the config's/);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  },
);
