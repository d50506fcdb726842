import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { TrainingClient } from "../../src/worker/client.js";
import type { StartedInfo, StartOptions, TrainingConfig } from "../../src/worker/protocol.js";
import { skipBrowserTests } from "./chromium.js";
import { type GpuBrowserSession, gpuBrowserSession } from "./gpu-chromium.js";

// A training worker's text run with device "webgpu" in headless Chromium, its WebGPU on SwiftShader
// (CPU Vulkan): the steps run on a GpuTrainer, in float32, and give the CPU run's losses within
// float32 rounding; a run the GPU cannot train, or a browser without an adapter, trains on the CPU
// and says why in StartedInfo.deviceNote.

declare global {
  var newClient: () => TrainingClient;
}

const text = readFileSync("data/tinyshakespeare.txt", "utf8");
/** Small: SwiftShader compiles the kernels in seconds, and runs them on the CPU. */
const SMALL: TrainingConfig = {
  data: { text: text.slice(0, 8_000) },
  model: { cell: "lstm", hiddenSize: 16, embedding: 8 },
  seqLen: 8,
  batch: 4,
  steps: 6,
  evalEvery: 3,
  valBatches: 2,
  sampleLength: 12,
  seed: 4,
};

interface PageRun {
  info: StartedInfo;
  losses: number[];
  gradNorms: number[];
  evals: { step: number; valLoss: number; sample: string | null }[];
  done: { step: number; reason: string; valLoss: number };
  checkpointBytes: number;
  sample: string | null;
}

/** Trains `config` to its budget in a new worker of `page`, then takes a checkpoint and a sample. */
function trainInPage(page: Page, config: TrainingConfig, options: StartOptions): Promise<PageRun> {
  return page.evaluate(
    async ({ config, options }) => {
      const client = globalThis.newClient();
      const losses: number[] = [];
      const gradNorms: number[] = [];
      const evals: PageRun["evals"] = [];
      client.on("progress", (p) => {
        losses.push(p.loss);
        gradNorms.push(p.gradNorm);
      });
      client.on("eval", ({ step, valLoss, sample }) => evals.push({ step, valLoss, sample }));
      const finished = client.done();
      const info = await client.start(config, options);
      const { step, reason, valLoss } = await finished;
      const checkpointBytes = (await client.checkpoint()).length;
      const { text: sample } = await client.sample({ length: 10, temperature: 1 });
      client.terminate();
      return { info, losses, gradNorms, evals, done: { step, reason, valLoss }, checkpointBytes, sample };
    },
    { config, options },
  );
}

async function openPage(session: () => GpuBrowserSession): Promise<{ page: Page; errors: string[] }> {
  const { browser, server } = session();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(`${server.url}/worker.html`);
  await page.waitForFunction(() => "newClient" in globalThis, null, { timeout: 10_000 });
  return { page, errors };
}

