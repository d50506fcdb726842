import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import * as rnnlab from "../../src/index.js";
import { rnnlab as cli } from "../helpers/cli.js";
import { skipBrowserTests } from "./chromium.js";
import { type SampleOptions, sampleCheckpoint, type TrainOptions, trainCheckpoint } from "./file-steps.js";
import { browserSession } from "./session.js";

// Checkpoint files crossing between the CLI and a page: test/browser/files.html runs
// file-steps.ts with dist/browser/rnnlab.js, this process runs it with src/index.ts.

// The page's window (the test's tsconfig has no DOM types), set by files.html's module script.
declare global {
  var checkpointFiles: {
    sampleFetched(url: string, options: SampleOptions): Promise<string>;
    trainToFile(options: TrainOptions): { checkpoint: number[]; params: number[] };
  };
}

const SAMPLE: SampleOptions = { prime: "First", length: 80, temperature: 0.8, seed: 3 };
const PAGE_RUN: TrainOptions = {
  text: "the quick brown fox jumps over the lazy dog; ".repeat(20),
  steps: 8,
  seed: 5,
};

describe.skipIf(skipBrowserTests())("checkpoint files between the CLI and a page", () => {
  // Made in setup, not here: a skipped block's body still runs, but its hooks do not.
  let scratch = "";
  let cliCheckpoint = "";
  const session = browserSession(() => {
    scratch = mkdtempSync(join(tmpdir(), "rnnlab-files-"));
    cliCheckpoint = join(scratch, "run", "checkpoint.safetensors");
    trainWithCli(join(scratch, "run"));
    return { "/checkpoint.safetensors": cliCheckpoint };
  });
  afterAll(() => {
    if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
  });

  /** files.html, opened once and shared by the tests. */
  let opened: Promise<Page> | null = null;
  function readyPage(): Promise<Page> {
    const { browser, server } = session();
    opened ??= (async () => {
      const page = await browser.newPage();
      await page.goto(`${server.url}/files.html`);
      await page.waitForFunction(() => "checkpointFiles" in globalThis, null, { timeout: 10_000 });
      return page;
    })();
    return opened;
  }

  it("a checkpoint written by rnnlab train loads in the page and samples the same text as Node", async () => {
    const pageText = await (await readyPage()).evaluate(
      (options) => globalThis.checkpointFiles.sampleFetched("/checkpoint.safetensors", options),
      SAMPLE,
    );
    const nodeText = sampleCheckpoint(rnnlab, readFileSync(cliCheckpoint), SAMPLE);
    expect(pageText).toBe(nodeText);
    expect(pageText).toHaveLength(SAMPLE.prime.length + SAMPLE.length);
    const { prime, length, temperature, seed } = SAMPLE;
    const sampled = cli([
      "sample",
      cliCheckpoint,
      ...["--prime", prime, "--length", String(length)],
      ...["--temperature", String(temperature), "--seed", String(seed)],
    ]);
    expect(sampled.stderr).toBe("");
    expect(sampled.stdout).toBe(`${nodeText}\n`);
  });

  it("a checkpoint trained in the page is the same safetensors file the CLI samples from", async () => {
    const trained = await (await readyPage()).evaluate(
      (options) => globalThis.checkpointFiles.trainToFile(options),
      PAGE_RUN,
    );
    const bytes = Uint8Array.from(trained.checkpoint);
    expect(bytes).toEqual(trainCheckpoint(rnnlab, PAGE_RUN).checkpoint);
    const { model } = rnnlab.fromCheckpoint(rnnlab.decodeCheckpoint(bytes));
    expect(Array.from(model.params.data)).toEqual(trained.params);

    const file = join(scratch, "page.safetensors");
    writeFileSync(file, bytes);
    const sampled = cli(["sample", file, "--prime", "the ", "--length", "50", "--seed", "1"]);
    expect(sampled.stderr).toBe("");
    expect(sampled.status).toBe(0);
    const text = sampled.stdout.slice("the ".length, -1);
    expect(text).toHaveLength(50);
    const alphabet = new Set(PAGE_RUN.text);
    expect([...text].filter((char) => !alphabet.has(char))).toEqual([]);
  });
});

/** A tiny run of `rnnlab train` on its bundled text, into `out`. */
function trainWithCli(out: string): void {
  const args = ["--steps", "20", "--hidden", "16", "--seq-len", "16", "--batch", "4", "--threads", "1"];
  const result = cli(["train", ...args, "--out", out, "--force"]);
  if (result.status !== 0) throw new Error(`rnnlab train failed: ${result.stderr.trim()}`);
}
