import { describe, expect, it } from "vitest";
import * as rnnlab from "../../src/index.js";
import { wasmKernelVariant } from "../../src/kernels/index.js";
import { skipBrowserTests } from "./chromium.js";
import { browserSession } from "./session.js";
import { type RunOptions, train } from "./steps.js";

// dist/browser/rnnlab.js in headless Chromium, loaded by test/browser/page.html's module script
// (no bundler), against the same steps run here through src/index.ts.

interface PageRun {
  losses: number[];
  wasmKernelVariant: string | null;
  wasmGemmEnabled: boolean;
  /** What the page showed for a truncated checkpoint. */
  checkpointError: string;
  /** Uncaught exceptions and console errors in the page. */
  pageErrors: string[];
}

const GRU: RunOptions = { cell: "gru", dtype: "float32", steps: 30, seed: 1 };
const LSTM64: RunOptions = { cell: "lstm", dtype: "float64", steps: 12, seed: 2 };
const LSTM32: RunOptions = { ...LSTM64, dtype: "float32" };

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** What `f` throws, as the page shows it ("Name: message"), or "" when it returns. */
function thrownBy(f: () => unknown): string {
  try {
    f();
    return "";
  } catch (error) {
    return String(error);
  }
}

describe.skipIf(skipBrowserTests())("the prebuilt module in Chromium, from a plain page", () => {
  const session = browserSession();
  const runs = new Map<string, Promise<PageRun>>();

  /** The page's run of `options` (each is loaded once and shared by the tests that read it). */
  function pageRun(options: RunOptions): Promise<PageRun> {
    const query = new URLSearchParams({
      cell: options.cell,
      dtype: options.dtype,
      steps: String(options.steps),
      seed: String(options.seed),
    }).toString();
    if (!runs.has(query)) runs.set(query, loadPage(query));
    return runs.get(query)!;
  }

  async function loadPage(query: string): Promise<PageRun> {
    const { browser, server } = session();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(`${server.url}/page.html?${query}`);
    const finished = await page.waitForSelector("#result.done", { timeout: 30_000 }).then(
      () => true,
      () => false,
    );
    if (!finished) throw new Error(`the page did not finish: ${pageErrors.join("; ") || "no error shown"}`);
    const shown = JSON.parse((await page.textContent("#result")) ?? "");
    const checkpointError = (await page.textContent("#checkpoint-error")) ?? "";
    await page.close();
    return { ...shown, checkpointError, pageErrors };
  }

  it("trains a GRU with createOptimizer and clipGradNorm: the loss falls and stays finite", async () => {
    const run = await pageRun(GRU);
    expect(run.pageErrors).toEqual([]);
    expect(run.losses).toHaveLength(GRU.steps);
    for (const loss of run.losses) expect(Number.isFinite(loss)).toBe(true);
    expect(mean(run.losses.slice(-5))).toBeLessThan(0.7 * run.losses[0]);
  });

  it("runs the WebAssembly kernels, in their relaxed-SIMD build", async () => {
    const run = await pageRun(GRU);
    expect(run.wasmKernelVariant).toBe("relaxed");
    expect(run.wasmGemmEnabled).toBe(true);
  });

  it("gives Node's losses for the same seed and config (float64 to 1e-12; float32 identical)", async () => {
    const page64 = await pageRun(LSTM64);
    const node64 = train(rnnlab, LSTM64).losses;
    expect(page64.losses).toHaveLength(node64.length);
    for (const [i, loss] of page64.losses.entries()) {
      expect(Math.abs(loss - node64[i])).toBeLessThanOrEqual(1e-12 * node64[i]);
    }
    // The same kernels (the relaxed-SIMD WebAssembly build) run here under vitest's flag.
    const page32 = await pageRun(LSTM32);
    const node32 = train(rnnlab, LSTM32).losses;
    expect(wasmKernelVariant()).toBe(page32.wasmKernelVariant);
    expect(page32.losses).toEqual(node32);
  });

  it("shows a truncated checkpoint as Node's one-line FormatError, with no uncaught exception", async () => {
    const run = await pageRun(GRU);
    const bytes = train(rnnlab, GRU).checkpoint;
    const nodeMessage = thrownBy(() => rnnlab.decodeCheckpoint(bytes.subarray(0, bytes.length >> 1)));
    expect(run.checkpointError).toBe(nodeMessage);
    expect(run.checkpointError).toMatch(/^FormatError: truncated or corrupt: [^\n]+$/);
    expect(run.pageErrors).toEqual([]);
  });
});