/** |a − b| ≤ 1e-4 · |b| for each pair: float32 on the GPU against the CPU's kernels. */
function expectClose(got: number[], want: number[], relative = 1e-4): void {
  expect(got).toHaveLength(want.length);
  const worst = Math.max(...got.map((value, i) => Math.abs(value - want[i]) / Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(relative);
}

describe.skipIf(skipBrowserTests())(
  "a worker's run with device webgpu (Chromium, WebGPU on SwiftShader)",
  () => {
    const session = gpuBrowserSession(true);

    it("start(config, { device: 'webgpu' }) trains on the GPU with the CPU run's losses within 1e-4", async () => {
      const { page, errors } = await openPage(session);
      const gpu = await trainInPage(page, SMALL, { device: "webgpu" });
      const cpu = await trainInPage(page, SMALL, { device: "cpu", threads: 1 });
      expect(gpu.info).toMatchObject({ device: "webgpu", threads: 1, threadNote: null });
      expect(gpu.info.deviceNote).toMatch(/^WebGPU \(.*swiftshader.*\)$/);
      expect(cpu.info).toMatchObject({ device: "cpu", deviceNote: null });
      expectClose(gpu.losses, cpu.losses);
      expectClose(gpu.gradNorms, cpu.gradNorms);
      expect(gpu.evals.map((e) => e.step)).toEqual([3, 6]);
      expectClose(
        gpu.evals.map((e) => e.valLoss),
        cpu.evals.map((e) => e.valLoss),
      );
      expect(gpu.evals[1].sample).toHaveLength(12);
      expect(gpu.done).toMatchObject({ step: 6, reason: "finished" });
      expectClose([gpu.done.valLoss], [cpu.done.valLoss]);
      expect(gpu.checkpointBytes).toBeGreaterThan(0);
      expect(gpu.sample).toHaveLength(10);
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);

    it("a config the GPU does not train (free-running feeding) trains on the CPU and says why", async () => {
      const { page, errors } = await openPage(session);
      const config: TrainingConfig = { ...SMALL, steps: 3, feed: { kind: "free-running", prefix: 2 } };
      const asked = await trainInPage(page, config, { device: "webgpu", threads: 1 });
      const cpu = await trainInPage(page, config, { threads: 1 });
      expect(asked.info.device).toBe("cpu");
      expect(asked.info.deviceNote).toBe(
        "the WebGPU backend trains with teacher forcing only, not free-running; training on the CPU",
      );
      expect(asked.losses).toEqual(cpu.losses);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it("pauses, single-steps, takes new clipping, refuses free-running feeding, checkpoints and stops on the GPU", async () => {
      const { page, errors } = await openPage(session);
      const seen = await page.evaluate(async (config) => {
        const client = globalThis.newClient();
        const steps: number[] = [];
        const clipped: boolean[] = [];
        client.on("progress", ({ step, gradNorm, gradNormClipped }) => {
          steps.push(step);
          clipped.push(gradNormClipped < gradNorm);
        });
        const info = await client.start({ ...config, steps: null }, { paused: true, device: "webgpu" });
        await client.step(2);
        const afterTwo = steps.length;
        await client.setOptions({ clip: { kind: "norm", maxNorm: 1e-3 } });
        await client.step();
        let refused = "";
        await client
          .setOptions({ feed: { kind: "free-running", prefix: 2 } })
          .catch((error: Error) => (refused = `${error.name}: ${error.message}`));
        await client.resume();
        await new Promise((resolve) => {
          const off = client.on("progress", ({ step }) => {
            if (step < 6) return;
            off();
            resolve(null);
          });
        });
        await client.pause();
        const atPause = steps.length;
        const bytes = await client.checkpoint();
        const afterCheckpoint = steps.length;
        const finished = client.done();
        await client.stop();
        const done = await finished;
        client.terminate();
        return {
          device: info.device,
          afterTwo,
          clipped,
          refused,
          atPause,
          afterCheckpoint,
          steps,
          done,
          bytes: bytes.length,
        };
      }, SMALL);
      expect(seen.device).toBe("webgpu");
      expect(seen.afterTwo).toBe(2);
      expect(seen.clipped[2]).toBe(true); // a norm of 1e-3 clips every gradient of this model
      expect(seen.refused).toBe(
        'ConfigError: this run trains on WebGPU, which feeds by teacher forcing only: to train with free-running, start a run with device "cpu"',
      );
      expect(seen.afterCheckpoint).toBe(seen.atPause); // paused: a checkpoint takes no step
      expect(seen.steps).toEqual(seen.steps.map((_, i) => i + 1));
      expect(seen.done).toMatchObject({ reason: "stopped", step: seen.steps.length });
      expect(seen.bytes).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  },
);

describe.skipIf(skipBrowserTests())("a worker's run with device webgpu where WebGPU finds no adapter", () => {
  const session = gpuBrowserSession(false);

  it("trains on the CPU and says so in one line", async () => {
    const { page, errors } = await openPage(session);
    const run = await trainInPage(page, { ...SMALL, steps: 2 }, { device: "webgpu", threads: 1 });
    expect(run.info.device).toBe("cpu");
    expect(run.info.deviceNote).toMatch(
      /^WebGPU (found no GPU adapter|is not available here); training on the CPU$/,
    );
    expect(run.losses).toHaveLength(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
